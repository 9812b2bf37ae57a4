"""the channel a pending plan file came on

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 23:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Files waiting from before were all sent on Telegram.
    with op.batch_alter_table('pendingimport', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                server_default='telegram',
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('pendingimport', schema=None) as batch_op:
        batch_op.drop_column('channel')
