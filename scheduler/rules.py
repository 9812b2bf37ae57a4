"""Who gets which reminder, when: pure functions of a :class:`Situation` and a clock.

Each schedule yields reminders with a window ``[fire_at, expires_at)``. A reminder is due
when now is inside its window; a window that has passed is stale and never sent (a bot that
was down for a week does not flood anyone on its return). The unique key
(member, kind, period) makes each one go at most once; see :mod:`scheduler.delivery`.

Days are moved off weekends and Vietnamese public holidays to the next working day. A rung
of the deadline ladder that would move onto or past the deadline moves back instead. A
reminder that could not go on its day (the bot was down, or quiet hours began) is a
catch-up: it too goes only on a working day, at its usual hour; a deadline rung counts the
days left from the day it is actually sent.

Besides the plan's year-end report, a task may be due on its own day ("Quý I/2024" is due
31/03/2024, see :mod:`models.deadlines`): each such day has its own ladder and overdue nudges,
to the members whose unit still owes a report on a task due that day. Their period is the day
("2024-03-31"), so each rung goes once per day and never clashes with the year-end ladder
(period "2024"). The escalation to the chairman stays with the year-end report.

A monthly task ("Hằng tháng") is prompted each month, as the quarter is (the same number of
days before the month's end), to the members whose unit has not reported it that month. In
the last month of a quarter the quarterly prompt lists it instead: one prompt, not two.
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.clock import quarter_bounds
from models.tables import Role
from scheduler.calendar import WorkCalendar
from scheduler.config import RemindersSettings

ROUTINE_KINDS = frozenset({"quarterly", "monthly", "digest", "manual"})


@dataclass(frozen=True)
class TaskRef:
    """A task as a reminder names it."""

    id: int
    code: str
    text: str


@dataclass(frozen=True)
class Recipient:
    """A linked member as the scheduler sees them.

    Attributes:
        open_this_quarter: tasks in scope with no report from their unit this quarter.
        open_for_deadline: the same, for the quarter the year-end deadline falls in.
        open_by_due: tasks due on a day of their own (not the year-end report), by day,
            still owed a report for that day's quarter.
        open_this_month: monthly tasks in scope with no report from their unit this month.
    """

    member_id: int
    name: str
    role: Role
    unit_name: str | None = None
    anti_corruption: bool = False
    muted_until: datetime | None = None
    reachable: bool = True
    open_this_quarter: tuple[TaskRef, ...] = ()
    open_for_deadline: tuple[TaskRef, ...] = ()
    open_by_due: tuple[tuple[date, tuple[TaskRef, ...]], ...] = ()
    open_this_month: tuple[TaskRef, ...] = ()


@dataclass(frozen=True)
class LateUnit:
    """A unit or hamlet that has not reported for the deadline, and on what."""

    name: str
    members: tuple[str, ...]
    task_codes: tuple[str, ...]


@dataclass(frozen=True)
class Situation:
    """What the rules need to know, read from the database at one moment."""

    now: datetime
    timezone: str
    plan_year: int
    deadline: date
    recipients: tuple[Recipient, ...]
    late_units: tuple[LateUnit, ...] = ()


@dataclass(frozen=True)
class Due:
    """A reminder that should go now (unless it has gone already)."""

    member_id: int
    kind: str
    period: str
    fire_at: datetime
    expires_at: datetime
    tasks: tuple[TaskRef, ...] = ()
    days_left: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    # A task's own due day, for a deadline rung or an overdue nudge about it; None for the
    # plan's year-end report.
    deadline: date | None = None

    @property
    def routine(self) -> bool:
        """Routine prompts can be muted; deadline and escalation messages cannot."""
        return self.kind in ROUTINE_KINDS


class Rules:
    """The schedules, configured."""

    def __init__(self, settings: RemindersSettings, calendar: WorkCalendar) -> None:
        self.settings = settings
        self.calendar = calendar

    def due(self, situation: Situation) -> list[Due]:
        """Every reminder whose window holds ``situation.now`` and whose recipient should
        get it (linked, reachable, not muted for routine prompts, something to say).
        """
        zone = ZoneInfo(situation.timezone)
        now = situation.now
        found = [
            due
            for due in self._candidates(situation, zone)
            if due.fire_at <= now < due.expires_at and self._may_go_now(due, now, zone)
        ]
        # A rung's "days left" counts from the day the message is actually sent, not the
        # rung's planned day: a caught-up rung must not overstate the time left.
        send_day = self._send_day(now, situation.timezone)
        found = [
            replace(due, days_left=((due.deadline or situation.deadline) - send_day).days)
            if due.kind.startswith("deadline-")
            else due
            for due in found
        ]
        by_member = {r.member_id: r for r in situation.recipients}
        return [due for due in found if self._wanted(due, by_member[due.member_id], now)]

    def _send_day(self, now: datetime, timezone: str) -> date:
        """The local day a message decided at ``now`` goes out (quiet hours hold it)."""
        settings = self.settings
        if in_quiet_hours(now, timezone, settings.quiet_start, settings.quiet_end):
            now = quiet_hours_end(now, timezone, settings.quiet_end)
        return now.astimezone(ZoneInfo(timezone)).date()

    def _may_go_now(self, due: Due, now: datetime, zone: ZoneInfo) -> bool:
        """A reminder goes on its planned day. One that would go on a later day (the bot
        was down, or quiet hours hold it overnight) is a catch-up: it keeps the working-day
        rule, and goes at its usual hour, outside quiet hours.
        """
        planned = due.fire_at.astimezone(zone)
        if self._send_day(now, str(zone)) == planned.date():
            return True
        here = now.astimezone(zone)
        settings = self.settings
        return (
            self.calendar.is_working_day(here.date())
            and here.time() >= planned.time()
            and not in_quiet_hours(now, str(zone), settings.quiet_start, settings.quiet_end)
        )

    def on_demand(
        self,
        situation: Situation,
        *,
        asked_by: int,
        period: str,
        not_before: datetime,
        expires_at: datetime,
    ) -> list[Due]:
        """The office's "remind now" (/nhacnho): everyone with tasks not reported this
        quarter, reachable and not muted, but the one who asked.
        """
        found = [
            Due(r.member_id, "manual", period, not_before, expires_at, r.open_this_quarter)
            for r in situation.recipients
            if r.open_this_quarter and r.member_id != asked_by
        ]
        by_member = {r.member_id: r for r in situation.recipients}
        return [due for due in found if self._wanted(due, by_member[due.member_id], situation.now)]

    @staticmethod
    def _wanted(due: Due, recipient: Recipient, now: datetime) -> bool:
        if not recipient.reachable:
            return False
        muted = recipient.muted_until is not None and recipient.muted_until > now
        return not (due.routine and muted)

    def _candidates(self, situation: Situation, zone: ZoneInfo) -> Iterator[Due]:
        today = situation.now.astimezone(zone).date()
        yield from self._quarterly(situation, zone, today)
        yield from self._monthly(situation, zone, today)
        yield from self._deadline_ladder(situation, zone)
        yield from self._overdue(situation, zone)
        yield from self._task_deadlines(situation, zone)
        yield from self._anticorruption(situation, zone, today)
        yield from self._digest(situation, zone, today)

    def _at(self, day: date, moment: time, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)

    def _end_of(self, day: date, zone: ZoneInfo) -> datetime:
        return self._at(day + timedelta(days=1), time(0, 0), zone)

    def _quarterly(self, situation: Situation, zone: ZoneInfo, today: date) -> Iterator[Due]:
        period, _, last = quarter_bounds(today)
        nominal = last - timedelta(days=self.settings.quarterly_days_before)
        day = min(self.calendar.on_or_after(nominal), last)
        fire, expires = self._at(day, self.settings.send_at, zone), self._end_of(last, zone)
        quarter_end_month = today.month == last.month
        for recipient in situation.recipients:
            tasks = recipient.open_this_quarter
            if quarter_end_month:
                # The quarter's last month: its monthly tasks come with the quarter's prompt.
                extra = tuple(t for t in recipient.open_this_month if t not in tasks)
                tasks = tuple(sorted(tasks + extra, key=_code_order)) if extra else tasks
            if tasks:
                yield Due(recipient.member_id, "quarterly", period, fire, expires, tasks)

    def _monthly(self, situation: Situation, zone: ZoneInfo, today: date) -> Iterator[Due]:
        _, _, quarter_last = quarter_bounds(today)
        if today.month == quarter_last.month:
            return  # the quarterly prompt lists them
        last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        nominal = last - timedelta(days=self.settings.quarterly_days_before)
        day = min(self.calendar.on_or_after(nominal), last)
        fire, expires = self._at(day, self.settings.send_at, zone), self._end_of(last, zone)
        period = f"{today.year}-{today.month:02d}"
        for recipient in situation.recipients:
            if recipient.open_this_month:
                yield Due(
                    recipient.member_id, "monthly", period, fire, expires,
                    recipient.open_this_month,
                )  # fmt: skip

    def ladder_days(self, deadline: date) -> list[tuple[int, date]]:
        """The deadline ladder's rungs: (days before, the working day it goes on), in time
        order, one rung a day.
        """
        rungs: dict[date, int] = {}
        for days in self.settings.deadline_days_before:
            day = self.calendar.on_or_after(deadline - timedelta(days=days))
            if day >= deadline:
                day = self.calendar.on_or_before(deadline - timedelta(days=1))
            rungs[day] = min(days, rungs.get(day, days))
        return sorted((days, day) for day, days in rungs.items())[::-1]

    def _deadline_ladder(self, situation: Situation, zone: ZoneInfo) -> Iterator[Due]:
        holders = [(r.member_id, r.open_for_deadline) for r in situation.recipients]
        yield from self._ladder(situation.deadline, str(situation.plan_year), holders, zone)

    def _task_deadlines(self, situation: Situation, zone: ZoneInfo) -> Iterator[Due]:
        """The ladder and the overdue nudges of each day a task is due on its own."""
        recipients = situation.recipients
        for day in sorted({day for r in recipients for day, _ in r.open_by_due}):
            holders = [(r.member_id, dict(r.open_by_due).get(day, ())) for r in recipients]
            yield from self._ladder(day, day.isoformat(), holders, zone, own=True)
            yield from self._nudges(day, day.isoformat(), holders, zone, own=True)

    def _ladder(
        self,
        deadline: date,
        period: str,
        holders: list[tuple[int, tuple[TaskRef, ...]]],
        zone: ZoneInfo,
        own: bool = False,
    ) -> Iterator[Due]:
        """The rungs before ``deadline`` to each member with open tasks for it."""
        rungs = self.ladder_days(deadline)
        ends = [self._at(day, self.settings.send_at, zone) for _, day in rungs[1:]]
        ends.append(self._end_of(deadline, zone))
        for (days, day), expires in zip(rungs, ends, strict=True):
            fire = self._at(day, self.settings.send_at, zone)
            for member_id, tasks in holders:
                if tasks:
                    yield Due(
                        member_id, f"deadline-{days}", period, fire, expires, tasks,
                        days_left=(deadline - day).days, deadline=deadline if own else None,
                    )  # fmt: skip

    def _overdue(self, situation: Situation, zone: ZoneInfo) -> Iterator[Due]:
        days = self.calendar.working_days_after(
            situation.deadline, max(self.settings.overdue_nudges, 1)
        )
        period = str(situation.plan_year)
        fires = [self._at(day, self.settings.send_at, zone) for day in days]
        if situation.late_units:
            # The escalation goes once, on the first working day after the deadline.
            for recipient in situation.recipients:
                if recipient.role in (Role.CHAIRMAN, Role.OFFICE):
                    yield Due(
                        recipient.member_id, "escalation", period, fires[0],
                        fires[0] + timedelta(days=7),
                    )  # fmt: skip
        holders = [(r.member_id, r.open_for_deadline) for r in situation.recipients]
        yield from self._nudges(situation.deadline, period, holders, zone)

    def _nudges(
        self,
        deadline: date,
        period: str,
        holders: list[tuple[int, tuple[TaskRef, ...]]],
        zone: ZoneInfo,
        own: bool = False,
    ) -> Iterator[Due]:
        """The overdue nudges on the working days after ``deadline``, one a day."""
        if self.settings.overdue_nudges == 0:
            return
        days = self.calendar.working_days_after(deadline, self.settings.overdue_nudges)
        fires = [self._at(day, self.settings.send_at, zone) for day in days]
        ends = [*fires[1:], self._end_of(days[-1], zone)]
        for number, (fire, expires) in enumerate(zip(fires, ends, strict=True), start=1):
            for member_id, tasks in holders:
                if tasks:
                    yield Due(
                        member_id, f"overdue-{number}", period, fire, expires, tasks,
                        deadline=deadline if own else None,
                    )  # fmt: skip

    def _anticorruption(self, situation: Situation, zone: ZoneInfo, today: date) -> Iterator[Due]:
        period, _, last = quarter_bounds(today)
        nominal = last - timedelta(days=self.settings.anticorruption_days_before)
        day = min(self.calendar.on_or_after(nominal), last)
        fire, expires = self._at(day, self.settings.send_at, zone), self._end_of(last, zone)
        officers = [r for r in situation.recipients if r.anti_corruption]
        # No one holds the anti-corruption post in the bot yet: the office gets the prompt.
        officers = officers or [r for r in situation.recipients if r.role == Role.OFFICE]
        for recipient in officers:
            yield Due(
                recipient.member_id, "anticorruption", period, fire, expires,
                extra={
                    "quarter": period,
                    "last_day": last.isoformat(),
                    # /xuat is for the office and the chairman: others are told to ask.
                    "can_export": "yes" if recipient.role in (Role.OFFICE, Role.CHAIRMAN) else "",
                },
            )  # fmt: skip

    def _digest(self, situation: Situation, zone: ZoneInfo, today: date) -> Iterator[Due]:
        monday = today - timedelta(days=today.weekday())
        day = self.calendar.on_or_after(monday + timedelta(days=self.settings.digest_weekday))
        year, week, _ = monday.isocalendar()
        fire = self._at(day, self.settings.digest_at, zone)
        for recipient in situation.recipients:
            if recipient.role == Role.CHAIRMAN:
                yield Due(
                    recipient.member_id, "digest", f"{year}-W{week:02d}", fire,
                    self._end_of(day, zone),
                )  # fmt: skip


def _code_order(task: TaskRef) -> tuple[int, ...]:
    """Tasks in plan order: "1.2" before "1.10"."""
    return tuple(int(part) if part.isdigit() else 0 for part in task.code.split("."))


def in_quiet_hours(moment: datetime, timezone: str, start: time, end: time) -> bool:
    """Whether ``moment`` falls in the quiet hours (which may run over midnight)."""
    here = moment.astimezone(ZoneInfo(timezone)).time()
    return start <= here or here < end if start > end else start <= here < end


def quiet_hours_end(moment: datetime, timezone: str, end: time) -> datetime:
    """The next time the quiet hours end after ``moment``."""
    zone = ZoneInfo(timezone)
    here = moment.astimezone(zone)
    candidate = datetime.combine(here.date(), end, tzinfo=zone)
    if candidate <= here:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)
