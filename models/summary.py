"""Where a plan stands: per area, overall, who has not reported this quarter, what is
blocked. :func:`compute_summary` is pure; :func:`summarise` fetches what it needs.

How a task's state follows from its reports (each unit's latest version counts):
- blocked, if any unit's latest report says it is blocked;
- done, if every lead unit's latest report says done;
- not started, if every report says not started;
- in progress, if there is any other report; not reported, if there is none.
A task's percent is the mean of its lead units' latest percents (a lead that has not
reported counts 0): the lead unit answers for the task, the others take part.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import local, quarter_of
from models.plans import plan_areas, plan_tasks
from models.reports import latest_reports
from models.tables import (
    Area,
    Commune,
    Plan,
    Report,
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


@dataclass(frozen=True)
class BlockedItem:
    """A unit that says a task is blocked, and why."""

    task_code: str
    unit_name: str
    note: str


@dataclass
class PlanSummary:
    """Where a plan stands."""

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


@dataclass(frozen=True)
class TaskState:
    """One task's status and percent."""

    status: Status | None
    percent: float


def task_state(lead_unit_ids: Sequence[int], latest: dict[int, Report]) -> TaskState:
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


def compute_summary(
    *,
    plan: Plan,
    areas: Sequence[Area],
    tasks: Sequence[Task],
    links: Sequence[TaskUnit],
    units: Sequence[Unit],
    latest: dict[tuple[int, int], Report],
    quarter: str,
    as_of: datetime,
) -> PlanSummary:
    """Summarise a plan from its rows (see the module docstring for the rules)."""
    unit_names = {u.id: u.name for u in units}
    leads: dict[int, list[int]] = {}
    for link in links:
        if link.role == TaskRole.LEAD:
            leads.setdefault(link.task_id, []).append(link.unit_id)
    by_task: dict[int, dict[int, Report]] = {}
    for (task_id, unit_id), report in latest.items():
        by_task.setdefault(task_id, {})[unit_id] = report
    area_rows = {a.id: AreaSummary(a.number, a.name) for a in areas}
    blocked: list[BlockedItem] = []
    percents: list[float] = []
    done = 0
    for task in tasks:
        assert task.id is not None
        reports = by_task.get(task.id, {})
        state = task_state(leads.get(task.id, []), reports)
        percents.append(state.percent)
        row = area_rows[task.area_id]
        row.total += 1
        if state.status is None:
            row.not_reported += 1
        elif state.status == Status.DONE:
            row.done += 1
            done += 1
        elif state.status == Status.BLOCKED:
            row.blocked += 1
        elif state.status == Status.NOT_STARTED:
            row.not_started += 1
        else:
            row.in_progress += 1
        blocked.extend(
            BlockedItem(task.code, unit_names.get(unit_id, "?"), report.note)
            for unit_id, report in reports.items()
            if report.status == Status.BLOCKED
        )
    reported_this_quarter = {unit for (_, unit), r in latest.items() if r.quarter == quarter}
    expected = {unit_id for unit_ids in leads.values() for unit_id in unit_ids}
    hamlets_expected = any(task.involves_hamlets for task in tasks)
    ordered = sorted(units, key=lambda u: (u.position, u.name))
    return PlanSummary(
        plan_number=plan.number,
        year=plan.year,
        quarter=quarter,
        as_of=as_of,
        total=len(tasks),
        done=done,
        percent=round(sum(percents) / len(percents)) if percents else 0,
        areas=list(area_rows.values()),
        missing_units=[
            u.name
            for u in ordered
            if u.kind == UnitKind.UNIT and u.id in expected and u.id not in reported_this_quarter
        ],
        missing_hamlets=[
            u.name
            for u in ordered
            if u.kind == UnitKind.HAMLET and hamlets_expected and u.id not in reported_this_quarter
        ],
        blocked=blocked,
    )


async def summarise(
    session: AsyncSession, commune: Commune, plan: Plan, now: datetime
) -> PlanSummary:
    """Where ``plan`` stands at ``now``, for the quarter ``now`` falls in."""
    tasks = await plan_tasks(session, plan)
    links = list(await session.exec(select(TaskUnit).where(TaskUnit.commune_id == commune.id)))
    task_ids = {task.id for task in tasks}
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    return compute_summary(
        plan=plan,
        areas=await plan_areas(session, plan),
        tasks=tasks,
        links=[link for link in links if link.task_id in task_ids],
        units=units,
        latest=await latest_reports(session, plan),
        quarter=quarter_of(now, commune.timezone),
        as_of=local(now, commune.timezone),
    )
