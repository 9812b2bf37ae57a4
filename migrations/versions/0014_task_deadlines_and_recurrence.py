"""task deadlines and recurrence

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("repeat", sa.String(), nullable=False, server_default="yearly"))
        batch.add_column(sa.Column("due_dates", sa.String(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("deadline_guessed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Existing tasks keep their schedule: ongoing stays ongoing, and a year task stays due
    # by the plan's year-end report. A re-import reads their timeframe text afresh.
    op.execute("UPDATE task SET repeat = 'ongoing' WHERE timeframe = 'ongoing'")


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("deadline_guessed")
        batch.drop_column("due_dates")
        batch.drop_column("repeat")
