"""several evidence items per report (an album, a second photo)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reportevidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["commune.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reportevidence_commune_id", "reportevidence", ["commune_id"])
    op.create_index("ix_reportevidence_report_id", "reportevidence", ["report_id"])
    # The reports saved so far keep their one item here too: one place lists them all.
    op.execute(
        "INSERT INTO reportevidence (commune_id, report_id, position, kind, file_id, path, "
        "sha256, text) SELECT commune_id, id, 1, evidence_kind, evidence_file_id, "
        "evidence_path, evidence_sha256, evidence_text FROM report "
        "WHERE evidence_kind IS NOT NULL"
    )
    with op.batch_alter_table("reportdraft") as batch:
        batch.add_column(sa.Column("evidence_more", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("evidence_album", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("reportdraft") as batch:
        batch.drop_column("evidence_album")
        batch.drop_column("evidence_more")
    op.drop_index("ix_reportevidence_report_id", table_name="reportevidence")
    op.drop_index("ix_reportevidence_commune_id", table_name="reportevidence")
    op.drop_table("reportevidence")
