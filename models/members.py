"""Members and onboarding: creating a member with a one-time invite, redeeming it."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.accounts import TELEGRAM, channel_account, link_account, member_by_account
from models.audit import SYSTEM, Actor, record_change, snapshot
from models.clock import as_utc
from models.errors import DomainError
from models.tables import Commune, Invite, Member, Role, Unit, UnitAlias, UnitKind
from models.textfold import fold
from models.units import UnitCatalogue

INVITE_TTL = timedelta(days=7)
MAX_NAME_LENGTH = 80
# What the audit keeps of a member.
MEMBER_FIELDS = ("name", "role", "unit_id", "muted_until")


@dataclass(frozen=True)
class IssuedInvite:
    """A member and the code that links a Telegram account to it (shown once, never stored)."""

    member: Member
    unit: Unit | None
    code: str
    expires_at: datetime
    # The member existed already (same name, role and unit): this is a fresh invite for them.
    existing: bool = False
    # That member has linked an account already: the new code needs the office's
    # confirmation before it moves the member to another account.
    linked: bool = False


@dataclass(frozen=True)
class Redeemed:
    """What redeeming an invite did: linked the account, or asked the office first."""

    member: Member
    invite: Invite
    # The member was linked to another account: nothing moved, the office must confirm.
    pending: bool = False
    # The chat the member was linked to before on that channel (to tell them).
    previous_chat: str | None = None


def parse_role(text: str) -> Role:
    """Read a role from English or Vietnamese words, with or without diacritics.

    Raises:
        DomainError: ``unknown_role``.
    """
    words = {
        "chairman": Role.CHAIRMAN, "chu tich": Role.CHAIRMAN, "pho chu tich": Role.CHAIRMAN,
        "office": Role.OFFICE, "van phong": Role.OFFICE, "noi vu": Role.OFFICE,
        "officer": Role.OFFICER, "can bo": Role.OFFICER, "cong chuc": Role.OFFICER,
        "hamlet head": Role.HAMLET_HEAD, "truong ap": Role.HAMLET_HEAD,
    }  # fmt: skip
    role = words.get(fold(text))  # "hamlet_head" folds to "hamlet head"
    if role is None:
        raise DomainError("unknown_role", text)
    return role


def hash_code(code: str) -> str:
    """The stored form of an invite code."""
    return hashlib.sha256(code.encode()).hexdigest()


def new_invite_code() -> str:
    """A URL-safe code of 192 random bits: 32 characters, within Telegram's 64 for /start."""
    return secrets.token_urlsafe(24)


async def find_unit(session: AsyncSession, commune: Commune, text: str) -> Unit:
    """The commune's unit or hamlet that ``text`` names, with or without diacritics.

    Raises:
        DomainError: ``unknown_unit``, with the nearest known name as ``detail`` if any.
    """
    assert commune.id is not None
    folded = fold(text)
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    for unit in units:
        if fold(unit.name) == folded:
            return unit
    alias = (
        await session.exec(
            select(UnitAlias).where(UnitAlias.commune_id == commune.id, UnitAlias.folded == folded)
        )
    ).first()
    if alias is not None:
        return next(u for u in units if u.id == alias.unit_id)
    catalogue = UnitCatalogue()
    for unit in units:
        catalogue.add_unit(unit.name)
    raise DomainError("unknown_unit", catalogue.nearest(text) or "")


async def create_member(
    session: AsyncSession,
    commune: Commune,
    *,
    role: Role,
    name: str,
    unit_text: str | None,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
    actor: Actor = SYSTEM,
) -> IssuedInvite:
    """Create a member of ``commune`` and a one-time invite for them.

    The same name, role and unit again gives the existing member a fresh invite instead of
    a second member, and voids the codes issued before. For a member already linked (a new
    phone) the new code moves the member only once the office confirms.

    Raises:
        DomainError: ``bad_name``; ``unknown_unit``; ``unit_required`` (officers need a
            unit, hamlet heads a hamlet); ``hamlet_required``; ``hamlet_not_allowed``.
    """
    assert commune.id is not None
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise DomainError("bad_name", name)
    unit = await find_unit(session, commune, unit_text) if unit_text else None
    if role == Role.OFFICER and unit is None:
        raise DomainError("unit_required")
    if role == Role.HAMLET_HEAD and (unit is None or unit.kind != UnitKind.HAMLET):
        raise DomainError("hamlet_required")
    if role != Role.HAMLET_HEAD and unit is not None and unit.kind == UnitKind.HAMLET:
        raise DomainError("hamlet_not_allowed")
    if role == Role.CHAIRMAN:
        unit = None
    same = [
        m
        for m in await session.exec(
            select(Member).where(Member.commune_id == commune.id, Member.role == role)
        )
        if fold(m.name) == fold(name) and m.unit_id == (unit.id if unit else None)
    ]
    if same:
        # Typing the same invite twice must not make two members; a new link is what was
        # wanted (a lost message, a new phone).
        existing = same[0]
        code, expires_at = await issue_invite(session, existing, now=now, ttl=ttl, actor=actor)
        linked = await _holder(session, existing, TELEGRAM) is not None
        return IssuedInvite(existing, unit, code, expires_at, existing=True, linked=linked)
    member = Member(
        commune_id=commune.id,
        name=name,
        role=role,
        unit_id=unit.id if unit else None,
        created_at=now,
    )
    session.add(member)
    await session.flush()
    await _audit_member(session, actor, "member.create", member, now, None)
    code, expires_at = await issue_invite(session, member, now=now, ttl=ttl, actor=actor)
    return IssuedInvite(member, unit, code, expires_at)


async def _audit_member(
    session: AsyncSession,
    actor: Actor,
    action: str,
    member: Member,
    now: datetime,
    before: dict[str, object] | None,
) -> None:
    await record_change(
        session, actor=actor, action=action, object_type="member", object_id=member.id,
        at=now, commune_id=member.commune_id, before=before,
        after=snapshot(member, MEMBER_FIELDS),
    )  # fmt: skip


async def issue_invite(
    session: AsyncSession,
    member: Member,
    *,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
    actor: Actor = SYSTEM,
) -> tuple[str, datetime]:
    """A fresh one-time code for ``member`` (e.g. when a phone was lost); the member's
    earlier codes not used yet stop working, so there is never more than one live code.
    """
    assert member.id is not None
    # Codes not used yet, and codes used by another account still waiting for the office.
    earlier = await session.exec(
        select(Invite).where(
            Invite.member_id == member.id,
            col(Invite.revoked_at).is_(None),
            col(Invite.used_at).is_(None) | col(Invite.claimant_external_id).is_not(None),
        )
    )
    for old in earlier:
        claimant = old.claimant_external_id
        if claimant is not None and claimant == await _holder(
            session, member, old.claimant_channel
        ):
            continue  # an accepted request: used, nothing to void
        old.revoked_at = now
        await record_change(
            session, actor=actor, action="invite.revoke", object_type="invite",
            object_id=old.id, at=now, commune_id=member.commune_id,
            after={"member_id": member.id, "reason": "replaced"},
        )  # fmt: skip
    code = new_invite_code()
    expires_at = now + ttl
    invite = Invite(
        commune_id=member.commune_id,
        member_id=member.id,
        code_hash=hash_code(code),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(invite)
    await session.flush()
    await record_change(
        session, actor=actor, action="invite.issue", object_type="invite", object_id=invite.id,
        at=now, commune_id=member.commune_id,
        after={"member_id": member.id, "expires_at": expires_at},
    )  # fmt: skip
    return code, expires_at


async def redeem_invite(
    session: AsyncSession,
    code: str,
    *,
    external_id: object,
    chat_id: object,
    now: datetime,
    channel: str = TELEGRAM,
    commune_id: int | None = None,
    account_name: str = "",
) -> Redeemed:
    """Link a chat account (Telegram or Zalo) to the member an invite was made for.

    A member linked to another account on that channel already is not moved: the code is
    kept as a request that the office confirms (:func:`decide_relink`) or refuses.

    Raises:
        DomainError: ``invite_invalid`` (no such code), ``invite_replaced`` (voided by
            a newer code), ``invite_expired``, ``invite_used``, ``account_linked`` (this
            account is already another member; detail is the name), ``already_linked``
            (this code was used by this same account; detail is the name),
            ``relink_pending`` (this account asked already and waits for the office).
    """
    person = str(external_id)
    if not code or len(code) > 64:
        raise DomainError("invite_invalid")
    invite = (
        await session.exec(select(Invite).where(Invite.code_hash == hash_code(code)))
    ).first()
    if invite is None or (commune_id is not None and invite.commune_id != commune_id):
        # A code of another commune (one database can hold many) is no code here.
        raise DomainError("invite_invalid")
    member = await session.get(Member, invite.member_id)
    assert member is not None
    account = await channel_account(session, member, channel)
    holder = account.external_id if account is not None else None
    if invite.used_at is not None:
        if holder == person:
            # People tap the link in their chat history again: they are already in.
            raise DomainError("already_linked", member.name)
        claimed = (invite.claimant_channel, invite.claimant_external_id) == (channel, person)
        if claimed and invite.revoked_at is None:
            raise DomainError("relink_pending", member.name)
        raise DomainError("invite_used")
    if invite.revoked_at is not None:
        raise DomainError("invite_replaced")
    if as_utc(invite.expires_at) <= now:
        raise DomainError("invite_expired")
    linked = await member_by_account(session, channel, person)
    if linked is not None and linked.id != member.id:
        raise DomainError("account_linked", linked.name)
    invite.used_at = now
    if holder is not None and holder != person:
        # Someone else holds this member: a new phone, or someone who got hold of the code.
        # Only the office can tell; until then nothing moves.
        invite.claimant_channel, invite.claimant_external_id = channel, person
        invite.claimant_chat = str(chat_id)
        invite.claimant_name = account_name[:80] or None
        invite.claimed_at = now
        await session.flush()
        await record_change(
            session, actor=Actor(channel, None, account_name[:80]),
            action="member.relink_request", object_type="member", object_id=member.id,
            at=now, commune_id=member.commune_id,
            after={"invite_id": invite.id, "channel": channel, "account": person},
        )  # fmt: skip
        previous = account.chat_id if account is not None else None
        return Redeemed(member, invite, pending=True, previous_chat=previous)
    await link_account(session, member, channel, person, chat_id, now)
    await record_change(
        session, actor=Actor.of(member), action="member.link", object_type="member",
        object_id=member.id, at=now, commune_id=member.commune_id,
        after={"channel": channel, "account": person},
    )  # fmt: skip
    return Redeemed(member, invite)


async def _holder(session: AsyncSession, member: Member, channel: str | None) -> str | None:
    """Who holds ``member`` on ``channel`` (their external id), if anyone."""
    account = await channel_account(session, member, channel or TELEGRAM)
    return account.external_id if account is not None else None


async def pending_relinks(session: AsyncSession, commune_id: int) -> list[tuple[Invite, Member]]:
    """Codes redeemed by another account for a linked member, waiting for the office."""
    rows = await session.exec(
        select(Invite, Member)
        .join(Member, col(Member.id) == col(Invite.member_id))
        .where(
            Invite.commune_id == commune_id,
            col(Invite.claimant_external_id).is_not(None),
            col(Invite.revoked_at).is_(None),
        )
        .order_by(col(Invite.id))
    )
    found = []
    for invite, member in rows:
        if await _holder(session, member, invite.claimant_channel) != invite.claimant_external_id:
            found.append((invite, member))
    return found


async def decide_relink(
    session: AsyncSession,
    invite_id: int,
    *,
    commune_id: int,
    actor: Actor,
    accept: bool,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
) -> Redeemed:
    """The office (in chat, or on the command line) moves a member to the account that
    redeemed a new code, or refuses.

    A request is void once decided, once a newer code was issued for the member, once
    another request for the member was accepted, and after ``ttl``.

    Returns the member with ``previous_chat`` set to the chat that held it before.

    Raises:
        DomainError: ``relink_gone`` (no such request in the commune, or void);
            ``account_linked`` (the new account became another member meanwhile).
    """
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.commune_id != commune_id:
        raise DomainError("relink_gone")
    member = await session.get(Member, invite.member_id)
    assert member is not None
    claimant, channel = invite.claimant_external_id, invite.claimant_channel or TELEGRAM
    account = await channel_account(session, member, channel)
    holder = account.external_id if account is not None else None
    if claimant is None or invite.revoked_at is not None or holder == claimant:
        raise DomainError("relink_gone")
    if invite.claimed_at is None or as_utc(invite.claimed_at) <= now - ttl:
        raise DomainError("relink_gone")
    previous_chat = account.chat_id if account is not None else None
    before = {"channel": channel, "account": holder}
    if not accept:
        invite.revoked_at = now
        await record_change(
            session, actor=actor, action="member.relink_refuse",
            object_type="member", object_id=member.id, at=now, commune_id=member.commune_id,
            before=before, after={"invite_id": invite.id, "account": claimant},
        )  # fmt: skip
        return Redeemed(member, invite, pending=True, previous_chat=previous_chat)
    other = await member_by_account(session, channel, claimant)
    if other is not None and other.id != member.id:
        raise DomainError("account_linked", other.name)
    await link_account(session, member, channel, claimant, invite.claimant_chat or claimant, now)
    # Any other request for this member is void: a mis-tap weeks later must not move it.
    for other_claim in await session.exec(
        select(Invite).where(
            Invite.member_id == member.id,
            col(Invite.id) != invite.id,
            col(Invite.revoked_at).is_(None),
            col(Invite.claimant_external_id).is_not(None),
        )
    ):
        other_claim.revoked_at = now
    await session.flush()
    await record_change(
        session, actor=actor, action="member.relink", object_type="member",
        object_id=member.id, at=now, commune_id=member.commune_id, before=before,
        after={"channel": channel, "account": claimant},
    )  # fmt: skip
    return Redeemed(member, invite, previous_chat=previous_chat)


async def list_members(
    session: AsyncSession, commune: Commune
) -> list[tuple[Member, Unit | None]]:
    """The commune's members with their unit, by role then name."""
    rows = await session.exec(
        select(Member, Unit)
        .join(Unit, col(Member.unit_id) == col(Unit.id), isouter=True)
        .where(Member.commune_id == commune.id)
        .order_by(col(Member.role), col(Member.name))
    )
    return [(member, unit) for member, unit in rows]


async def unit_names(session: AsyncSession, commune: Commune) -> list[str]:
    """The names of the commune's units, then its hamlets, in the order they were added
    (the plan's order: "Ấp 10" after "Ấp 9").
    """
    rows = await session.exec(
        select(Unit)
        .where(Unit.commune_id == commune.id)
        .order_by(col(Unit.kind) == UnitKind.HAMLET, col(Unit.id))
    )
    return [unit.name for unit in rows]
