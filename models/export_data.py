"""Everything the export files show, read from the database once.

:func:`gather_export` reads a plan, its reports and its people into plain data
(:class:`ExportData`); the writers (:mod:`models.export_xlsx`, :mod:`models.export_csv`,
:mod:`models.export_docx`) turn that into files without touching the database. Counts and
percents come from :mod:`models.summary`, so a file and /summary never disagree.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.accounts import accounts_of
from models.clock import local, quarter_label, quarter_of
from models.errors import DomainError
from models.plans import plan_areas, plan_tasks
from models.scope import TaskScope
from models.summary import PlanSummary, compute_summary, task_state
from models.tables import (
    Commune,
    Member,
    Plan,
    Report,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from models.textfold import fold
from models.wording import STATUS_LABELS

NOT_REPORTED = "Chưa báo cáo"
REVIEW_LABELS = {"accepted": "Đã duyệt", "returned": "Trả lại"}
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


@dataclass(frozen=True)
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
    # Every version reported in the period, oldest first.
    history: list[ExportReport]
    participation: list[Participation]

    @property
    def period_label(self) -> str:
        """The period in Vietnamese: "Quý IV/2026", or "Năm 2026"."""
        return quarter_label(self.period) if self.period else YEAR_LABEL.format(year=self.year)

    @property
    def has_reports(self) -> bool:
        """Whether anyone has reported on the plan at all."""
        return bool(self.latest)

    def latest_for(self, task: ExportTask) -> list[ExportReport]:
        """The latest report of every unit that reported on ``task``."""
        return [report for report in self.latest if report.task_id == task.id]

    def status_rows(self) -> list[StatusRow]:
        """The task × reporting unit table: one row per unit that reported on a task, and
        one row for each task nobody has reported on.
        """
        by_task: dict[int, list[ExportReport]] = {}
        for report in self.latest:
            by_task.setdefault(report.task_id, []).append(report)
        rows: list[StatusRow] = []
        for task in self.tasks:
            reports = by_task.get(task.id)
            if reports:
                rows.extend(StatusRow(task, report) for report in reports)
            else:
                rows.append(StatusRow(task, None))
        return rows


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
    period = check_period(period)
    timezone = commune.timezone
    areas = await plan_areas(session, plan)
    tasks = await plan_tasks(session, plan)
    task_ids = {task.id for task in tasks}
    links = [
        link
        for link in await session.exec(
            select(TaskUnit).where(TaskUnit.commune_id == commune.id).order_by(col(TaskUnit.id))
        )
        if link.task_id in task_ids
    ]
    units = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    members = list(await session.exec(select(Member).where(Member.commune_id == commune.id)))
    accounts = await accounts_of(session, [m.id for m in members if m.id is not None])
    linked = {member_id for member_id, found in accounts.items() if found}
    reports = list(
        await session.exec(
            select(Report)
            .where(Report.plan_id == plan.id)
            .order_by(col(Report.created_at), col(Report.id))
        )
    )
    latest_rows: dict[tuple[int, int], Report] = {}
    for report in reports:
        key = (report.task_id, report.unit_id)
        if key not in latest_rows or latest_rows[key].version < report.version:
            latest_rows[key] = report

    summary = compute_summary(
        plan=plan,
        areas=areas,
        tasks=tasks,
        links=links,
        units=units,
        latest=latest_rows,
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
    area_names = {area.id: area.name for area in areas}
    export_tasks = _tasks(tasks, links, unit_by_id, area_names, latest_rows)
    codes = {task.id: task.code for task in export_tasks}
    member_names = {member.id: member.name for member in members}

    def convert(report: Report) -> ExportReport:
        unit = unit_by_id.get(report.unit_id)
        return ExportReport(
            task_id=report.task_id,
            task_code=codes.get(report.task_id, "?"),
            unit_name=unit.name if unit else "?",
            unit_kind=unit.kind if unit else UnitKind.UNIT,
            member_name=member_names.get(report.member_id, "?"),
            entered_by_name=(
                member_names.get(report.entered_by_id, "?")
                if report.entered_by_id != report.member_id
                else None
            ),
            version=report.version,
            quarter=report.quarter,
            time=local(report.created_at, timezone),
            status=Status(report.status),
            percent=report.percent,
            note=report.note,
            evidence_kind=report.evidence_kind,
            review_status=report.review_status,
            review_comment=report.review_comment,
        )

    task_order = {task.id: n for n, task in enumerate(tasks)}
    unit_order = {u.id: (u.kind != UnitKind.UNIT, u.position, u.name) for u in units}
    latest = [
        convert(latest_rows[key])
        for key in sorted(latest_rows, key=lambda k: (task_order[k[0]], unit_order[k[1]]))
    ]
    in_period = [r for r in reports if period is None or r.quarter == period]
    return ExportData(
        commune_name=commune.name,
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
        history=[convert(report) for report in in_period],
        participation=_participation(
            units, members, linked, tasks, links, reports, in_period, timezone
        ),
    )


def _tasks(
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
                timeframe=task.timeframe,
                timeframe_text=task.timeframe_text,
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
    reports: Sequence[Report],
    in_period: Sequence[Report],
    timezone: str,
) -> list[Participation]:
    scope = TaskScope.of(tasks, links)
    rows = []
    # Hamlets first (they are what PAPI asks about), then the units, in plan order.
    for unit in sorted(units, key=lambda u: (u.kind != UnitKind.HAMLET, u.position, u.name)):
        own = [m for m in members if m.unit_id == unit.id]
        led = sum(1 for link in links if link.unit_id == unit.id and link.role == TaskRole.LEAD)
        coordinated = sum(
            1 for link in links if link.unit_id == unit.id and link.role != TaskRole.LEAD
        )
        answerable = len(scope.tasks_of(unit))
        if unit.kind == UnitKind.UNIT and not answerable and not own:
            continue
        times = [r.created_at for r in reports if r.unit_id == unit.id]
        rows.append(
            Participation(
                unit_name=unit.name,
                kind=unit.kind,
                members=tuple(sorted(m.name for m in own)),
                members_linked=sum(1 for m in own if m.id in linked),
                tasks_led=led,
                tasks_coordinated=coordinated,
                tasks_in_scope=answerable,
                tasks_reported=len({r.task_id for r in in_period if r.unit_id == unit.id}),
                last_report=local(max(times), timezone) if times else None,
            )
        )
    return rows
