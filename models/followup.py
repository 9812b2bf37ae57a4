"""Following up, as decisions on data: which tasks are late, which a unit still owes a
report on, and which units are short of reports this quarter. The chat only words them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import local, quarter_of
from models.deadlines import task_deadline
from models.plans import lead_units, plan_tasks
from models.reports import latest_of_unit, owes_report, reported_in, tasks_in_scope
from models.summary import Participation, PlanSummary, TaskLine, summarise
from models.tables import Commune, Member, Plan, Report, Status, Task, Timeframe, Unit


def previous_quarter(quarter: str) -> str:
    """``"2026Q1"`` → ``"2025Q4"``."""
    year, number = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def first_quarter(plan: Plan) -> str:
    """The first quarter the plan runs: the one it was issued in, when issued in its own
    year; else (a plan copied from an earlier year's, or issued the year before) the year's
    first quarter.
    """
    issued = plan.issued
    if issued is not None and issued.year == plan.year:
        return f"{plan.year}Q{(issued.month - 1) // 3 + 1}"
    return f"{plan.year}Q1"


@dataclass(frozen=True)
class Overdue:
    """What is late: year tasks not done past the year-end deadline, tasks due on a day of
    their own ("Quý I": 31/03) not done past it (by that day, in order), and ongoing tasks
    not reported last quarter by whoever answers for them.
    """

    past_deadline: bool
    previous_quarter: str
    year_tasks: list[TaskLine] = field(default_factory=list)
    ongoing_tasks: list[TaskLine] = field(default_factory=list)
    due_tasks: list[tuple[date, list[TaskLine]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many tasks are late."""
        dated = sum(len(lines) for _, lines in self.due_tasks)
        return len(self.year_tasks) + len(self.ongoing_tasks) + dated


async def overdue(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    now: datetime,
    unit: Unit | None,
    view: PlanSummary | None = None,
) -> Overdue:
    """The plan's late tasks, for the commune (``unit`` None) or for one unit. ``view``:
    the same summary (this quarter, this unit, every area) when the caller has it already.
    """
    today = local(now, commune.timezone).date()
    current = quarter_of(now, commune.timezone)
    previous = previous_quarter(current)
    if view is None:
        view = await summarise(session, commune, plan, now, unit=unit)
    tasks = await plan_tasks(session, plan)
    timeframe = {t.code: (t.id, t.timeframe) for t in tasks}
    # A task done once is due by its first day: the year-end report's, or its own.
    first_due = {
        t.code: min(task_deadline(t).due_days(plan.report_deadline), default=plan.report_deadline)
        for t in tasks
    }
    past_deadline = today > plan.report_deadline
    late_year = []
    late_by_day: dict[date, list[TaskLine]] = {}
    for line in view.tasks:
        due = first_due[line.code]
        if timeframe[line.code][1] != Timeframe.YEAR or line.status == Status.DONE or today <= due:
            continue
        if due == plan.report_deadline:
            late_year.append(line)
        else:
            late_by_day.setdefault(due, []).append(line)
    late_ongoing = []
    # Quarters before the plan ran are not chased (quarter labels sort in time order).
    if previous.startswith(str(plan.year)) and previous >= first_quarter(plan):
        mine = None if unit is None else [unit.id or 0]  # a unit's view: its rows only
        reported = await reported_in(session, plan, previous, unit_ids=mine)
        # A report made this quarter brings the task up to date: it is not late any more.
        reported |= await reported_in(session, plan, current, unit_ids=mine)
        leads = await lead_units(session, plan)
        for line in view.tasks:
            task_id, kind = timeframe[line.code]
            answerable = [unit.id or 0] if unit is not None else leads.get(task_id or 0, [])
            silent = not any((task_id, u) in reported for u in answerable)
            if kind == Timeframe.ONGOING and silent and line.status != Status.DONE:
                late_ongoing.append(line)
    return Overdue(past_deadline, previous, late_year, late_ongoing, sorted(late_by_day.items()))


async def open_tasks_of(
    session: AsyncSession, member: Member, unit: Unit, plan: Plan, quarter: str
) -> tuple[list[Task], dict[int, Report]]:
    """The tasks ``member``'s unit still owes a report on this ``quarter`` (reading only
    that unit's latest reports), and those latest reports by task.
    """
    tasks = await tasks_in_scope(session, member, plan)
    latest = await latest_of_unit(session, plan, unit.id or 0, [task.id or 0 for task in tasks])
    owed = [task for task in tasks if owes_report(task, latest.get(task.id or 0), quarter)]
    return owed, latest


@dataclass(frozen=True)
class ShortOfReports:
    """A unit or hamlet short of reports this quarter, and who is behind it."""

    item: Participation
    members: list[str]


async def short_of_reports(
    session: AsyncSession, commune: Commune, plan: Plan, now: datetime
) -> list[ShortOfReports]:
    """The units and hamlets that have not reported all their tasks this quarter."""
    summary = await summarise(session, commune, plan, now)
    names: dict[int, list[str]] = {}
    for member in await session.exec(select(Member).where(Member.commune_id == commune.id)):
        if member.unit_id is not None:
            names.setdefault(member.unit_id, []).append(member.name)
    return [
        ShortOfReports(item, names.get(item.unit_id, []))
        for item in summary.participation
        if item.reported < item.in_scope
    ]
