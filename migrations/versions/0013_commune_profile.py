"""commune profile

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No rows: a commune without one has the defaults (models.commune_profile).
    op.create_table(
        "communeprofile",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("commune_id", sa.Integer(), sa.ForeignKey("commune.id"), nullable=False),
        sa.Column("set_values", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("config_values", sa.Text(), nullable=False, server_default="{}"),
        sa.UniqueConstraint("commune_id"),
    )


def downgrade() -> None:
    op.drop_table("communeprofile")
