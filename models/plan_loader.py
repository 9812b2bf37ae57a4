"""Writing a plan to the database: the commune, its units and hamlets, the plan's areas and
tasks. Every step is an upsert, so loading the same plan twice changes nothing and loading an
edited plan updates it in place without touching a single report.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.deadlines import row_values
from models.plan_data import PlanSpec, TaskSpec
from models.tables import Area, Commune, Plan, Task, TaskRole, TaskUnit, Unit, UnitKind
from models.unit_sync import sync_units


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load_plan` did."""

    plan: Plan
    created: bool
    tasks_created: int
    tasks_updated: int


async def ensure_commune(
    session: AsyncSession, name: str, timezone: str, hamlets: Sequence[str]
) -> Commune:
    """Find or create the commune, and make its hamlets match ``hamlets`` (by position, so
    renaming "Ấp 1" to "Ấp Mỹ Thạnh" in the settings keeps its members and reports).
    """
    commune = (await session.exec(select(Commune).where(Commune.name == name))).first()
    if commune is None:
        commune = Commune(name=name, timezone=timezone)
        session.add(commune)
        await session.flush()
    elif commune.timezone != timezone:
        commune.timezone = timezone
    assert commune.id is not None
    existing = {
        u.key: u
        for u in await session.exec(
            select(Unit).where(Unit.commune_id == commune.id, Unit.kind == UnitKind.HAMLET)
        )
    }
    for position, hamlet_name in enumerate(hamlets, start=1):
        key = f"hamlet-{position}"
        unit = existing.get(key)
        if unit is None:
            session.add(
                Unit(
                    commune_id=commune.id,
                    key=key,
                    name=hamlet_name,
                    kind=UnitKind.HAMLET,
                    position=position,
                )
            )
        else:
            unit.name = hamlet_name
    await session.flush()
    return commune


async def _sync_units(session: AsyncSession, commune: Commune, spec: PlanSpec) -> dict[str, int]:
    """Upsert the plan's units and their spellings; return unit ids by name (see
    :func:`models.unit_sync.sync_units`: new units and hamlets a file proposed, renamed
    and merged units found by their other spellings).
    """
    return await sync_units(session, commune, spec)


async def load_plan(
    session: AsyncSession, commune: Commune, spec: PlanSpec, year: int | None = None
) -> LoadResult:
    """Load ``spec`` as the commune's plan for ``year`` (default: the plan's own year).

    Idempotent. A task is matched by its code; its text, units and timeframe (with the
    deadline read from it, see :mod:`models.deadlines`) are updated in place, so the reports
    on it stay attached.
    """
    assert commune.id is not None
    year = year or spec.year
    unit_ids = await _sync_units(session, commune, spec)
    deadline = date(year, spec.deadline_month, spec.deadline_day)
    plan = (
        await session.exec(select(Plan).where(Plan.commune_id == commune.id, Plan.year == year))
    ).first()
    created = plan is None
    if plan is None:
        plan = Plan(
            commune_id=commune.id,
            year=year,
            number=spec.number,
            title=spec.title,
            source_year=spec.year if year != spec.year else None,
            issued=spec.issued,
            report_deadline=deadline,
        )
        session.add(plan)
        await session.flush()
    assert plan.id is not None
    areas = {a.number: a for a in await session.exec(select(Area).where(Area.plan_id == plan.id))}
    tasks = {t.code: t for t in await session.exec(select(Task).where(Task.plan_id == plan.id))}
    tasks_created = tasks_updated = 0
    for area_spec in spec.areas:
        area = areas.get(area_spec.number)
        if area is None:
            area = Area(commune_id=commune.id, plan_id=plan.id, number=area_spec.number, name="")
            session.add(area)
        area.name = area_spec.name
        await session.flush()
        assert area.id is not None
        for task_spec in area_spec.tasks:
            task = tasks.get(task_spec.code)
            due = spec.deadline_of(task_spec, year)
            fields: dict[str, Any] = {
                "area_id": area.id,
                "area_number": task_spec.area_number,
                "position": task_spec.position,
                "text": task_spec.text,
                "result": task_spec.result,
                "target": task_spec.target,
                "lead_text": task_spec.lead_text,
                "coordinating_text": task_spec.coordinating_text,
                "timeframe": task_spec.timeframe,
                "timeframe_text": task_spec.timeframe_text,
                **row_values(due),
                "involves_hamlets": task_spec.involves_hamlets,
            }
            if task is None:
                task = Task(commune_id=commune.id, plan_id=plan.id, code=task_spec.code, **fields)
                session.add(task)
                tasks_created += 1
            elif any(getattr(task, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(task, name, value)
                tasks_updated += 1
            await session.flush()
            assert task.id is not None
            await _sync_task_units(session, commune.id, task.id, task_spec, unit_ids)
    return LoadResult(plan, created, tasks_created, tasks_updated)


async def _sync_task_units(
    session: AsyncSession,
    commune_id: int,
    task_id: int,
    task_spec: TaskSpec,
    unit_ids: dict[str, int],
) -> None:
    wanted = {unit_ids[name]: TaskRole.LEAD for name in task_spec.lead_units}
    for name in task_spec.coordinating_units:
        wanted.setdefault(unit_ids[name], TaskRole.COORDINATING)
    current = {
        tu.unit_id: tu
        for tu in await session.exec(select(TaskUnit).where(TaskUnit.task_id == task_id))
    }
    stale = [unit_id for unit_id in current if unit_id not in wanted]
    if stale:
        await session.exec(
            delete(TaskUnit).where(
                col(TaskUnit.task_id) == task_id, col(TaskUnit.unit_id).in_(stale)
            )
        )
    for unit_id, role in wanted.items():
        link = current.get(unit_id)
        if link is None:
            session.add(
                TaskUnit(commune_id=commune_id, task_id=task_id, unit_id=unit_id, role=role)
            )
        elif link.role != role:
            link.role = role
    await session.flush()
