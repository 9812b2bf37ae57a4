"""Whom the office reports for with /baothay: a unit or hamlet (most have nobody on the bot:
their head phones the office), or a member, found by name with or without diacritics.

A report entered for a unit with nobody on the bot is the office member's, for that unit
(:func:`models.reports.unit_stand_in`); one entered for a member is that member's, typed
by the office. The report draft keeps whom it is for, so the flow survives a restart.
"""

from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.texts import esc
from handlers.answers import parse_row_id
from models.chat import Menu, Option, menu
from models.reports import REPORTING_ROLES, unit_stand_in
from models.tables import Member, ReportDraft, Role, Unit
from models.textfold import fold

PROXY_PREFIX = "rv:px:"
MAX_CHOICES = 8


@dataclass(frozen=True)
class ProxyTarget:
    """Whom a report phoned in is for: a unit, and its member on the bot if it has one."""

    unit: Unit
    member: Member | None = None

    @property
    def reporter(self) -> Member:
        """Whose scope applies: the member, or the unit's stand-in."""
        return self.member if self.member is not None else unit_stand_in(self.unit)

    @property
    def label(self) -> str:
        """The target as an option's label (plain text)."""
        return f"{self.unit.name} ({self.member.name})" if self.member else self.unit.name

    @property
    def action(self) -> str:
        """The option's action that chooses this target."""
        return f"{PROXY_PREFIX}{self.unit.id}:{self.member.id if self.member else 0}"

    def header(self) -> str:
        """The line that says whose report is being entered."""
        if self.member is None:
            return texts.PROXY_HEADER_UNIT.format(unit=esc(self.unit.name))
        return texts.PROXY_HEADER.format(name=esc(self.member.name), unit=esc(self.unit.name))

    def mark(self, draft: ReportDraft) -> None:
        """Keep the target in the draft, for the next steps."""
        draft.on_behalf_of_id = self.member.id if self.member else None
        draft.on_behalf_of_unit_id = self.unit.id


async def draft_target(session: AsyncSession, draft: ReportDraft) -> ProxyTarget | None:
    """Whom the draft is for; None when the member reports for themself."""
    member = await session.get(Member, draft.on_behalf_of_id) if draft.on_behalf_of_id else None
    # Drafts begun before units could be chosen name the member only.
    unit_id = draft.on_behalf_of_unit_id or (member.unit_id if member else None)
    if unit_id is None:
        return None
    unit = await session.get(Unit, unit_id)
    assert unit is not None and unit.commune_id == draft.commune_id
    return ProxyTarget(unit, member)


async def proxy_header(session: AsyncSession, draft: ReportDraft) -> str:
    """The "whose report" line of a proxy draft; empty for a member's own report."""
    target = await draft_target(session, draft)
    return target.header() if target is not None else ""


@dataclass(frozen=True)
class Lookup:
    """What a /baothay name found: the targets, or a member who does not report."""

    targets: list[ProxyTarget] = field(default_factory=list)
    not_reporter: Member | None = None
    units: list[Unit] = field(default_factory=list)


async def find_targets(session: AsyncSession, commune_id: int, text: str) -> Lookup:
    """The units, hamlets and members whose name matches ``text`` (diacritics optional):
    exact names first, else names that contain it.
    """
    wanted = fold(text)
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune_id)))
    members = list(await session.exec(select(Member).where(Member.commune_id == commune_id)))
    by_id = {unit.id: unit for unit in units}

    def hits(exact: bool) -> tuple[list[Unit], list[Member]]:
        def matches(name: str) -> bool:
            return fold(name) == wanted if exact else wanted in fold(name)

        return [u for u in units if matches(u.name)], [m for m in members if matches(m.name)]

    found_units, found_members = hits(exact=True)
    if not found_units and not found_members:
        found_units, found_members = hits(exact=False)
    targets: list[ProxyTarget] = []
    for unit in found_units:
        people = [m for m in members if m.unit_id == unit.id and _reports(m)]
        targets += [ProxyTarget(unit, m) for m in people] or [ProxyTarget(unit)]
    reporters = [m for m in found_members if _reports(m)]
    for member in reporters:
        target = ProxyTarget(by_id[member.unit_id], member)
        if all(t.action != target.action for t in targets):
            targets.append(target)
    if not targets and found_members:
        return Lookup(not_reporter=found_members[0], units=units)
    return Lookup(targets=targets, units=units)


def _reports(member: Member) -> bool:
    return member.role in REPORTING_ROLES and member.role != Role.OFFICE and bool(member.unit_id)


def choices_menu(targets: list[ProxyTarget]) -> Menu:
    """The targets to choose from, one per row: tapped, or typed by number or name."""
    rows = [[Option(t.label, t.action, (fold(t.label),))] for t in targets[:MAX_CHOICES]]
    return menu(rows)


async def chosen_target(session: AsyncSession, commune_id: int, value: str) -> ProxyTarget | None:
    """The target of a chosen option's value ``unit:member``; None if it is not (any
    more) one of this commune's units and its members.
    """
    unit_part, _, member_part = value.partition(":")
    unit_id, member_id = parse_row_id(unit_part), parse_row_id(member_part)
    if unit_id is None or member_id is None:
        return None
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.commune_id != commune_id:
        return None
    if member_id == 0:
        return ProxyTarget(unit)
    member = await session.get(Member, member_id)
    if member is None or member.unit_id != unit.id or not _reports(member):
        return None
    return ProxyTarget(unit, member)
