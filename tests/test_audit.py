"""The audit log: a hash chain that notices an entry edited, inserted or deleted by hand."""

from datetime import UTC, datetime

from sqlmodel import text
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import CLI, Actor, entry_hash, record_change, verify_chain
from models.tables import AuditEntry, Commune

AT = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


async def _three_entries(session: AsyncSession, commune: Commune) -> None:
    actor = Actor("member", 7, "Trần Thị Bình")
    for number in range(1, 4):
        await record_change(
            session,
            actor=actor if number != 2 else CLI,
            action="member.create",
            object_type="member",
            object_id=number,
            at=AT,
            commune_id=commune.id,
            after={"name": f"Người {number}", "role": "officer"},
        )


async def test_an_untouched_chain_verifies(session: AsyncSession, commune: Commune) -> None:
    await _three_entries(session, commune)
    check = await verify_chain(session)
    assert check.ok and check.entries == 3


async def test_an_entry_edited_with_sql_is_found(session: AsyncSession, commune: Commune) -> None:
    await _three_entries(session, commune)
    await session.exec(  # type: ignore[call-overload]
        text('UPDATE auditentry SET after = \'{"name": "Kẻ gian"}\' WHERE seq = 2')
    )
    check = await verify_chain(session)
    assert check.problem is not None
    assert (check.problem.seq, check.problem.kind) == (2, "edited")


async def test_an_entry_deleted_with_sql_is_found(session: AsyncSession, commune: Commune) -> None:
    await _three_entries(session, commune)
    await session.exec(text("DELETE FROM auditentry WHERE seq = 2"))  # type: ignore[call-overload]
    check = await verify_chain(session)
    assert check.problem is not None
    assert (check.problem.seq, check.problem.kind) == (2, "deleted")


async def test_the_last_entry_deleted_leaves_a_shorter_valid_chain(
    session: AsyncSession, commune: Commune
) -> None:
    # Deleting the tail cannot be told from the inside: the count is the check.
    await _three_entries(session, commune)
    await session.exec(text("DELETE FROM auditentry WHERE seq = 3"))  # type: ignore[call-overload]
    check = await verify_chain(session)
    assert check.ok and check.entries == 2


async def test_an_entry_inserted_with_sql_is_found(
    session: AsyncSession, commune: Commune
) -> None:
    await _three_entries(session, commune)
    # Make room at 2 by moving 2 and 3 up, and put a forged entry there, linked to entry 1
    # with a valid hash of its own: the entry after it does not name it as its predecessor.
    await session.exec(text("UPDATE auditentry SET seq = seq + 10 WHERE seq >= 2"))  # type: ignore[call-overload]
    await session.exec(text("UPDATE auditentry SET seq = seq - 9 WHERE seq >= 12"))  # type: ignore[call-overload]
    first = (await session.exec(text("SELECT hash FROM auditentry WHERE seq = 1"))).one()  # type: ignore[call-overload]
    forged = AuditEntry(
        seq=2,
        commune_id=commune.id,
        at=AT,
        actor="cli",
        actor_name="",
        action="member.create",
        object_type="member",
        object_id="99",
        before=None,
        after="{}",
        prev_hash=first[0],
        hash="",
    )
    forged.hash = entry_hash(forged)
    session.add(forged)
    await session.flush()
    check = await verify_chain(session)
    assert check.problem is not None
    assert (check.problem.seq, check.problem.kind) == (2, "inserted")
