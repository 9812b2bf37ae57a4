"""Everything the export files show, read from the database once.

:func:`gather_export` reads a plan, its reports and its people into plain data
(:class:`ExportData`); the writers (:mod:`models.export_xlsx`, :mod:`models.export_csv`,
:mod:`models.export_docx`) turn that into files without touching the database. Counts and
percents come from :mod:`models.summary`, so a file and /summary never disagree.
"""

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sql_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.accounts import accounts_of
from models.clock import as_utc, local, quarter_label, quarter_of
from models.commune_profile import Profile, read_profile
from models.db import SessionFactory, read_transaction
from models.errors import DomainError
from models.plans import plan_areas, plan_tasks
from models.scope import TaskScope
from models.summary import PlanSummary, compute_summary, task_state
from models.tables import (
    Area,
    Commune,
    Member,
    Plan,
    Report,
    Role,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from models.textfold import fold
from models.wording import STATUS_LABELS, in_plan_year

NOT_REPORTED = "Chưa báo cáo"
REVIEW_LABELS = {"accepted": "Đã duyệt", "returned": "Trả lại"}
# Not reviewed: the latest version waits for the office; an older one never will.
REVIEW_WAITING = "Chờ duyệt"
REVIEW_SUPERSEDED = "Có lần sau"
EVIDENCE_LABELS = {"photo": "Ảnh", "document": "Tệp", "location": "Vị trí"}
UNIT_KIND_LABELS: dict[str, str] = {UnitKind.UNIT: "Đơn vị", UnitKind.HAMLET: "Ấp"}
YEAR_LABEL = "Năm {year}"

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class ExportArea:
    """One area of the plan with its task counts and percent done."""

    number: int
    name: str
    total: int
    done: int
    in_progress: int
    blocked: int
    not_started: int
    not_reported: int
    percent: int


@dataclass(frozen=True)
class ExportTask:
    """One task as the plan states it, with its state from the latest reports."""

    id: int
    code: str
    area_number: int
    area_name: str
    text: str
    result: str
    timeframe: str
    timeframe_text: str
    lead_text: str
    coordinating_text: str
    lead_units: tuple[str, ...]
    coordinating_units: tuple[str, ...]
    involves_hamlets: bool
    status: Status | None
    percent: int
    # The plan's "Chỉ tiêu" cell ("" when the plan has no targets column).
    target: str = ""


@dataclass(frozen=True, slots=True)
class ExportReport:
    """One version of one unit's report on one task."""

    task_id: int
    task_code: str
    unit_name: str
    unit_kind: str
    member_name: str
    # Who typed it in, when someone else did (the office entering a phoned-in report).
    entered_by_name: str | None
    version: int
    quarter: str
    time: datetime  # in the commune's timezone
    status: Status
    percent: int
    note: str
    evidence_kind: str | None
    review_status: str | None
    review_comment: str | None

    @property
    def status_label(self) -> str:
        """The status in Vietnamese."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Participation:
    """How far one unit or hamlet takes part in reporting."""

    unit_name: str
    kind: str
    members: tuple[str, ...]
    members_linked: int  # members who opened their invite (the bot can reach them)
    tasks_led: int
    tasks_coordinated: int
    tasks_in_scope: int
    tasks_reported: int  # distinct tasks reported on in the period
    last_report: datetime | None  # in the commune's timezone, any period


@dataclass(frozen=True)
class StatusRow:
    """One row of the task × reporting unit table; ``report`` is None for a task nobody
    has reported on yet.
    """

    task: ExportTask
    report: ExportReport | None

    @property
    def status_label(self) -> str:
        """The unit's latest status in Vietnamese, or "Chưa báo cáo"."""
        return self.report.status_label if self.report else NOT_REPORTED


@dataclass(frozen=True)
class ExportData:
    """What the export files show: a plan as it stands when the file is made."""

    commune_name: str
    timezone: str
    plan_number: str
    plan_title: str
    year: int
    source_year: int | None
    issued: date | None
    report_deadline: date
    generated: datetime  # in the commune's timezone
    # A quarter such as "2026Q4", or None for the whole plan year.
    period: str | None
    summary: PlanSummary
    areas: list[ExportArea]
    tasks: list[ExportTask]
    # Each unit's latest report on each task, in plan order then unit order.
    latest: list[ExportReport]
    # Every version reported in the period, oldest first (made as it is read: see
    # ReportVersions).
    history: Sequence[ExportReport]
    participation: list[Participation]
    # The chairman who signs the Word reports ("" when the commune has none on the bot).
    signer: str = ""
    # What the Word reports say about the commune (None: the defaults for its name).
    profile: Profile | None = None

    @property
    def period_label(self) -> str:
        """The period in Vietnamese: "Quý IV/2026", or "Năm 2026"."""
        return quarter_label(self.period) if self.period else YEAR_LABEL.format(year=self.year)

    @property
    def has_reports(self) -> bool:
        """Whether anyone has reported on the plan at all."""
        return bool(self.latest)

    def is_latest(self, report: ExportReport) -> bool:
        """Whether ``report`` is its unit's latest version of its task."""
        return self._latest_versions.get((report.task_id, report.unit_name)) == report.version

    @cached_property
    def _latest_versions(self) -> dict[tuple[int, str], int]:
        return {(r.task_id, r.unit_name): r.version for r in self.latest}

    def latest_for(self, task: ExportTask) -> list[ExportReport]:
        """The latest report of every unit that reported on ``task``."""
        return list(self._latest_by_task.get(task.id, ()))

    @cached_property
    def _latest_by_task(self) -> dict[int, list[ExportReport]]:
        by_task: dict[int, list[ExportReport]] = {}
        for report in self.latest:
            by_task.setdefault(report.task_id, []).append(report)
        return by_task

    def status_rows(self) -> list[StatusRow]:
        """The task × reporting unit table: one row per unit that reported on a task, and
        one row for each task nobody has reported on.
        """
        by_task = self._latest_by_task
        rows: list[StatusRow] = []
        for task in self.tasks:
            reports = by_task.get(task.id)
            if reports:
                rows.extend(StatusRow(task, report) for report in reports)
            else:
                rows.append(StatusRow(task, None))
        return rows


def review_label(report: ExportReport, data: ExportData) -> str:
    """Where ``report`` stands in the office's review, in Vietnamese."""
    if report.review_status:
        return REVIEW_LABELS.get(report.review_status, "")
    return REVIEW_WAITING if data.is_latest(report) else REVIEW_SUPERSEDED


def check_period(period: str | None) -> str | None:
    """Check a period: a quarter written like ``"2026Q4"``, or None for the whole year.

    Raises:
        DomainError: ``bad_period`` when it is neither.
    """
    if period is None:
        return None
    period = period.strip().upper()
    if not _PERIOD.match(period):
        raise DomainError("bad_period", period)
    return period


def is_anti_corruption_area(area: ExportArea) -> bool:
    """Whether ``area`` is PAPI's "Kiểm soát tham nhũng trong khu vực công"."""
    return "tham nhung" in fold(area.name)


# The columns of a report that the files show, read as plain rows (not ORM objects: a plan
# may hold hundreds of thousands of versions).
_REPORT_COLUMNS = (
    col(Report.id),
    col(Report.task_id),
    col(Report.unit_id),
    col(Report.member_id),
    col(Report.entered_by_id),
    col(Report.version),
    col(Report.quarter),
    col(Report.created_at),
    col(Report.status),
    col(Report.percent),
    col(Report.note),
    col(Report.evidence_kind),
    col(Report.review_status),
    col(Report.review_comment),
)
ReportRow = tuple[
    int, int, int, int, int, int, str, datetime, str, int, str, str | None, str | None, str | None
]
# Reports read per query (and, reading with a session factory, per short transaction).
REPORT_CHUNK = 5_000


class ReportVersions(Sequence[ExportReport]):
    """A plan's report versions as :class:`ExportReport` values, each made when it is read.

    A plan of 200k versions would otherwise hold 200k report values and their local times
    (about 40 MB) beside the rows they are made from, for a file that reads each once.
    """

    def __init__(self, rows: list[ReportRow], convert: Callable[[ReportRow], ExportReport]):
        self.rows = rows
        self._convert = convert

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ExportReport]:
        return map(self._convert, self.rows)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._convert(row) for row in self.rows[index]]
        return self._convert(self.rows[index])


@dataclass(frozen=True)
class ExportSource:
    """Everything an export is made from, as read from the database: plain rows, shaped
    into :class:`ExportData` by :func:`build_export` (which needs no database, so it can
    run in a worker thread).
    """

    commune_name: str
    timezone: str
    plan: Plan
    now: datetime
    period: str | None
    areas: list[Area]
    tasks: list[Task]
    links: list[TaskUnit]
    units: list[Unit]
    members: list[Member]
    linked: set[int]
    # Every version reported on the plan, in no particular order.
    reports: list[ReportRow]
    profile: Profile | None = None


async def gather_export(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    now: datetime,
    period: str | None = None,
) -> ExportData:
    """Read what the export files show about ``plan`` at ``now``.

    Args:
        session: the open session.
        commune: the plan's commune (its timezone dates everything).
        plan: the plan to export.
        now: when the file is made (UTC).
        period: a quarter such as ``"2026Q4"``: the report history and "tasks reported in
            the period" cover only that quarter. None covers the whole plan. The latest
            state of each task is always the latest overall.

    Raises:
        DomainError: ``bad_period`` when ``period`` is not a quarter.
    """
    return build_export(await read_export(session, commune, plan, now, period))


async def read_export(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    now: datetime,
    period: str | None = None,
) -> ExportSource:
    """Read the rows an export of ``plan`` is made from, in ``session`` (see
    :func:`gather_export` for the arguments).
    """
    period = check_period(period)
    source = await _read_plan(session, commune, plan, now, period)
    after = 0
    while True:
        chunk = await _read_reports(session, plan, after, None)
        source.reports.extend(chunk)
        if len(chunk) < REPORT_CHUNK:
            return source
        after = chunk[-1][0]


async def read_export_briefly(
    sessions: SessionFactory,
    commune_id: int,
    plan_id: int,
    now: datetime,
    period: str | None = None,
) -> ExportSource:
    """Read the rows an export is made from in short transactions of their own: the plan
    and its people in one, then the reports ``REPORT_CHUNK`` at a time, up to the last
    report there was in the first. No transaction holds the database (on SQLite, its one
    writer) for the whole read, and the event loop gets its turn between chunks.

    Reports are only ever added (a review updates one in place): the file shows the
    reports as they stood when it began, each with its review as read.

    Raises:
        DomainError: ``bad_period``; ``no_plan`` when the plan or commune is gone.
    """
    period = check_period(period)
    async with read_transaction(sessions) as session:
        commune = await session.get(Commune, commune_id)
        plan = await session.get(Plan, plan_id)
        if commune is None or plan is None:
            raise DomainError("no_plan", str(plan_id))
        source = await _read_plan(session, commune, plan, now, period)
        last = (
            await session.exec(select(func.max(Report.id)).where(Report.plan_id == plan_id))
        ).one()
    after = 0
    while last is not None and after < last:
        async with read_transaction(sessions) as session:
            chunk = await _read_reports(session, plan, after, last)
        source.reports.extend(chunk)
        if len(chunk) < REPORT_CHUNK:
            break
        after = chunk[-1][0]
    return source


async def _read_plan(
    session: AsyncSession, commune: Commune, plan: Plan, now: datetime, period: str | None
) -> ExportSource:
    """The plan, its areas, tasks and units, and the commune's people (no reports yet)."""
    areas = await plan_areas(session, plan)
    tasks = await plan_tasks(session, plan)
    links = list(
        await session.exec(
            select(TaskUnit)
            .join(Task, col(Task.id) == col(TaskUnit.task_id))
            .where(Task.plan_id == plan.id)
            .order_by(col(TaskUnit.id))
        )
    )
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    members = list(await session.exec(select(Member).where(Member.commune_id == commune.id)))
    accounts = await accounts_of(session, [m.id for m in members if m.id is not None])
    linked = {member_id for member_id, found in accounts.items() if found}
    return ExportSource(
        commune_name=commune.name,
        timezone=commune.timezone,
        plan=plan,
        now=now,
        period=period,
        areas=areas,
        tasks=tasks,
        links=links,
        units=units,
        members=members,
        linked=linked,
        reports=[],
        profile=await read_profile(session, commune),
    )


async def _read_reports(
    session: AsyncSession, plan: Plan, after: int, last: int | None
) -> list[ReportRow]:
    """Up to ``REPORT_CHUNK`` reports of ``plan`` with ids above ``after`` (and at most
    ``last``), by id.
    """
    statement = (
        sql_select(*_REPORT_COLUMNS)
        .where(col(Report.plan_id) == plan.id, col(Report.id) > after)
        .order_by(col(Report.id))
        .limit(REPORT_CHUNK)
    )
    if last is not None:
        statement = statement.where(col(Report.id) <= last)
    result = await session.exec(statement)  # type: ignore[call-overload]
    # The quarter, status, evidence and review of a row are one of a few words: each row
    # refers to one copy of each, not a copy of its own (a big plan's rows take half the
    # memory).
    same = _SAME_WORDS
    return [
        (report_id, task_id, unit_id, member_id, entered_by_id, version,
         same.setdefault(quarter, quarter), created_at, same.setdefault(status, status),
         percent, note, evidence_kind and same.setdefault(evidence_kind, evidence_kind),
         review_status and same.setdefault(review_status, review_status), review_comment)
        for (report_id, task_id, unit_id, member_id, entered_by_id, version, quarter,
             created_at, status, percent, note, evidence_kind, review_status,
             review_comment) in result
    ]  # fmt: skip


# The few words report rows repeat (statuses, quarters…), one copy of each.
_SAME_WORDS: dict[str, str] = {}


def build_export(source: ExportSource) -> ExportData:
    """Shape what :func:`read_export` read into the export's data. Pure (no database): a
    big plan's takes a while, so it may run in a worker thread.
    """
    plan, tasks, units, links = source.plan, source.tasks, source.units, source.links
    timezone, period, now = source.timezone, source.period, source.now
    zone = ZoneInfo(timezone)
    reports = _oldest_first(source.reports)
    latest_rows: dict[tuple[int, int], ReportRow] = {}
    for row in reports:
        key = (row[1], row[2])
        known = latest_rows.get(key)
        if known is None or known[5] < row[5]:
            latest_rows[key] = row
    latest_reports = {key: _report(row, plan) for key, row in latest_rows.items()}

    summary = compute_summary(
        plan=plan,
        areas=source.areas,
        tasks=tasks,
        links=links,
        units=units,
        latest=latest_reports,
        quarter=period or quarter_of(now, timezone),
        as_of=local(now, timezone),
    )
    # The summary's own area rows: the same counts and percents as /tonghop shows.
    export_areas = [
        ExportArea(
            number=counts.number,
            name=counts.name,
            total=counts.total,
            done=counts.done,
            in_progress=counts.in_progress,
            blocked=counts.blocked,
            not_started=counts.not_started,
            not_reported=counts.not_reported,
            percent=counts.percent,
        )
        for counts in summary.areas
    ]

    unit_by_id = {unit.id: unit for unit in units}
    area_names = {area.id: area.name for area in source.areas}
    export_tasks = _tasks(plan, tasks, links, unit_by_id, area_names, latest_reports)
    codes = {task.id: task.code for task in export_tasks}
    member_names = {member.id: member.name for member in source.members}
    statuses = {status.value: status for status in Status}
    unit_facts = {
        unit_id: (unit.name, unit.kind) for unit_id, unit in unit_by_id.items() if unit_id
    }

    def convert(row: ReportRow) -> ExportReport:
        (_, task_id, unit_id, member_id, entered_by_id, version, quarter, created_at,
         status, percent, note, evidence_kind, review_status, review_comment) = row  # fmt: skip
        unit_name, unit_kind = unit_facts.get(unit_id, ("?", UnitKind.UNIT))
        return ExportReport(
            task_id=task_id,
            task_code=codes.get(task_id, "?"),
            unit_name=unit_name,
            unit_kind=unit_kind,
            member_name=member_names.get(member_id, "?"),
            entered_by_name=(
                member_names.get(entered_by_id, "?") if entered_by_id != member_id else None
            ),
            version=version,
            quarter=quarter,
            # Stored in UTC (SQLite hands it back naive).
            time=(
                created_at if created_at.tzinfo is not None else created_at.replace(tzinfo=UTC)
            ).astimezone(zone),
            status=statuses[status],
            percent=percent,
            note=note,
            evidence_kind=evidence_kind,
            review_status=review_status,
            review_comment=review_comment,
        )

    task_order = {task.id: n for n, task in enumerate(tasks)}
    unit_order = {u.id: (u.kind != UnitKind.UNIT, u.position, u.name) for u in units}
    latest = [
        convert(latest_rows[key])
        for key in sorted(latest_rows, key=lambda k: (task_order[k[0]], unit_order[k[1]]))
    ]
    in_period = [r for r in reports if period is None or r[6] == period]
    return ExportData(
        commune_name=source.commune_name,
        timezone=timezone,
        plan_number=plan.number,
        plan_title=plan.title,
        year=plan.year,
        source_year=plan.source_year,
        issued=plan.issued,
        report_deadline=plan.report_deadline,
        generated=local(now, timezone),
        period=period,
        summary=summary,
        areas=export_areas,
        tasks=export_tasks,
        latest=latest,
        history=ReportVersions(in_period, convert),
        participation=_participation(
            units, source.members, source.linked, tasks, links, reports, in_period, zone
        ),
        signer=_chairman(source.members),
        profile=source.profile,
    )


def _chairman(members: Sequence[Member]) -> str:
    """The chairman's name, to sign under: the one added last when there are several."""
    chairmen = [m for m in members if m.role == Role.CHAIRMAN]
    return max(chairmen, key=lambda m: (m.created_at, m.id or 0)).name if chairmen else ""


# Rows sorted at a time (see _oldest_first).
_SORT_RUN = 5_000


def _oldest_first(rows: list[ReportRow]) -> list[ReportRow]:
    """``rows`` by time, then id, as the history shows them. Sorted a slice at a time and
    merged: one sort of a big plan's rows would hold the interpreter, so the event loop,
    for a tenth of a second.
    """
    key = itemgetter(7, 0)
    runs = [sorted(rows[n : n + _SORT_RUN], key=key) for n in range(0, len(rows), _SORT_RUN)]
    if len(runs) < 2:
        return runs[0] if runs else []
    return list(heapq.merge(*runs, key=key))


def _report(row: ReportRow, plan: Plan) -> Report:
    """A latest report as the summary reads it (not attached to any session)."""
    (report_id, task_id, unit_id, member_id, entered_by_id, version, quarter, created_at,
     status, percent, note, evidence_kind, review_status, review_comment) = row  # fmt: skip
    return Report(
        id=report_id, commune_id=plan.commune_id, plan_id=plan.id or 0, task_id=task_id,
        unit_id=unit_id, member_id=member_id, entered_by_id=entered_by_id, version=version,
        quarter=quarter, created_at=created_at, status=status, percent=percent, note=note,
        evidence_kind=evidence_kind, review_status=review_status,
        review_comment=review_comment,
    )  # fmt: skip


def _tasks(
    plan: Plan,
    tasks: Sequence[Task],
    links: Sequence[TaskUnit],
    unit_by_id: dict[int | None, Unit],
    area_names: dict[int | None, str],
    latest: dict[tuple[int, int], Report],
) -> list[ExportTask]:
    leads: dict[int, list[int]] = {}
    coordinating: dict[int, list[int]] = {}
    for link in links:
        target = leads if link.role == TaskRole.LEAD else coordinating
        target.setdefault(link.task_id, []).append(link.unit_id)
    by_task: dict[int, dict[int, Report]] = {}
    for (task_id, unit_id), report in latest.items():
        by_task.setdefault(task_id, {})[unit_id] = report

    def names(unit_ids: list[int]) -> tuple[str, ...]:
        # In the order the plan's cell names them.
        return tuple(unit_by_id[u].name for u in unit_ids if u in unit_by_id)

    result = []
    for task in tasks:
        assert task.id is not None
        state = task_state(leads.get(task.id, []), by_task.get(task.id, {}))
        result.append(
            ExportTask(
                id=task.id,
                code=task.code,
                area_number=task.area_number,
                area_name=area_names.get(task.area_id, ""),
                text=task.text,
                result=task.result,
                target=task.target,
                timeframe=task.timeframe,
                timeframe_text=in_plan_year(task.timeframe_text, plan.source_year, plan.year),
                lead_text=task.lead_text,
                coordinating_text=task.coordinating_text,
                lead_units=names(leads.get(task.id, [])),
                coordinating_units=names(coordinating.get(task.id, [])),
                involves_hamlets=task.involves_hamlets,
                status=state.status,
                percent=round(state.percent),
            )
        )
    return result


def _participation(
    units: Sequence[Unit],
    members: Sequence[Member],
    linked: set[int],
    tasks: Sequence[Task],
    links: Sequence[TaskUnit],
    reports: Sequence[ReportRow],
    in_period: Sequence[ReportRow],
    zone: ZoneInfo,
) -> list[Participation]:
    scope = TaskScope.of(tasks, links)
    # Each table read once, grouped by unit.
    own_members: dict[int | None, list[Member]] = {}
    for member in members:
        own_members.setdefault(member.unit_id, []).append(member)
    led: Counter[int] = Counter()
    coordinated: Counter[int] = Counter()
    for link in links:
        (led if link.role == TaskRole.LEAD else coordinated)[link.unit_id] += 1
    # The times as stored: all naive (SQLite) or all aware, so they compare as they are.
    last_time: dict[int, datetime] = {}
    for row in reports:
        unit_id, created_at = row[2], row[7]
        if unit_id not in last_time or last_time[unit_id] < created_at:
            last_time[unit_id] = created_at
    reported: dict[int, set[int]] = {}
    for row in in_period:
        reported.setdefault(row[2], set()).add(row[1])
    rows = []
    # Hamlets first (they are what PAPI asks about), then the units, in plan order.
    for unit in sorted(units, key=lambda u: (u.kind != UnitKind.HAMLET, u.position, u.name)):
        unit_id = unit.id or 0
        own = own_members.get(unit.id, [])
        answerable = len(scope.tasks_of(unit))
        if unit.kind == UnitKind.UNIT and not answerable and not own:
            continue
        last = last_time.get(unit_id)
        rows.append(
            Participation(
                unit_name=unit.name,
                kind=unit.kind,
                members=tuple(sorted(m.name for m in own)),
                members_linked=sum(1 for m in own if m.id in linked),
                tasks_led=led[unit_id],
                tasks_coordinated=coordinated[unit_id],
                tasks_in_scope=answerable,
                tasks_reported=len(reported.get(unit_id, ())),
                last_report=as_utc(last).astimezone(zone) if last is not None else None,
            )
        )
    return rows
