"""The units a plan names, brought in line with the commune's units in the database.

A plan read from a file names units by the file's spellings, and proposes the ones its
catalogue did not know (:meth:`models.plan_import.ImportCatalogue.learn`). The database
may know them already, under another name: created by an earlier import, renamed or merged
by the office (:mod:`models.unit_admin`), or a hamlet of the settings. Every spelling is
looked up among the commune's unit names, keys and other spellings (``unitalias``), so a
renamed unit keeps its tasks and a merged unit's old name leads to the unit it joined.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.plan_data import PlanSpec, TaskSpec, UnitSpec
from models.tables import Commune, Unit, UnitAlias, UnitKind
from models.textfold import fold

# The new units a dry run lists by name, at most (the rest are counted).
_LISTED = 40
HAMLET_KEY = "hamlet-"


@dataclass
class _Known:
    """The commune's units and every folded spelling that names one of them."""

    units: list[Unit]
    by_spelling: dict[str, Unit]

    def find(self, spelling: str) -> Unit | None:
        return self.by_spelling.get(fold(spelling))

    def find_any(self, unit: UnitSpec) -> Unit | None:
        for spelling in (unit.name, *unit.aliases):
            found = self.find(spelling)
            if found is not None:
                return found
        return None

    def add(self, unit: Unit, spellings: Sequence[str]) -> None:
        self.units.append(unit)
        for spelling in spellings:
            self.by_spelling.setdefault(fold(spelling), unit)


async def _known(session: AsyncSession, commune: Commune) -> _Known:
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    by_id = {unit.id: unit for unit in units}
    by_spelling: dict[str, Unit] = {}
    for unit in units:
        by_spelling[fold(unit.name)] = unit
    aliases = await session.exec(select(UnitAlias).where(UnitAlias.commune_id == commune.id))
    for alias in aliases:
        if alias.unit_id in by_id:
            by_spelling.setdefault(alias.folded, by_id[alias.unit_id])
    for unit in units:
        if unit.kind == UnitKind.UNIT:
            by_spelling.setdefault(unit.key, unit)
    return _Known(units, by_spelling)


async def commune_units(session: AsyncSession, commune: Commune) -> tuple[UnitSpec, ...]:
    """The commune's units and hamlets with their other spellings (folded, as stored), for
    :func:`models.plan_import.catalogue_for`: a file is read knowing them.
    """
    known = await _known(session, commune)
    spellings: dict[int, list[str]] = {}
    for folded, unit in known.by_spelling.items():
        if unit.id is not None and folded != fold(unit.name):
            spellings.setdefault(unit.id, []).append(folded)
    ordered = sorted(known.units, key=lambda u: (u.kind != UnitKind.UNIT, u.position, u.name))
    return tuple(
        UnitSpec(
            unit.name, tuple(spellings.get(unit.id or 0, ())), unit.anti_corruption, kind=unit.kind
        )
        for unit in ordered
    )


def _task_names(spec: PlanSpec) -> list[str]:
    names = [name for task in spec.tasks for name in (*task.lead_units, *task.coordinating_units)]
    return list(dict.fromkeys(names))


def _all_units(spec: PlanSpec) -> list[UnitSpec]:
    """The plan's units, and any unit its tasks name that the list left out (a new unit)."""
    listed = {fold(name) for unit in spec.units for name in (unit.name, *unit.aliases)}
    extra = [
        UnitSpec(name, (), proposed=True) for name in _task_names(spec) if fold(name) not in listed
    ]
    return [*spec.units, *extra]


async def resolve_units(
    session: AsyncSession, commune: Commune, spec: PlanSpec
) -> tuple[PlanSpec, tuple[UnitSpec, ...]]:
    """The plan with its units named as the database names them, and the units it would
    create (in the plan's order: the data file's first, then those the file proposes).

    A unit the database knows by any of its spellings is that unit: an office's rename
    stands, a merged unit's tasks go to the unit it joined.
    """
    known = await _known(session, commune)
    names: dict[str, str] = {}
    units: dict[str, UnitSpec] = {}
    new: list[UnitSpec] = []
    for unit in _all_units(spec):
        found = known.find_any(unit)
        if found is None:
            new.append(unit)
            units.setdefault(fold(unit.name), unit)
            continue
        names[unit.name] = found.name
        spellings = tuple(s for s in (unit.name, *unit.aliases) if fold(s) != fold(found.name))
        key = fold(found.name)
        before = units.get(key)
        merged = before.aliases if before else ()
        units[key] = UnitSpec(
            found.name,
            tuple(dict.fromkeys((*merged, *spellings))),
            (before.anti_corruption if before else False) or unit.anti_corruption,
            kind=found.kind,
        )

    def rename(task: TaskSpec) -> TaskSpec:
        lead = list(dict.fromkeys(names.get(n, n) for n in task.lead_units))
        coordinating = dict.fromkeys(names.get(n, n) for n in task.coordinating_units)
        return replace(
            task,
            lead_units=tuple(lead),
            coordinating_units=tuple(n for n in coordinating if n not in lead),
        )

    areas = tuple(
        replace(area, tasks=tuple(rename(task) for task in area.tasks)) for area in spec.areas
    )
    return replace(spec, units=tuple(units.values()), areas=areas), tuple(new)


async def sync_units(session: AsyncSession, commune: Commune, spec: PlanSpec) -> dict[str, int]:
    """Create the plan's units the commune does not have yet, keep the others' other
    spellings; return unit ids by every name the plan uses and every unit's own name.

    A unit of the data file keeps its place in the list (its position is its place in the
    file); a unit proposed by an imported file goes after the commune's units, and a hamlet
    after its hamlets with the next "hamlet-<n>" key. An existing unit's name changes only
    when the plan spells the same name differently (diacritics, capitals): a name the office
    changed (:mod:`models.unit_admin`) is not undone by the next import or start.
    """
    assert commune.id is not None
    known = await _known(session, commune)
    ids: dict[str, Unit] = {}
    for position, unit_spec in enumerate(_all_units(spec), start=1):
        unit = known.find_any(unit_spec)
        if unit is None:
            unit = _new_unit(commune.id, unit_spec, known.units, position)
            session.add(unit)
            known.add(unit, (unit_spec.name, *unit_spec.aliases))
        elif not unit_spec.proposed and fold(unit.name) == fold(unit_spec.name):
            unit.name = unit_spec.name  # the data file's spelling of the same name
        if not unit_spec.proposed and unit.kind == UnitKind.UNIT:
            unit.position = position
            unit.anti_corruption = unit_spec.anti_corruption
        ids[unit_spec.name] = unit
    await session.flush()
    known_aliases = {
        a.folded: a
        for a in await session.exec(select(UnitAlias).where(UnitAlias.commune_id == commune.id))
    }
    for unit_spec in _all_units(spec):
        unit = ids[unit_spec.name]
        assert unit.id is not None
        for spelling in (unit_spec.name, *unit_spec.aliases):
            folded = fold(spelling)
            alias = known_aliases.get(folded)
            if alias is None:
                alias = UnitAlias(commune_id=commune.id, unit_id=unit.id, folded=folded)
                session.add(alias)
                known_aliases[folded] = alias
            alias.unit_id = unit.id
    await session.flush()
    found = {unit.name: unit.id for unit in known.units if unit.id is not None}
    found.update({name: unit.id for name, unit in ids.items() if unit.id is not None})
    return found


def _new_unit(commune_id: int, spec: UnitSpec, units: list[Unit], position: int) -> Unit:
    if spec.kind == UnitKind.HAMLET:
        number = 1 + max((hamlet_number(u.key) for u in units), default=0)
        return Unit(
            commune_id=commune_id, key=f"{HAMLET_KEY}{number}", name=spec.name,
            kind=UnitKind.HAMLET, position=number,
        )  # fmt: skip
    if spec.proposed:
        position = 1 + max((u.position for u in units if u.kind == UnitKind.UNIT), default=0)
    keys = {u.key for u in units}
    key = base = fold(spec.name)
    suffix = 2
    while key in keys:  # a renamed unit's old key (its old name is an alias: not met here)
        key, suffix = f"{base}-{suffix}", suffix + 1
    return Unit(commune_id=commune_id, key=key, name=spec.name, position=position)


def hamlet_number(key: str) -> int:
    """The n of a hamlet's key "hamlet-<n>" (0 for any other key)."""
    number = key.removeprefix(HAMLET_KEY)
    return int(number) if key.startswith(HAMLET_KEY) and number.isdigit() else 0


def new_unit_lines(units: Sequence[UnitSpec], *, dry_run: bool) -> list[str]:
    """The units an import creates, with their kind, as the dry run and the import say it.

    In chat and on the command line: "Đơn vị mới sẽ được tạo: Phòng Nội vụ (đơn vị),
    Thôn Đông (thôn/ấp)."
    """
    if not units:
        return []
    shown = [f"{unit.name} ({'thôn/ấp' if unit.kind == UnitKind.HAMLET else 'đơn vị'})"
             for unit in units[:_LISTED]]  # fmt: skip
    more = f" và {len(units) - _LISTED} đơn vị khác" if len(units) > _LISTED else ""
    head = "Đơn vị mới sẽ được tạo" if dry_run else "Đã tạo đơn vị mới"
    return [f"{head}: {', '.join(shown)}{more}."]
