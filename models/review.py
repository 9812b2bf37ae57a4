"""The office's review of reports: accept one, or return it with a comment."""

from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from models.audit import Actor, record_change
from models.errors import DomainError
from models.reports import clean_note
from models.tables import Member, Plan, Report, ReviewDraft

ACCEPTED = "accepted"
RETURNED = "returned"
MAX_COMMENT_LENGTH = 1000
# A review in progress: a card shown, or a return waiting for its comment.
SHOWN = "shown"
COMMENT = "comment"


def _waiting(plan: Plan) -> SelectOfScalar[Report]:
    """Reports not reviewed yet that are their unit's latest version of the task."""
    newest = (
        select(Report.task_id, Report.unit_id, func.max(Report.version).label("version"))
        .where(Report.plan_id == plan.id)
        .group_by(col(Report.task_id), col(Report.unit_id))
        .subquery()
    )
    return (
        select(Report)
        .join(
            newest,
            (col(Report.task_id) == newest.c.task_id)
            & (col(Report.unit_id) == newest.c.unit_id)
            & (col(Report.version) == newest.c.version),
        )
        .where(col(Report.review_status).is_(None))
    )


async def waiting_reports(
    session: AsyncSession, plan: Plan, after_id: int = 0
) -> tuple[int, Report | None]:
    """How many reports wait for review, and the oldest after ``after_id`` (or the oldest)."""
    rows = list(await session.exec(_waiting(plan).order_by(col(Report.id))))
    later = [r for r in rows if (r.id or 0) > after_id]
    shown = later or rows
    return len(rows), shown[0] if shown else None


async def review_report(
    session: AsyncSession,
    report_id: int,
    *,
    reviewer: Member,
    accept: bool,
    comment: str = "",
    now: datetime,
) -> Report:
    """Accept a report, or return it with a comment saying everything that is missing.

    Raises:
        DomainError: ``review_gone`` (reviewed already, superseded by a newer version, or
            not of the reviewer's commune); ``comment_required``; ``comment_too_long``.
    """
    report = await session.get(Report, report_id)
    if report is None or report.commune_id != reviewer.commune_id or report.review_status:
        raise DomainError("review_gone")
    newer = await session.exec(
        select(Report.id).where(
            Report.task_id == report.task_id,
            Report.unit_id == report.unit_id,
            col(Report.version) > report.version,
        )
    )
    if newer.first() is not None:
        raise DomainError("review_gone")
    comment = clean_note(comment)
    if not accept and not comment:
        raise DomainError("comment_required")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise DomainError("comment_too_long")
    report.review_status = ACCEPTED if accept else RETURNED
    report.reviewed_by_id = reviewer.id
    report.reviewed_at = now
    report.review_comment = comment or None
    await session.flush()
    await record_change(
        session, actor=Actor.of(reviewer), action=f"report.{report.review_status}",
        object_type="report", object_id=report.id, at=now, commune_id=report.commune_id,
        before={"review_status": None},
        after={"review_status": report.review_status, "comment": report.review_comment},
    )  # fmt: skip
    return report


async def start_return(
    session: AsyncSession, reviewer: Member, report_id: int, now: datetime
) -> None:
    """Remember that ``reviewer`` is writing the comment to return a report with."""
    await _remember(session, reviewer, report_id, now, COMMENT)


async def show_card(
    session: AsyncSession, reviewer: Member, report_id: int, now: datetime
) -> None:
    """Remember the card ``reviewer`` was just shown, so a typed answer knows its report."""
    await _remember(session, reviewer, report_id, now, SHOWN)


async def _remember(
    session: AsyncSession, reviewer: Member, report_id: int, now: datetime, step: str
) -> None:
    await drop_return(session, reviewer)
    assert reviewer.id is not None
    session.add(
        ReviewDraft(
            commune_id=reviewer.commune_id,
            member_id=reviewer.id,
            report_id=report_id,
            updated_at=now,
            step=step,
        )
    )
    await session.flush()


async def _review_draft(session: AsyncSession, reviewer: Member, step: str) -> ReviewDraft | None:
    statement = select(ReviewDraft).where(
        ReviewDraft.member_id == reviewer.id, ReviewDraft.step == step
    )
    return (await session.exec(statement)).first()


async def pending_return(session: AsyncSession, reviewer: Member) -> ReviewDraft | None:
    """The return the reviewer is writing a comment for, if any."""
    return await _review_draft(session, reviewer, COMMENT)


async def shown_card(session: AsyncSession, reviewer: Member) -> ReviewDraft | None:
    """The review card the reviewer was shown last and has not answered, if any."""
    return await _review_draft(session, reviewer, SHOWN)


async def drop_return(session: AsyncSession, reviewer: Member) -> bool:
    """Forget the review in progress (a card shown, or a return); say whether there was a
    return waiting for its comment.
    """
    statement = select(ReviewDraft).where(ReviewDraft.member_id == reviewer.id)
    draft = (await session.exec(statement)).first()
    if draft is None:
        return False
    await session.delete(draft)
    await session.flush()
    return draft.step == COMMENT
