"""Members and invites."""

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import Actor, verify_chain
from models.errors import DomainError
from models.members import create_member, decide_relink, parse_role, redeem_invite
from models.tables import AuditEntry, Commune, Invite, Member, Role
from tests.helpers import DEFAULT_NOW, telegram_id

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

    member = (await redeem_invite(session, first.code, external_id=11, chat_id=11, now=NOW)).member
    assert member.id == first.member.id and await telegram_id(session, member) == 11
    with pytest.raises(DomainError) as used:
        await redeem_invite(session, first.code, external_id=12, chat_id=12, now=NOW)
    assert used.value.reason == "invite_used"


async def test_expired_and_unknown_codes_are_refused(
    session: AsyncSession, commune: Commune
) -> None:
    issued = await create_member(
        session, commune, role=Role.CHAIRMAN, name="An", unit_text=None, now=NOW
    )
    later = NOW + timedelta(days=7, seconds=1)
    with pytest.raises(DomainError) as expired:
        await redeem_invite(session, issued.code, external_id=1, chat_id=1, now=later)
    assert expired.value.reason == "invite_expired"
    with pytest.raises(DomainError) as unknown:
        await redeem_invite(session, "x" * 32, external_id=1, chat_id=1, now=NOW)
    assert unknown.value.reason == "invite_invalid"


async def test_one_account_cannot_be_two_members(session: AsyncSession, commune: Commune) -> None:
    a = await create_member(
        session, commune, role=Role.CHAIRMAN, name="A", unit_text=None, now=NOW
    )
    b = await create_member(session, commune, role=Role.OFFICE, name="B", unit_text=None, now=NOW)
    await redeem_invite(session, a.code, external_id=5, chat_id=5, now=NOW)
    with pytest.raises(DomainError) as linked:
        await redeem_invite(session, b.code, external_id=5, chat_id=5, now=NOW)
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


async def test_a_new_invite_voids_the_earlier_code(
    session: AsyncSession, commune: Commune
) -> None:
    first = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    second = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    assert second.existing and second.member.id == first.member.id
    live = [i for i in await session.exec(select(Invite)) if i.revoked_at is None]
    assert len(live) == 1
    with pytest.raises(DomainError) as old:
        await redeem_invite(session, first.code, external_id=21, chat_id=21, now=NOW)
    assert old.value.reason == "invite_replaced"
    redeemed = await redeem_invite(session, second.code, external_id=21, chat_id=21, now=NOW)
    assert not redeemed.pending and await telegram_id(session, redeemed.member) == 21


async def test_a_code_for_a_linked_member_waits_for_the_office(
    session: AsyncSession, commune: Commune
) -> None:
    office = await create_member(
        session, commune, role=Role.OFFICE, name="Bình", unit_text=None, now=NOW
    )
    await redeem_invite(session, office.code, external_id=1, chat_id=1, now=NOW)
    first = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    await redeem_invite(session, first.code, external_id=21, chat_id=21, now=NOW)
    again = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    assert again.linked

    claim = await redeem_invite(session, again.code, external_id=22, chat_id=22, now=NOW)
    assert claim.pending and claim.previous_chat == "21"
    member = await session.get(Member, first.member.id)
    assert member is not None and await telegram_id(session, member) == 21  # nothing moved
    with pytest.raises(DomainError) as waiting:
        await redeem_invite(session, again.code, external_id=22, chat_id=22, now=NOW)
    assert waiting.value.reason == "relink_pending"

    moved = await decide_relink(
        session,
        claim.invite.id or 0,
        commune_id=commune.id or 0,
        actor=Actor.of(office.member),
        accept=True,
        now=NOW,
    )
    assert await telegram_id(session, moved.member) == 22 and moved.previous_chat == "21"
    with pytest.raises(DomainError) as twice:
        await decide_relink(
            session,
            claim.invite.id or 0,
            commune_id=commune.id or 0,
            actor=Actor.of(office.member),
            accept=True,
            now=NOW,
        )
    assert twice.value.reason == "relink_gone"
    actions = [e.action for e in await session.exec(select(AuditEntry))]
    assert "member.relink_request" in actions and "member.relink" in actions
    assert (await verify_chain(session)).ok


async def test_the_office_can_refuse_a_relink(session: AsyncSession, commune: Commune) -> None:
    office = await create_member(
        session, commune, role=Role.OFFICE, name="Bình", unit_text=None, now=NOW
    )
    first = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    await redeem_invite(session, first.code, external_id=21, chat_id=21, now=NOW)
    again = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    claim = await redeem_invite(session, again.code, external_id=22, chat_id=22, now=NOW)
    await decide_relink(
        session,
        claim.invite.id or 0,
        commune_id=commune.id or 0,
        actor=Actor.of(office.member),
        accept=False,
        now=NOW,
    )
    member = await session.get(Member, first.member.id)
    assert member is not None and await telegram_id(session, member) == 21
    with pytest.raises(DomainError) as used:
        await redeem_invite(session, again.code, external_id=22, chat_id=22, now=NOW)
    assert used.value.reason == "invite_used"


async def test_accepting_one_request_voids_the_others_and_old_requests_expire(
    session: AsyncSession, commune: Commune
) -> None:
    office = await create_member(
        session, commune, role=Role.OFFICE, name="Bình", unit_text=None, now=NOW
    )
    first = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    await redeem_invite(session, first.code, external_id=21, chat_id=21, now=NOW)
    intruder_code = (
        await create_member(
            session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
        )
    ).code
    intruder = await redeem_invite(session, intruder_code, external_id=66, chat_id=66, now=NOW)
    # A newer code voids the request waiting on the older one.
    real_code = (
        await create_member(
            session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
        )
    ).code
    real = await redeem_invite(session, real_code, external_id=22, chat_id=22, now=NOW)
    actor = Actor.of(office.member)
    with pytest.raises(DomainError) as void:
        await decide_relink(
            session, intruder.invite.id or 0, commune_id=commune.id or 0, actor=actor,
            accept=True, now=NOW,
        )  # fmt: skip
    assert void.value.reason == "relink_gone"
    # A request left for longer than an invite lives is gone too.
    with pytest.raises(DomainError) as old:
        await decide_relink(
            session, real.invite.id or 0, commune_id=commune.id or 0, actor=actor,
            accept=True, now=NOW + timedelta(days=8),
        )  # fmt: skip
    assert old.value.reason == "relink_gone"
    moved = await decide_relink(
        session, real.invite.id or 0, commune_id=commune.id or 0, actor=actor,
        accept=True, now=NOW,
    )  # fmt: skip
    assert await telegram_id(session, moved.member) == 22


async def test_another_communes_office_cannot_decide(
    session: AsyncSession, commune: Commune
) -> None:
    first = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    await redeem_invite(session, first.code, external_id=21, chat_id=21, now=NOW)
    again = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Sáu", unit_text="Ấp 6", now=NOW
    )
    claim = await redeem_invite(session, again.code, external_id=22, chat_id=22, now=NOW)
    with pytest.raises(DomainError) as foreign:
        await decide_relink(
            session, claim.invite.id or 0, commune_id=(commune.id or 0) + 1,
            actor=Actor("member", 999, "Người xã khác"), accept=True, now=NOW,
        )  # fmt: skip
    assert foreign.value.reason == "relink_gone"
