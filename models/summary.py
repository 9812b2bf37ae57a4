"""Where a plan stands: per area, overall, who has not reported in a quarter, what is
blocked. :func:`compute_summary` is pure; :func:`summarise` fetches what it needs.

How a task's state follows from its reports (each unit's latest version counts):
- blocked, if any unit's latest report says it is blocked;
- done, if every lead unit's latest report says done;
- not started, if every report says not started;
- in progress, if there is any other report; not reported, if there is none.
A task's percent is the mean of its lead units' latest percents (a lead that has not
reported counts 0): the lead unit answers for the task, the others take part.

A summary can be narrowed to one unit or hamlet (then each task's state is that unit's own
latest report), to one area, and to a past quarter (reports after it are ignored).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import local, quarter_end_utc, quarter_of
from models.plans import plan_areas, plan_tasks
from models.reports import LatestReport, latest_states, owes_report
from models.scope import TaskScope
from models.tables import (
    Area,
    Commune,
    Plan,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)


@dataclass
class AreaSummary:
    """Task counts of one area."""

    number: int
    name: str
    total: int = 0
    done: int = 0
    in_progress: int = 0
    blocked: int = 0
    not_started: int = 0
    not_reported: int = 0
    percent: int = 0


@dataclass(frozen=True)
class BlockedItem:
    """A unit that says a task is blocked, and why."""

    task_code: str
    unit_name: str
    note: str


@dataclass(frozen=True)
class Participation:
    """How much of its work a unit or hamlet has reported in the quarter."""

    unit_id: int
    name: str
    kind: str
    in_scope: int
    reported: int


@dataclass(frozen=True)
class TaskLine:
    """One task's state, for lists."""

    code: str
    text: str
    area_number: int
    status: Status | None
    percent: int


@dataclass
class PlanSummary:
    """Where a plan stands (or one unit's or one area's part of it)."""

    plan_number: str
    year: int
    quarter: str
    as_of: datetime
    total: int
    done: int
    percent: int
    areas: list[AreaSummary]
    missing_units: list[str] = field(default_factory=list)
    missing_hamlets: list[str] = field(default_factory=list)
    blocked: list[BlockedItem] = field(default_factory=list)
    participation: list[Participation] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)
    scope: str | None = None
    # True when the summary looks back at a quarter that is over: as of its end.
    closed: bool = False


@dataclass(frozen=True)
class TaskState:
    """One task's status and percent."""

    status: Status | None
    percent: float


def task_state(lead_unit_ids: Sequence[int], latest: Mapping[int, LatestReport]) -> TaskState:
    """The state of one task from its units' latest reports (keyed by unit id)."""
    if not latest:
        return TaskState(None, 0.0)
    statuses = {report.status for report in latest.values()}
    leads = list(lead_unit_ids) or list(latest)
    percent = sum(latest[u].percent if u in latest else 0 for u in leads) / len(leads)
    if Status.BLOCKED in statuses:
        return TaskState(Status.BLOCKED, percent)
    if all(u in latest and latest[u].status == Status.DONE for u in leads):
        return TaskState(Status.DONE, percent)
    if statuses == {Status.NOT_STARTED}:
        return TaskState(Status.NOT_STARTED, percent)
    return TaskState(Status.IN_PROGRESS, percent)


def _count(row: AreaSummary, status: Status | None) -> None:
    row.total += 1
    if status is None:
        row.not_reported += 1
    elif status == Status.DONE:
        row.done += 1
    elif status == Status.BLOCKED:
        row.blocked += 1
    elif status == Status.NOT_STARTED:
        row.not_started += 1
    else:
        row.in_progress += 1


def compute_summary(
    *,
    plan: Plan,
    areas: Sequence[Area],
    tasks: Sequence[Task],
    links: Sequence[TaskUnit],
    units: Sequence[Unit],
    latest: Mapping[tuple[int, int], LatestReport],
    quarter: str,
    as_of: datetime,
    unit: Unit | None = None,
) -> PlanSummary:
    """Summarise a plan from its rows (see the module docstring for the rules).

    Args:
        plan: the plan.
        areas: the areas to show (all, or one).
        tasks: the tasks to count (all, or those of one area or one unit's scope).
        links: the task-unit links of the plan.
        units: the commune's units and hamlets.
        latest: the latest report per (task, unit), as of the summary's moment.
        quarter: the quarter whose reporting is checked (``"2026Q4"``).
        as_of: the moment the summary describes.
        unit: narrow to this unit's own reports.
    """
    unit_names = {u.id: u.name for u in units}
    leads: dict[int, list[int]] = {}
    scope: dict[int, list[int]] = {}
    for link in links:
        scope.setdefault(link.unit_id, []).append(link.task_id)
        if link.role == TaskRole.LEAD:
            leads.setdefault(link.task_id, []).append(link.unit_id)
    by_task: dict[int, dict[int, LatestReport]] = {}
    for (task_id, unit_id), report in sorted(latest.items(), key=lambda item: item[0]):
        if unit is None or unit_id == unit.id:
            by_task.setdefault(task_id, {})[unit_id] = report
    area_rows = {a.id: AreaSummary(a.number, a.name) for a in areas}
    area_percents: dict[int | None, list[float]] = {}
    blocked: list[BlockedItem] = []
    lines: list[TaskLine] = []
    for task in tasks:
        assert task.id is not None
        reports = by_task.get(task.id, {})
        own = reports.get(unit.id or 0) if unit is not None else None
        state = (
            TaskState(Status(own.status) if own else None, own.percent if own else 0.0)
            if unit is not None
            else task_state(leads.get(task.id, []), reports)
        )
        if task.area_id in area_rows:
            _count(area_rows[task.area_id], state.status)
            area_percents.setdefault(task.area_id, []).append(state.percent)
        lines.append(
            TaskLine(task.code, task.text, task.area_number, state.status, round(state.percent))
        )
        blocked.extend(
            BlockedItem(task.code, unit_names.get(unit_id, "?"), report.note)
            for unit_id, report in reports.items()
            if report.status == Status.BLOCKED
        )
    for area_id, row in area_rows.items():
        values = area_percents.get(area_id, [])
        row.percent = round(sum(values) / len(values)) if values else 0
    percents = [line.percent for line in lines]
    by_id = {task.id: task for task in tasks}
    task_ids = {task.id for task in tasks}
    hamlet_tasks = {task.id for task in tasks if task.involves_hamlets}
    expected = {unit_id for unit_ids in leads.values() for unit_id in unit_ids}
    participation = []
    for candidate in sorted(units, key=lambda u: (u.kind != UnitKind.UNIT, u.position, u.name)):
        if unit is not None and candidate.id != unit.id:
            continue
        in_scope = {t for t in scope.get(candidate.id or 0, []) if t in task_ids}
        if candidate.kind == UnitKind.HAMLET:
            in_scope |= {t for t in hamlet_tasks if t is not None}  # see models.scope
        counted = candidate.kind == UnitKind.HAMLET or candidate.id in expected
        if in_scope and (counted or unit is not None):
            owing = [
                t for t in in_scope
                if owes_report(by_id[t], latest.get((t or 0, candidate.id or 0)), quarter)
            ]  # fmt: skip
            reported = len(in_scope) - len(owing)
            participation.append(
                Participation(
                    candidate.id or 0, candidate.name, candidate.kind, len(in_scope), reported
                )
            )
    return PlanSummary(
        plan_number=plan.number,
        year=plan.year,
        quarter=quarter,
        as_of=as_of,
        total=len(tasks),
        done=sum(1 for line in lines if line.status == Status.DONE),
        percent=round(sum(percents) / len(percents)) if percents else 0,
        areas=list(area_rows.values()),
        missing_units=[
            p.name for p in participation if p.kind == UnitKind.UNIT and p.reported < p.in_scope
        ],
        missing_hamlets=[
            p.name for p in participation if p.kind == UnitKind.HAMLET and p.reported < p.in_scope
        ],
        blocked=blocked,
        participation=participation,
        tasks=lines,
        scope=unit.name if unit is not None else None,
    )


async def plan_links(session: AsyncSession, plan: Plan) -> list[TaskUnit]:
    """The task-unit links of the plan's tasks (not of the commune's other plans)."""
    statement = (
        select(TaskUnit)
        .join(Task, col(Task.id) == col(TaskUnit.task_id))
        .where(Task.plan_id == plan.id)
        .order_by(col(TaskUnit.id))
    )
    return list(await session.exec(statement))


async def summarise(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    now: datetime,
    *,
    quarter: str | None = None,
    unit: Unit | None = None,
    area_number: int | None = None,
) -> PlanSummary:
    """Where ``plan`` stands, for a quarter (default: the one ``now`` falls in).

    Args:
        session: the open session.
        commune: the plan's commune.
        plan: the plan.
        now: the current time (UTC).
        quarter: a past quarter to look back at (reports after it are ignored).
        unit: narrow to one unit's or hamlet's own reports and tasks.
        area_number: narrow to one area.
    """
    current = quarter_of(now, commune.timezone)
    quarter = quarter or current
    until = quarter_end_utc(quarter, commune.timezone) if quarter < current else None
    tasks = await plan_tasks(session, plan)
    links = await plan_links(session, plan)
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    areas = await plan_areas(session, plan)
    if unit is not None:
        in_scope = set(TaskScope.of(tasks, links).tasks_of(unit))
        tasks = [t for t in tasks if t.id in in_scope]
    if area_number is not None:
        areas = [a for a in areas if a.number == area_number]
        tasks = [t for t in tasks if t.area_number == area_number]
    summary = compute_summary(
        plan=plan,
        areas=areas,
        tasks=tasks,
        links=links,
        units=units,
        # Each (task, unit)'s latest report is one index probe: the cost stays flat as
        # reports pile up. Narrowed to a unit, only that unit's rows are read.
        latest=await latest_states(
            session, plan, until, unit_ids=None if unit is None else [unit.id or 0]
        ),
        quarter=quarter,
        as_of=local(until or now, commune.timezone),
        unit=unit,
    )
    summary.closed = until is not None
    return summary
