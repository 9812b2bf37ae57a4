"""Members and invites."""

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.errors import DomainError
from models.members import create_member, parse_role, redeem_invite
from models.tables import Commune, Invite, Role
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW


async def test_invite_codes_are_long_random_hashed_and_single_use(
    session: AsyncSession, commune: Commune
) -> None:
    first = await create_member(
        session, commune, role=Role.OFFICER, name="Lê Văn Cường", unit_text="tram y te", now=NOW
    )
    second = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="B", unit_text="Ấp 2", now=NOW
    )
    assert first.code != second.code
    assert 22 <= len(first.code) <= 64  # >= 128 bits, within Telegram's start parameter
    assert all(ch.isalnum() or ch in "-_" for ch in first.code)
    stored = [invite.code_hash for invite in await session.exec(select(Invite))]
    assert first.code not in stored and len(stored) == 2

    member = await redeem_invite(session, first.code, telegram_user_id=11, chat_id=11, now=NOW)
    assert member.id == first.member.id and member.telegram_user_id == 11
    with pytest.raises(DomainError) as used:
        await redeem_invite(session, first.code, telegram_user_id=12, chat_id=12, now=NOW)
    assert used.value.reason == "invite_used"


async def test_expired_and_unknown_codes_are_refused(
    session: AsyncSession, commune: Commune
) -> None:
    issued = await create_member(
        session, commune, role=Role.CHAIRMAN, name="An", unit_text=None, now=NOW
    )
    later = NOW + timedelta(days=7, seconds=1)
    with pytest.raises(DomainError) as expired:
        await redeem_invite(session, issued.code, telegram_user_id=1, chat_id=1, now=later)
    assert expired.value.reason == "invite_expired"
    with pytest.raises(DomainError) as unknown:
        await redeem_invite(session, "x" * 32, telegram_user_id=1, chat_id=1, now=NOW)
    assert unknown.value.reason == "invite_invalid"


async def test_one_account_cannot_be_two_members(session: AsyncSession, commune: Commune) -> None:
    a = await create_member(
        session, commune, role=Role.CHAIRMAN, name="A", unit_text=None, now=NOW
    )
    b = await create_member(session, commune, role=Role.OFFICE, name="B", unit_text=None, now=NOW)
    await redeem_invite(session, a.code, telegram_user_id=5, chat_id=5, now=NOW)
    with pytest.raises(DomainError) as linked:
        await redeem_invite(session, b.code, telegram_user_id=5, chat_id=5, now=NOW)
    assert linked.value.reason == "account_linked" and linked.value.detail == "A"


@pytest.mark.parametrize(
    ("role", "unit", "reason"),
    [
        (Role.OFFICER, None, "unit_required"),
        (Role.HAMLET_HEAD, None, "hamlet_required"),
        (Role.HAMLET_HEAD, "Trạm Y tế xã", "hamlet_required"),
        (Role.OFFICER, "Ấp 3", "hamlet_not_allowed"),
        (Role.OFFICER, "Trạm Xá", "unknown_unit"),
    ],
)
async def test_roles_need_the_right_unit(
    session: AsyncSession, commune: Commune, role: Role, unit: str | None, reason: str
) -> None:
    with pytest.raises(DomainError) as error:
        await create_member(session, commune, role=role, name="X", unit_text=unit, now=NOW)
    assert error.value.reason == reason


async def test_unknown_unit_suggests_the_nearest(session: AsyncSession, commune: Commune) -> None:
    with pytest.raises(DomainError) as error:
        await create_member(
            session, commune, role=Role.OFFICER, name="X", unit_text="Tram y te xa xa", now=NOW
        )
    assert error.value.detail == "Trạm Y tế xã"


def test_roles_read_in_english_or_vietnamese() -> None:
    assert parse_role("hamlet_head") == Role.HAMLET_HEAD
    assert parse_role("Trưởng ấp") == Role.HAMLET_HEAD
    assert parse_role("can bo") == Role.OFFICER
    with pytest.raises(DomainError):
        parse_role("admin")
