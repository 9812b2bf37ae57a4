"""The office's care of the commune's units after an import: list them, rename one, give one
another name (an alias a plan file may use), merge one into another. Shared by the chat
command /donvi and the command line (``hamlet-bot unit …``). Every change is audited.

Renaming keeps the unit's key (and so its members, tasks and reports) and keeps the old name
as another spelling, so a plan file that still uses it names the same unit. Merging moves
everything of one unit to another (members, task links, reports, half-entered reports on its
behalf, its other spellings) and keeps its name as another spelling of the unit it joined.

A merge is refused when both units reported on the same task: their reports are two
histories of one task (each a sequence of versions, the latest counting), and putting them
under one unit would either break the one-version-per-number rule of
:class:`~models.tables.Report` or renumber reports that people have already seen. The office
decides which unit's account stands (or keeps both units).

Hamlets listed in the settings (``[commune] hamlets``) are named there: the bot renames them
from the settings on each start, so they are not renamed or merged away here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import Actor, record_change
from models.errors import DomainError
from models.members import find_unit
from models.tables import (
    Commune,
    Member,
    Report,
    ReportDraft,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitAlias,
    UnitKind,
)
from models.textfold import fold
from models.unit_sync import hamlet_number

MAX_UNIT_NAME = 120


@dataclass(frozen=True)
class UnitRow:
    """A unit as the list shows it."""

    name: str
    kind: str
    members: int
    aliases: int


@dataclass(frozen=True)
class Merged:
    """What a merge moved."""

    source: str
    target: str
    members: int
    reports: int
    tasks: int


async def list_units(session: AsyncSession, commune: Commune) -> list[UnitRow]:
    """The commune's units, then its hamlets, each in its order."""
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    members = await _counts(session, Member.unit_id, Member.commune_id == commune.id)
    aliases = await _counts(session, UnitAlias.unit_id, UnitAlias.commune_id == commune.id)
    units.sort(key=lambda u: (u.kind != UnitKind.UNIT, u.position, u.name))
    return [
        UnitRow(u.name, u.kind, members.get(u.id or 0, 0), aliases.get(u.id or 0, 0))
        for u in units
    ]


async def rename_unit(
    session: AsyncSession,
    commune: Commune,
    old: str,
    new: str,
    *,
    actor: Actor,
    now: datetime,
    fixed_hamlets: int = 0,
) -> Unit:
    """Rename the unit ``old`` names (any of its spellings) to ``new``; ``fixed_hamlets``
    is how many hamlets the settings name (hamlet-1 … hamlet-n: not renamed here).

    Raises:
        DomainError: ``unknown_unit`` (detail: the nearest name); ``bad_unit_name``;
            ``name_taken`` (detail: the unit that has it); ``hamlet_in_settings``;
            ``same_name``.
    """
    unit = await find_unit(session, commune, old)
    _not_fixed(unit, fixed_hamlets)
    name = _checked_name(new)
    if name == unit.name:
        raise DomainError("same_name", name)
    await _free_for(session, commune, unit, name)
    before = unit.name
    unit.name = name
    await _add_spellings(session, commune, unit, (before, name))
    await record_change(
        session, actor=actor, action="unit.rename", object_type="unit", object_id=unit.id,
        at=now, commune_id=commune.id, before={"name": before}, after={"name": name},
    )  # fmt: skip
    return unit


async def add_alias(
    session: AsyncSession,
    commune: Commune,
    name: str,
    alias: str,
    *,
    actor: Actor,
    now: datetime,
) -> Unit:
    """Let ``alias`` name the unit ``name`` names (in plan files and commands).

    Raises:
        DomainError: ``unknown_unit``; ``bad_unit_name``; ``name_taken`` (detail: the unit
            that has it, maybe this one).
    """
    unit = await find_unit(session, commune, name)
    spelling = _checked_name(alias)
    await _free_for(session, commune, None, spelling)
    await _add_spellings(session, commune, unit, (spelling,))
    await record_change(
        session, actor=actor, action="unit.alias", object_type="unit", object_id=unit.id,
        at=now, commune_id=commune.id, after={"name": unit.name, "alias": spelling},
    )  # fmt: skip
    return unit


async def merge_units(
    session: AsyncSession,
    commune: Commune,
    source_text: str,
    target_text: str,
    *,
    actor: Actor,
    now: datetime,
    fixed_hamlets: int = 0,
) -> Merged:
    """Merge the unit ``source_text`` names into the one ``target_text`` names.

    Raises:
        DomainError: ``unknown_unit``; ``same_unit``; ``kinds_differ``;
            ``hamlet_in_settings``; ``both_reported`` (detail: the task codes).
    """
    source = await find_unit(session, commune, source_text)
    target = await find_unit(session, commune, target_text)
    if source.id == target.id:
        raise DomainError("same_unit", target.name)
    if source.kind != target.kind:
        raise DomainError("kinds_differ", source.name)
    _not_fixed(source, fixed_hamlets)
    await _no_shared_reports(session, source, target)
    members = await _move(session, Member, Member.unit_id, source, target)
    reports = await _move(session, Report, Report.unit_id, source, target)
    drafts = col(ReportDraft.on_behalf_of_unit_id)
    await session.exec(
        update(ReportDraft).where(drafts == source.id).values(on_behalf_of_unit_id=target.id)
    )
    tasks = await _move_links(session, source, target)
    await session.exec(
        update(UnitAlias).where(col(UnitAlias.unit_id) == source.id).values(unit_id=target.id)
    )
    target.anti_corruption = target.anti_corruption or source.anti_corruption
    await session.flush()
    await session.delete(source)
    await session.flush()
    await _add_spellings(session, commune, target, (source.name,))
    merged = Merged(source.name, target.name, members, reports, tasks)
    await record_change(
        session, actor=actor, action="unit.merge", object_type="unit", object_id=target.id,
        at=now, commune_id=commune.id,
        before={"source": source.name, "source_id": source.id, "target": target.name},
        after={"target": target.name, "members": members, "reports": reports, "tasks": tasks},
    )  # fmt: skip
    return merged


async def _counts(session: AsyncSession, column: Any, condition: Any) -> dict[int, int]:
    statement = select(column, func.count()).where(condition).group_by(column)
    return {key: int(n) for key, n in await session.exec(statement) if key is not None}


def _checked_name(text: str) -> str:
    name = " ".join(text.split())
    if not fold(name) or len(name) > MAX_UNIT_NAME:
        raise DomainError("bad_unit_name", name)
    return name


def _not_fixed(unit: Unit, fixed_hamlets: int) -> None:
    if unit.kind == UnitKind.HAMLET and 0 < hamlet_number(unit.key) <= fixed_hamlets:
        raise DomainError("hamlet_in_settings", unit.name)


async def _free_for(session: AsyncSession, commune: Commune, unit: Unit | None, name: str) -> None:
    """Raise ``name_taken`` when ``name`` names a unit other than ``unit`` already."""
    folded = fold(name)
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    owner = next((u for u in units if fold(u.name) == folded), None)
    if owner is None:
        alias = (
            await session.exec(
                select(UnitAlias).where(
                    UnitAlias.commune_id == commune.id, UnitAlias.folded == folded
                )
            )
        ).first()
        owner = next((u for u in units if alias and u.id == alias.unit_id), None)
    if owner is not None and (unit is None or owner.id != unit.id):
        raise DomainError("name_taken", owner.name)


async def _add_spellings(
    session: AsyncSession, commune: Commune, unit: Unit, spellings: tuple[str, ...]
) -> None:
    assert commune.id is not None and unit.id is not None
    for spelling in spellings:
        folded = fold(spelling)
        statement = select(UnitAlias).where(
            UnitAlias.commune_id == commune.id, UnitAlias.folded == folded
        )
        alias = (await session.exec(statement)).first()
        if alias is None:
            session.add(UnitAlias(commune_id=commune.id, unit_id=unit.id, folded=folded))
        else:
            alias.unit_id = unit.id
    await session.flush()


async def _no_shared_reports(session: AsyncSession, source: Unit, target: Unit) -> None:
    both = (
        select(Task.code)
        .join(Report, col(Report.task_id) == col(Task.id))
        .where(Report.unit_id == source.id)
        .where(col(Report.task_id).in_(select(Report.task_id).where(Report.unit_id == target.id)))
        .distinct()
    )
    codes = sorted(set(await session.exec(both)))
    if codes:
        raise DomainError("both_reported", ", ".join(codes))


async def _move(
    session: AsyncSession, model: type, column: Any, source: Unit, target: Unit
) -> int:
    condition = column == source.id
    moved = (await session.exec(select(func.count()).select_from(model).where(condition))).one()
    await session.exec(update(model).where(condition).values(unit_id=target.id))
    return int(moved)


async def _move_links(session: AsyncSession, source: Unit, target: Unit) -> int:
    """Give the target the source's tasks; where it has the task already, it leads it if
    either led it.
    """
    theirs = {
        link.task_id: link
        for link in await session.exec(select(TaskUnit).where(TaskUnit.unit_id == target.id))
    }
    moved = 0
    for link in list(await session.exec(select(TaskUnit).where(TaskUnit.unit_id == source.id))):
        own = theirs.get(link.task_id)
        if own is None:
            link.unit_id = target.id or 0
        else:
            if link.role == TaskRole.LEAD:
                own.role = TaskRole.LEAD
            await session.exec(delete(TaskUnit).where(col(TaskUnit.id) == link.id))
        moved += 1
    await session.flush()
    return moved
