"""A report half-entered, kept in the database so that a restart loses nothing."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Member, ReportDraft


class Step(StrEnum):
    """Where a report conversation stands: what the bot is waiting for."""

    TASK = "task"
    STATUS = "status"
    PERCENT = "percent"
    NOTE = "note"
    EVIDENCE = "evidence"
    CONFIRM = "confirm"


async def get_draft(session: AsyncSession, member: Member) -> ReportDraft | None:
    """The member's report in progress, if any."""
    statement = select(ReportDraft).where(ReportDraft.member_id == member.id)
    return (await session.exec(statement)).first()


async def start_draft(session: AsyncSession, member: Member, now: datetime) -> ReportDraft:
    """Begin a new report, replacing any left half-done."""
    await discard_draft(session, member)
    assert member.id is not None
    draft = ReportDraft(
        commune_id=member.commune_id, member_id=member.id, step=Step.TASK, updated_at=now
    )
    session.add(draft)
    await session.flush()
    return draft


async def claim_draft(session: AsyncSession, draft: ReportDraft) -> bool:
    """Take a draft for saving: delete it, and say whether this session was the one that did.

    Two instances handling the same "save" at once both read the draft; only one deletes it
    (the other's DELETE waits for the row lock, then finds nothing), so only one saves.
    """
    statement = delete(ReportDraft).where(ReportDraft.id == draft.id)  # type: ignore[arg-type]
    result = await session.exec(statement)
    return bool(result.rowcount)


async def discard_draft(session: AsyncSession, member: Member) -> bool:
    """Drop the member's report in progress; say whether there was one."""
    result = await session.exec(
        delete(ReportDraft).where(ReportDraft.member_id == member.id)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)
