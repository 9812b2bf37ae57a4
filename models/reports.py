"""Progress reports: who may report on what, recording a report, the latest state."""

import functools
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, bindparam, literal_column, true
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import Actor, record_change, snapshot
from models.clock import quarter_of
from models.errors import DomainError
from models.plans import plan_tasks
from models.scope import answers_for
from models.tables import (
    Member,
    Plan,
    Report,
    ReportEvidence,
    Role,
    Status,
    Task,
    TaskUnit,
    Timeframe,
    Unit,
    UnitKind,
)

MAX_NOTE_LENGTH = 1000
# Format characters (zero-width space, joiners, BOM, direction marks) show as nothing.
_INVISIBLE = {"Cf", "Zs", "Zl", "Zp", "Cc"}
REPORTING_ROLES = frozenset({Role.OFFICER, Role.HAMLET_HEAD, Role.OFFICE})


@dataclass(frozen=True)
class Evidence:
    """What a reporter attached: a photo or document (Telegram file id, with a downloaded
    copy and its hash when the download worked) or a location (as text).
    """

    kind: str
    file_id: str | None = None
    path: str | None = None
    sha256: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class ReportInput:
    """A report as a person states it, before it is checked."""

    status: Status
    percent: int
    note: str = ""
    evidence: Evidence | None = None
    # The items after the first (a second photo, the rest of an album).
    more_evidence: tuple[Evidence, ...] = ()


def status_for_percent(percent: int) -> Status:
    """The status a bare percent implies (used by the one-line form)."""
    if percent >= 100:
        return Status.DONE
    return Status.NOT_STARTED if percent <= 0 else Status.IN_PROGRESS


_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a stand-in never joined: it is never saved


def unit_stand_in(unit: Unit) -> Member:
    """A member that stands for ``unit`` when nobody of it is on the bot (most hamlet heads
    phone the office): the scope rules read its unit and role. It is never saved; a report
    made for it is recorded by the office member who entered it (see :func:`record_report`).
    """
    role = Role.HAMLET_HEAD if unit.kind == UnitKind.HAMLET else Role.OFFICER
    return Member(
        id=None, commune_id=unit.commune_id, name=unit.name, role=role, unit_id=unit.id,
        created_at=_NEVER,
    )  # fmt: skip


async def member_unit(session: AsyncSession, member: Member) -> Unit | None:
    """The unit or hamlet a member reports for."""
    return await session.get(Unit, member.unit_id) if member.unit_id else None


async def tasks_in_scope(session: AsyncSession, member: Member, plan: Plan) -> list[Task]:
    """The tasks ``member`` may report on, in plan order: those their unit leads or
    coordinates; for hamlet heads, those that involve the hamlets or name their hamlet.
    """
    unit = await member_unit(session, member)
    if member.role not in REPORTING_ROLES or unit is None:
        return []
    statement = (
        select(Task)
        .join(TaskUnit, col(TaskUnit.task_id) == col(Task.id))
        .where(Task.plan_id == plan.id, TaskUnit.unit_id == unit.id)
        .order_by(col(Task.area_number), col(Task.position))
    )
    linked = list(await session.exec(statement))
    if unit.kind == UnitKind.HAMLET:
        # Every hamlet's tasks, and those the plan names this hamlet for (models.scope).
        named = {task.id for task in linked}
        tasks = await plan_tasks(session, plan)
        return [task for task in tasks if task.involves_hamlets or task.id in named]
    return linked


async def can_report(session: AsyncSession, member: Member, task: Task) -> bool:
    """Whether ``member`` may report on ``task`` (checked again on every write: a button's
    data comes from the phone and can be forged).
    """
    unit = await member_unit(session, member)
    if member.role not in REPORTING_ROLES or unit is None or task.commune_id != member.commune_id:
        return False
    linked = False
    if unit.kind != UnitKind.HAMLET:  # a hamlet's scope needs no lookup
        statement = select(TaskUnit).where(
            TaskUnit.task_id == task.id, TaskUnit.unit_id == unit.id
        )
        linked = (await session.exec(statement)).first() is not None
    return answers_for(unit, task, linked)


def clean_note(text: str | None) -> str:
    """A note as it is kept: NFC, without the spaces and invisible characters around it.

    One rule for every way a note comes in (the guided flow, the one-line form, a review
    comment): a note of spaces or zero-width characters only is blank.
    """
    text = unicodedata.normalize("NFC", text or "")
    if all(_blank(ch) for ch in text):
        return ""
    start, end = 0, len(text)
    while _blank(text[start]):
        start += 1
    while _blank(text[end - 1]):
        end -= 1
    return text[start:end]


def _blank(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in _INVISIBLE


def check_input(report: ReportInput) -> ReportInput:
    """Check a report's values; a done task is at 100%, a not-started one at 0%; a blocked
    task needs a note saying what blocks it.

    A task in progress or blocked is not finished: at 100% it contradicts itself (the Word
    report would print "gặp khó khăn, 100%"), so it is refused, not saved.

    Raises:
        DomainError: ``bad_percent``, ``unfinished_at_100``, ``note_too_long`` or
            ``note_required``.
    """
    if not 0 <= report.percent <= 100:
        raise DomainError("bad_percent", str(report.percent))
    if report.status in (Status.IN_PROGRESS, Status.BLOCKED) and report.percent >= 100:
        raise DomainError("unfinished_at_100", report.status)
    note = clean_note(report.note)
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError("note_too_long", str(len(note)))
    if report.status == Status.BLOCKED and not note:
        raise DomainError("note_required")
    percent = {Status.DONE: 100, Status.NOT_STARTED: 0}.get(report.status, report.percent)
    return ReportInput(report.status, percent, note, report.evidence, report.more_evidence)


def _evidence_row(report: Report, position: int, item: Evidence) -> ReportEvidence:
    assert report.id is not None
    return ReportEvidence(
        commune_id=report.commune_id,
        report_id=report.id,
        position=position,
        kind=item.kind,
        file_id=item.file_id,
        path=item.path,
        sha256=item.sha256,
        text=item.text,
    )


async def record_report(
    session: AsyncSession,
    *,
    member: Member,
    task: Task,
    report: ReportInput,
    now: datetime,
    timezone: str,
    entered_by: Member | None = None,
) -> Report:
    """Append a report on ``task`` for ``member``'s unit, as the next version.

    Args:
        session: the open session.
        member: who the report is for (their unit is the reporting unit); a
            :func:`unit_stand_in` for a unit with nobody on the bot.
        task: the task reported on.
        report: what the member states.
        now: when (UTC); the quarter follows from it in ``timezone``.
        timezone: the commune's timezone.
        entered_by: who typed it in, when not the member themself (required for a
            stand-in: the report is then that person's, for the stand-in's unit).

    Raises:
        DomainError: ``out_of_scope``, ``bad_percent``, ``note_too_long``, ``note_required``.
    """
    if not await can_report(session, member, task):
        raise DomainError("out_of_scope", task.code)
    report = check_input(report)
    typist = entered_by or member
    unit_id = member.unit_id
    # A unit's stand-in (nobody of the unit on the bot): the report is the typist's, for
    # that unit.
    author = member if member.id is not None else typist
    assert author.id is not None and typist.id is not None
    assert unit_id is not None and task.id is not None
    evidence = report.evidence or Evidence(kind="")
    for _attempt in range(3):
        version = await _next_version(session, task.id, unit_id)
        row = Report(
            commune_id=author.commune_id,
            plan_id=task.plan_id,
            task_id=task.id,
            unit_id=unit_id,
            member_id=author.id,
            entered_by_id=typist.id,
            version=version,
            quarter=quarter_of(now, timezone),
            created_at=now,
            status=report.status,
            percent=report.percent,
            note=report.note,
            evidence_kind=evidence.kind or None,
            evidence_file_id=evidence.file_id,
            evidence_path=evidence.path,
            evidence_sha256=evidence.sha256,
            evidence_text=evidence.text,
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another report on the same task and unit took this version; take the next.
            continue
        items = [report.evidence, *report.more_evidence] if report.evidence else []
        for position, item in enumerate(items, start=1):
            session.add(_evidence_row(row, position, item))
        await _audit_report(session, row, typist, proxy=typist.id != member.id, now=now)
        return row
    raise DomainError("busy")


async def _audit_report(
    session: AsyncSession, row: Report, typist: Member, *, proxy: bool, now: datetime
) -> None:
    """Every report is in the audit log; one entered for someone else (or for a unit with
    nobody on the bot) says who typed it.
    """
    await record_change(
        session, actor=Actor.of(typist), action="report.proxy" if proxy else "report.create",
        object_type="report", object_id=row.id, at=now, commune_id=row.commune_id,
        after=snapshot(row, _REPORT_FIELDS),
    )  # fmt: skip


_REPORT_FIELDS = (
    "task_id", "unit_id", "member_id", "entered_by_id", "version", "quarter",
    "status", "percent", "note", "evidence_kind", "evidence_sha256",
)  # fmt: skip


async def _next_version(session: AsyncSession, task_id: int, unit_id: int) -> int:
    statement = select(func.max(Report.version)).where(
        Report.task_id == task_id, Report.unit_id == unit_id
    )
    latest = (await session.exec(statement)).one()
    return (latest or 0) + 1


@dataclass(frozen=True, slots=True)
class ReportState:
    """What a summary or a reminder reads of a latest report (no evidence, no review
    details, no times).
    """

    task_id: int
    unit_id: int
    version: int
    status: str
    percent: int
    note: str
    quarter: str
    review_status: str | None


# A latest report as the rules read it: the whole row, or its state only.
LatestReport = Report | ReportState


async def latest_reports(
    session: AsyncSession,
    plan: Plan,
    until: datetime | None = None,
    *,
    unit_ids: Collection[int] | None = None,
    task_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], Report]:
    """The latest version of every (task, unit) report in ``plan`` (made before ``until``).

    Args:
        session: the open session.
        plan: the plan.
        until: ignore reports made at or after this moment (a past quarter's view).
        unit_ids: only these units' and hamlets' reports (one unit's views read only its
            own rows); None: every unit of the plan's commune.
        task_ids: only reports on these tasks; None: every task of the plan.

    The cost does not grow with the reports stored: each (task, unit) pair asked for is
    one probe of the index ``ix_report_latest`` (plan, task, unit, version) from its high
    end, however many versions lie below. With ``until``, the probe steps down past the
    versions made after it.
    """
    if _nothing_asked(unit_ids, task_ids):
        return {}
    statement = _latest_statement(_shape(session, True, until, unit_ids, task_ids))
    rows = await session.exec(statement, params=_params(plan, until, unit_ids, task_ids))
    return {(r.task_id, r.unit_id): r for r in rows}


async def latest_of_unit(
    session: AsyncSession, plan: Plan, unit_id: int, task_ids: Collection[int] | None = None
) -> dict[int, Report]:
    """One unit's latest report on each task of ``plan`` (or of ``task_ids``), by task;
    only that unit's rows are read.
    """
    found = await latest_reports(session, plan, unit_ids=[unit_id], task_ids=task_ids)
    return {task_id: report for (task_id, _unit), report in found.items()}


async def latest_states(
    session: AsyncSession,
    plan: Plan,
    until: datetime | None = None,
    *,
    unit_ids: Collection[int] | None = None,
    task_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], ReportState]:
    """:func:`latest_reports`, reading only the columns summaries and reminders need (no
    whole rows: many hundreds of them cost more to build than to find).
    """
    if _nothing_asked(unit_ids, task_ids):
        return {}
    statement = _latest_statement(_shape(session, False, until, unit_ids, task_ids))
    await session.flush()  # what the session holds unsaved counts, as with session.exec
    connection = await session.connection()
    rows = await connection.execute(statement, _params(plan, until, unit_ids, task_ids))
    return {(row[0], row[1]): ReportState(*row) for row in rows}


def _nothing_asked(unit_ids: Collection[int] | None, task_ids: Collection[int] | None) -> bool:
    return (unit_ids is not None and not unit_ids) or (task_ids is not None and not task_ids)


def _shape(
    session: AsyncSession,
    rows: bool,
    until: datetime | None,
    unit_ids: Collection[int] | None,
    task_ids: Collection[int] | None,
) -> "_Shape":
    dialect = session.get_bind().dialect.name
    return _Shape(dialect, rows, until is not None, unit_ids is not None, task_ids is not None)


def _params(
    plan: Plan,
    until: datetime | None,
    unit_ids: Collection[int] | None,
    task_ids: Collection[int] | None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"plan_id": plan.id}
    if until is not None:
        params["until"] = until
    if unit_ids is not None:
        params["unit_ids"] = sorted(unit_ids)
    if task_ids is not None:
        params["task_ids"] = sorted(task_ids)
    return params


@dataclass(frozen=True)
class _Shape:
    """Which latest-report statement: for which database, whole rows or states, and
    which filters it takes.
    """

    dialect: str
    rows: bool
    until: bool
    units: bool
    tasks: bool


_STATE_FIELDS = (
    "task_id", "unit_id", "version", "status", "percent", "note", "quarter", "review_status",
)  # fmt: skip


@functools.cache
def _latest_statement(shape: _Shape) -> Any:
    """The latest-report statement of a shape, built once (its values are parameters).

    The (task, unit) pairs are the plan's tasks times its commune's units (or those asked
    for); for each, the newest version is one backward probe of ``ix_report_latest``:
    - PostgreSQL: a LATERAL subquery (ORDER BY version DESC LIMIT 1) per pair;
    - SQLite (which has no LATERAL): the report whose id is that probe's answer, a
      correlated scalar subquery per pair, then a rowid lookup.
    A pair without a report yields no row.
    """
    probe = aliased(Report, name="probe")
    pair = [
        col(probe.plan_id) == bindparam("plan_id"),
        col(probe.task_id) == col(Task.id),
        col(probe.unit_id) == col(Unit.id),
    ]
    if shape.until:
        pair.append(col(probe.created_at) < bindparam("until"))
    newest_first = col(probe.version).desc()
    statement: Any
    if shape.dialect == "postgresql":
        wanted = [probe] if shape.rows else [getattr(probe, name) for name in _STATE_FIELDS]
        found = (sa_select(*wanted).where(*pair).order_by(newest_first).limit(_ONE)).lateral(
            "newest"
        )
        if shape.rows:
            statement = select(aliased(Report, found))
        else:
            statement = sa_select(*(found.c[name] for name in _STATE_FIELDS))
        statement = statement.select_from(Task).join(Unit, _SAME_COMMUNE).join(found, true())
    else:
        newest_id = (
            select(probe.id).where(*pair).order_by(newest_first).limit(_ONE)
        ).scalar_subquery()
        if shape.rows:
            statement = select(Report)
        else:
            statement = sa_select(*(getattr(Report, name) for name in _STATE_FIELDS))
        statement = (
            statement.select_from(Task)
            .join(Unit, _SAME_COMMUNE)
            .join(Report, col(Report.id) == newest_id)
        )
    statement = statement.where(col(Task.plan_id) == bindparam("plan_id"))
    if shape.units:
        statement = statement.where(col(Unit.id).in_(bindparam("unit_ids", expanding=True)))
    if shape.tasks:
        statement = statement.where(col(Task.id).in_(bindparam("task_ids", expanding=True)))
    return statement


_SAME_COMMUNE = col(Unit.commune_id) == col(Task.commune_id)
# LIMIT 1 written out, not a parameter: the planner knows it looks for one row.
_ONE = literal_column("1", Integer)


async def report_history(session: AsyncSession, task: Task, unit_id: int) -> list[Report]:
    """Every version reported on ``task`` by a unit, oldest first."""
    statement = (
        select(Report)
        .where(Report.task_id == task.id, Report.unit_id == unit_id)
        .order_by(col(Report.version))
    )
    return list(await session.exec(statement))


async def reported_in(
    session: AsyncSession, plan: Plan, quarter: str, *, unit_ids: Collection[int] | None = None
) -> set[tuple[int, int]]:
    """The (task, unit) pairs with any report in ``quarter`` (any version), of every unit
    or of ``unit_ids`` only.
    """
    statement = select(Report.task_id, Report.unit_id).where(
        Report.plan_id == plan.id, Report.quarter == quarter
    )
    if unit_ids is not None:
        statement = statement.where(col(Report.unit_id).in_(sorted(unit_ids)))
    return {(task_id, unit_id) for task_id, unit_id in await session.exec(statement)}


RETURNED = "returned"


def owes_report(task: Task, latest: LatestReport | None, quarter: str) -> bool:
    """Whether a unit still owes a report on ``task`` for ``quarter``.

    It does not when its latest report is from that quarter, or when the task is a year
    task its latest report says is done: finished work is not chased again. A report the
    office returned counts as no report until it is made again.
    """
    if latest is None or latest.review_status == RETURNED:
        return True
    if task.timeframe == Timeframe.YEAR and latest.status == Status.DONE:
        return False
    return latest.quarter != quarter
