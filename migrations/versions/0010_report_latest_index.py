"""an index for the latest report of each task and unit of a plan

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # models.reports.latest_reports finds each task x unit's latest version with one probe
    # of this index instead of grouping every report of the plan.
    op.create_index(
        'ix_report_latest', 'report', ['plan_id', 'task_id', 'unit_id', 'version'], unique=False
    )
    # Its first column serves every lookup by plan. The index on plan_id alone goes: with
    # statistics that do not know a new plan yet, PostgreSQL could take it for the probe and
    # read the whole plan for every task x unit.
    op.drop_index('ix_report_plan_id', table_name='report')


def downgrade() -> None:
    op.create_index('ix_report_plan_id', 'report', ['plan_id'], unique=False)
    op.drop_index('ix_report_latest', table_name='report')
