"""Several evidence items on one report: a draft's list (kept as JSON while the report is
entered) and the report's rows once saved.
"""

import json
from dataclasses import asdict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.reports import Evidence
from models.tables import Report, ReportDraft, ReportEvidence

# Items per report: a Telegram album holds at most ten.
MAX_EVIDENCE = 10


def first_item(row: ReportDraft | Report) -> Evidence | None:
    """The first item, kept in the draft's or report's own evidence columns, if any."""
    if not row.evidence_kind:
        return None
    return Evidence(
        kind=row.evidence_kind,
        file_id=row.evidence_file_id,
        path=row.evidence_path,
        sha256=row.evidence_sha256,
        text=row.evidence_text,
    )


def draft_items(draft: ReportDraft) -> list[Evidence]:
    """Every item on the draft, first one first."""
    first = first_item(draft)
    if first is None:
        return []
    more = json.loads(draft.evidence_more) if draft.evidence_more else []
    return [first, *(Evidence(**item) for item in more)]


def set_first(draft: ReportDraft, evidence: Evidence | None) -> None:
    """Make ``evidence`` the draft's only item (None: no evidence)."""
    evidence = evidence or Evidence(kind="")
    draft.evidence_kind = evidence.kind or None
    draft.evidence_file_id = evidence.file_id
    draft.evidence_path = evidence.path
    draft.evidence_sha256 = evidence.sha256
    draft.evidence_text = evidence.text
    draft.evidence_more = None


def add_item(draft: ReportDraft, evidence: Evidence) -> bool:
    """Add ``evidence`` after the draft's items; False when it holds :data:`MAX_EVIDENCE`."""
    items = draft_items(draft)
    if not items:
        set_first(draft, evidence)
        return True
    if len(items) >= MAX_EVIDENCE:
        return False
    draft.evidence_more = json.dumps([asdict(item) for item in [*items[1:], evidence]])
    return True


async def report_items(session: AsyncSession, report_id: int) -> list[ReportEvidence]:
    """A saved report's items, in the order sent."""
    statement = (
        select(ReportEvidence)
        .where(ReportEvidence.report_id == report_id)
        .order_by(col(ReportEvidence.position))
    )
    return list(await session.exec(statement))


async def saved_items(session: AsyncSession, report: Report) -> list[Evidence]:
    """A saved report's evidence, every item in order (a report saved before several were
    allowed has its one item in its own columns only).
    """
    rows = await report_items(session, report.id or 0)
    if rows:
        return [Evidence(r.kind, r.file_id, r.path, r.sha256, r.text) for r in rows]
    first = first_item(report)
    return [first] if first else []
