"""proxy reports for a unit or hamlet with nobody on the bot

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reportdraft") as batch:
        batch.add_column(sa.Column("on_behalf_of_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_reportdraft_on_behalf_of_unit_id_unit", "unit", ["on_behalf_of_unit_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reportdraft") as batch:
        batch.drop_constraint("fk_reportdraft_on_behalf_of_unit_id_unit", type_="foreignkey")
        batch.drop_column("on_behalf_of_unit_id")
