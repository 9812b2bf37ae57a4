"""commune province

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The province a commune belongs to (`hamlet-bot commune add NAME --province P`); the
    # communes there before, and those added without it, have none. Nothing else changes:
    # every table already carries its commune, so today's one commune is the first of many.
    with op.batch_alter_table("commune") as batch:
        batch.add_column(sa.Column("province", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commune") as batch:
        batch.drop_column("province")
