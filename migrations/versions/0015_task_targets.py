"""task targets

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plan's "Chỉ tiêu" column; tasks imported before it had none.
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("target", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("target")
