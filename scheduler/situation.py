"""Reading what the reminder rules need from the database, at one moment."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.accounts import accounts_of, best_account
from models.clock import as_utc, local, quarter_bounds, quarter_of
from models.deadlines import Repeat, task_deadline
from models.plans import plan_tasks
from models.reports import RETURNED, latest_states, owes_report
from models.scope import TaskScope
from models.summary import plan_links
from models.tables import Commune, Member, Plan, Report, Role, Unit, UnitKind
from scheduler.rules import LateUnit, Recipient, Situation, TaskRef


async def read_situation(
    session: AsyncSession, commune: Commune, plan: Plan, now: datetime
) -> Situation:
    """Linked members with their open tasks (for this quarter, for the year-end report, and
    for the days tasks are due on their own), and the units late for the year-end report.
    """
    tasks = await plan_tasks(session, plan)
    links = await plan_links(session, plan)
    units = {
        u.id: u for u in await session.exec(select(Unit).where(Unit.commune_id == commune.id))
    }
    members = list(
        await session.exec(
            select(Member).where(Member.commune_id == commune.id).order_by(col(Member.id))
        )
    )
    scope = TaskScope.of(tasks, links)
    accounts = await accounts_of(session, [m.id for m in members if m.id is not None])
    refs = {t.id: TaskRef(t.id, t.code, t.text) for t in tasks if t.id is not None}

    quarter = quarter_of(now, commune.timezone)
    deadline_quarter = f"{plan.report_deadline.year}Q{(plan.report_deadline.month - 1) // 3 + 1}"
    by_id = {t.id: t for t in tasks}
    # Each unit's task list reads that unit's own latest rows, one index probe per task and
    # unit, and only for the units a list is made for: the tick stays flat as reports pile up.
    listed = {
        member.unit_id
        for member in members
        if member.unit_id and member.role in _REPORTING and accounts.get(member.id or 0)
    } | {
        unit_id for unit_id, unit in units.items() if unit_id and scope.owes_year_end_report(unit)
    }
    latest = await latest_states(session, plan, unit_ids=listed)

    # The days tasks are due on their own ("Quý I/2024": 31/03/2024), besides the year end.
    own_days = {
        t.id: days
        for t in tasks
        if t.id is not None
        and (days := _own_days(task_deadline(t).due_days(plan.report_deadline), plan))
    }

    def open_by_due(unit: Unit | None) -> tuple[tuple[date, tuple[TaskRef, ...]], ...]:
        """The unit's tasks due on a day of their own, still owed a report for the quarter
        of that day, by day.
        """
        if unit is None or not own_days:
            return ()
        by_day: dict[date, list[TaskRef]] = {}
        for t in sorted(scope.tasks_of(unit), key=_order(refs)):
            for day in own_days.get(t, ()):
                if owes_report(by_id[t], latest.get((t, unit.id or 0)), quarter_bounds(day)[0]):
                    by_day.setdefault(day, []).append(refs[t])
        return tuple((day, tuple(found)) for day, found in sorted(by_day.items()))

    monthly = [t.id for t in tasks if t.id and task_deadline(t).repeat == Repeat.MONTHLY]
    this_month = await _reported_this_month(session, plan, monthly, now, commune.timezone)

    def open_this_month(unit: Unit | None) -> tuple[TaskRef, ...]:
        """The unit's monthly tasks with no report (or one returned) this month."""
        if unit is None or not monthly:
            return ()
        ordered = sorted(set(scope.tasks_of(unit)) & set(monthly), key=_order(refs))
        return tuple(
            refs[t]
            for t in ordered
            if (t, unit.id) not in this_month
            or (state := latest.get((t, unit.id or 0))) is None
            or state.review_status == RETURNED
        )

    def open_tasks(unit: Unit | None, period: str) -> tuple[TaskRef, ...]:
        """The unit's tasks it still owes a report on for ``period`` (models.reports)."""
        if unit is None:
            return ()
        ordered = sorted(scope.tasks_of(unit), key=_order(refs))
        return tuple(
            refs[t]
            for t in ordered
            if owes_report(by_id[t], latest.get((t, unit.id or 0)), period)
        )

    recipients = []
    for member in members:
        linked = accounts.get(member.id or 0, [])
        if not linked:
            continue
        unit = units.get(member.unit_id) if member.unit_id else None
        reports_on_tasks = member.role in _REPORTING
        recipients.append(
            Recipient(
                member_id=member.id or 0,
                name=member.name,
                role=Role(member.role),
                unit_name=unit.name if unit else None,
                anti_corruption=bool(unit and unit.anti_corruption),
                muted_until=as_utc(member.muted_until) if member.muted_until else None,
                reachable=best_account(linked) is not None,
                open_this_quarter=open_tasks(unit, quarter) if reports_on_tasks else (),
                open_for_deadline=open_tasks(unit, deadline_quarter) if reports_on_tasks else (),
                open_by_due=open_by_due(unit) if reports_on_tasks else (),
                open_this_month=open_this_month(unit) if reports_on_tasks else (),
            )
        )

    names: dict[int, list[str]] = {}
    for member in members:
        if member.unit_id is not None:
            names.setdefault(member.unit_id, []).append(member.name)
    late = []
    for unit in sorted(units.values(), key=lambda u: (u.kind != UnitKind.UNIT, u.position)):
        # Late for the year-end report: units that lead a task, and hamlets that take part.
        expected = scope.owes_year_end_report(unit)
        missing = open_tasks(unit, deadline_quarter) if expected else ()
        if missing:
            codes = tuple(task.code for task in missing)
            late.append(LateUnit(unit.name, tuple(names.get(unit.id or 0, [])), codes))
    return Situation(
        now=now,
        timezone=commune.timezone,
        plan_year=plan.year,
        deadline=plan.report_deadline,
        recipients=tuple(recipients),
        late_units=tuple(late),
    )


_REPORTING = (Role.OFFICER, Role.HAMLET_HEAD, Role.OFFICE)


async def _reported_this_month(
    session: AsyncSession, plan: Plan, task_ids: list[int], now: datetime, timezone: str
) -> set[tuple[int, int]]:
    """The (task, unit) pairs of these tasks with a report made this month, local time."""
    if not task_ids:
        return set()
    start = local(now, timezone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    statement = select(Report.task_id, Report.unit_id).where(
        Report.plan_id == plan.id,
        col(Report.task_id).in_(task_ids),
        col(Report.created_at) >= start.astimezone(UTC),
    )
    return {(task_id, unit_id) for task_id, unit_id in await session.exec(statement)}


def _own_days(days: tuple[date, ...], plan: Plan) -> tuple[date, ...]:
    """A task's due days but the year-end report's, which has its own ladder."""
    return tuple(day for day in days if day != plan.report_deadline)


def _order(refs: dict[int, TaskRef]) -> Callable[[int], tuple[int, ...]]:
    def key(task_id: int) -> tuple[int, ...]:
        return tuple(int(part) for part in refs[task_id].code.split("."))

    return key
