"""the options each chat was offered last, for typed choices

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 23:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.add_column(sa.Column('menu', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('chataccount', schema=None) as batch_op:
        batch_op.drop_column('menu')
