"""Members and onboarding: creating a member with a one-time invite, redeeming it."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import as_utc
from models.errors import DomainError
from models.tables import Commune, Invite, Member, Role, Unit, UnitAlias, UnitKind
from models.textfold import fold
from models.units import UnitCatalogue

INVITE_TTL = timedelta(days=7)
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class IssuedInvite:
    """A member and the code that links a Telegram account to it (shown once, never stored)."""

    member: Member
    unit: Unit | None
    code: str
    expires_at: datetime
    # The member existed already (same name, role and unit): this is a fresh invite for them.
    existing: bool = False


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
) -> IssuedInvite:
    """Create a member of ``commune`` and a one-time invite for them.

    The same name, role and unit again gives the existing member a fresh invite instead of
    a second member.

    Raises:
        DomainError: ``bad_name``; ``unknown_unit``; ``unit_required`` (officers need a
            unit, hamlet heads a hamlet); ``hamlet_required``; ``hamlet_not_allowed``;
            ``member_linked`` (that member exists and has linked an account already).
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
        # wanted (a lost message, a new phone) as long as nobody is linked yet.
        if same[0].telegram_user_id is not None:
            raise DomainError("member_linked", same[0].name)
        code, expires_at = await issue_invite(session, same[0], now=now, ttl=ttl)
        return IssuedInvite(same[0], unit, code, expires_at, existing=True)
    member = Member(
        commune_id=commune.id,
        name=name,
        role=role,
        unit_id=unit.id if unit else None,
        created_at=now,
    )
    session.add(member)
    await session.flush()
    code, expires_at = await issue_invite(session, member, now=now, ttl=ttl)
    return IssuedInvite(member, unit, code, expires_at)


async def issue_invite(
    session: AsyncSession, member: Member, *, now: datetime, ttl: timedelta = INVITE_TTL
) -> tuple[str, datetime]:
    """A fresh one-time code for ``member`` (e.g. when a phone was lost)."""
    assert member.id is not None
    code = new_invite_code()
    expires_at = now + ttl
    session.add(
        Invite(
            commune_id=member.commune_id,
            member_id=member.id,
            code_hash=hash_code(code),
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return code, expires_at


async def redeem_invite(
    session: AsyncSession,
    code: str,
    *,
    telegram_user_id: int,
    chat_id: int,
    now: datetime,
    commune_id: int | None = None,
) -> Member:
    """Link a Telegram account to the member an invite was made for.

    Raises:
        DomainError: ``invite_invalid`` (no such code), ``invite_expired``, ``invite_used``,
            ``account_linked`` (this account is already another member; detail is the name),
            ``already_linked`` (this code was used by this same account; detail is the name).
    """
    if not code or len(code) > 64:
        raise DomainError("invite_invalid")
    invite = (
        await session.exec(select(Invite).where(Invite.code_hash == hash_code(code)))
    ).first()
    if invite is None or (commune_id is not None and invite.commune_id != commune_id):
        # A code of another commune (one database can hold many) is no code here.
        raise DomainError("invite_invalid")
    if invite.used_at is not None:
        owner = await session.get(Member, invite.member_id)
        if owner is not None and owner.telegram_user_id == telegram_user_id:
            # People tap the link in their chat history again: they are already in.
            raise DomainError("already_linked", owner.name)
        raise DomainError("invite_used")
    if as_utc(invite.expires_at) <= now:
        raise DomainError("invite_expired")
    linked = await member_by_telegram_id(session, telegram_user_id)
    member = await session.get(Member, invite.member_id)
    assert member is not None
    if linked is not None and linked.id != member.id:
        raise DomainError("account_linked", linked.name)
    invite.used_at = now
    member.telegram_user_id = telegram_user_id
    member.chat_id = chat_id
    member.linked_at = now
    await session.flush()
    return member


async def member_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Member | None:
    """The member linked to a Telegram account, if any."""
    statement = select(Member).where(Member.telegram_user_id == telegram_user_id)
    return (await session.exec(statement)).first()


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
