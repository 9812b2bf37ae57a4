"""Bringing the plan in the database in line with a plan read from a file: what would change
(a dry run), then the change, in the caller's transaction, without losing a report.

An import that writes leaves a trace in the same transaction: the text of every task it
changes or removes is kept as a :class:`~models.tables.TaskVersion`, and the audit log gets
an entry for each task created, changed or removed, and one for the import.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import SYSTEM, Actor, record_change
from models.clock import utc_now
from models.deadlines import Deadline, same_deadline
from models.plan_data import PlanSpec, TaskSpec, UnitSpec
from models.plan_loader import load_plan
from models.plans import plan_areas, plan_for_year, plan_tasks
from models.tables import (
    Area,
    Commune,
    Plan,
    Reminder,
    Report,
    ReportDraft,
    Task,
    TaskRole,
    TaskUnit,
    TaskVersion,
    Unit,
)
from models.unit_sync import new_unit_lines, resolve_units
from models.wording import in_plan_year

# The fields of a task that an import can change, as :class:`TaskChange` names them.
TASK_FIELDS = ("text", "result", "target", "lead", "coordinating", "timeframe", "hamlets")
# What each of them is in the audit's before/after.
_AUDITED: dict[str, tuple[str, ...]] = {
    "text": ("text",),
    "result": ("result",),
    "target": ("target",),
    "lead": ("lead_text", "lead_units"),
    "coordinating": ("coordinating_text", "coordinating_units"),
    "timeframe": ("timeframe", "timeframe_text"),
    "hamlets": ("involves_hamlets",),
}


@dataclass(frozen=True)
class TaskChange:
    """A task the file changes: which of :data:`TASK_FIELDS` differ, and how many reports
    it has (they stay on it).
    """

    code: str
    task_id: int
    fields: tuple[str, ...]
    reports: int


@dataclass(frozen=True)
class RemovedTask:
    """A task in the database that the file no longer has."""

    code: str
    task_id: int
    text: str
    reports: int
    # Tasks of later plans that a rollover carried from this one.
    carried_into: int = 0

    @property
    def kept(self) -> bool:
        """Whether it stays: its reports (or a later plan's copy) still point at it."""
        return bool(self.reports or self.carried_into)


@dataclass(frozen=True)
class ImportChanges:
    """What importing a file does (or, in a dry run, would do) to the plan of one year.

    Attributes:
        year: the plan's year.
        dry_run: whether nothing was written.
        plan_created: whether the year had no plan (a new one is made).
        created: codes of the tasks added.
        updated: the tasks changed in place, and how.
        unchanged: codes of the tasks the file leaves as they are.
        removed: tasks not in the file and without reports: deleted.
        kept: tasks not in the file that have reports: kept, so no report is lost.
        areas_created: numbers of the areas added.
        areas_renamed: numbers of the areas whose name changes.
        areas_removed: numbers of the areas deleted (none of their tasks is kept).
        units_created: units the commune did not have yet (from the data file).
        shifted: ``(code, former_code)`` for a task that now has the text another task had:
            a row added or deleted in the middle shifts the codes after it, and the reports
            stay with the code.
        plan_id: the plan written (None in a dry run that would create it).
    """

    year: int
    dry_run: bool
    plan_created: bool
    created: tuple[str, ...] = ()
    updated: tuple[TaskChange, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[RemovedTask, ...] = ()
    kept: tuple[RemovedTask, ...] = ()
    areas_created: tuple[int, ...] = ()
    areas_renamed: tuple[int, ...] = ()
    areas_removed: tuple[int, ...] = ()
    units_created: tuple[str, ...] = ()
    shifted: tuple[tuple[str, str], ...] = ()
    plan_id: int | None = None
    # The units of units_created with their kind (a unit or a hamlet), for the dry run.
    new_units: tuple[UnitSpec, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the import changes anything at all."""
        return bool(
            self.plan_created
            or self.created
            or self.updated
            or self.removed
            or self.areas_created
            or self.areas_renamed
            or self.areas_removed
            or self.units_created
        )


async def import_plan(
    session: AsyncSession,
    commune: Commune,
    spec: PlanSpec,
    *,
    year: int,
    dry_run: bool,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> ImportChanges:
    """Import ``spec`` as the commune's plan for ``year``.

    Tasks are matched by code. A matched task is updated in place, so its reports stay on it;
    a new code is a new task; a task the file no longer has is deleted, unless it has reports
    (or a later plan carried it over): then it is kept, and the result says so. Areas are
    matched by number. Everything happens in the caller's transaction: if anything fails, the
    caller's rollback leaves no half-imported plan.

    Args:
        session: the open session (the caller commits).
        commune: the commune.
        spec: the plan read from the file (:func:`read_plan_table`).
        year: the year it is the plan for.
        dry_run: only say what would change; write nothing.
        actor: who imports (the office member in chat, the command line), for the audit.
        now: when (UTC; default: now), for the audit and the kept task versions.

    Returns:
        What changed (or would change).
    """
    assert commune.id is not None
    spec = replace(spec, year=year)
    plan = await plan_for_year(session, commune, year)
    # Hamlets too: a file may name one ("Ấp Bình Phú") as a task's unit.
    everyone = select(Unit).where(Unit.commune_id == commune.id)
    units = {u.id: u for u in await session.exec(everyone)}
    # The file's units as the commune names them (renamed, merged), and the new ones.
    spec, new_units = await resolve_units(session, commune, spec)
    units_created = tuple(u.name for u in new_units)
    if plan is None:
        changes = ImportChanges(
            year=year,
            dry_run=dry_run,
            plan_created=True,
            created=tuple(task.code for task in spec.tasks),
            areas_created=tuple(area.number for area in spec.areas),
            units_created=units_created,
        )
    else:
        changes = await _compare(session, plan, spec, units, dry_run, units_created)
    changes = replace(changes, new_units=new_units)
    if dry_run:
        return changes
    trail = _Trail(actor, now or utc_now(), commune.id)
    await _keep_changed(session, changes, units, spec, trail)
    result = await load_plan(session, commune, spec, year=year)
    await _remove(session, result.plan, changes, units, trail)
    await _record_created(session, result.plan, changes, spec, trail)
    changes = replace(changes, plan_id=result.plan.id)
    await record_change(
        session, actor=actor, action="plan.import", object_type="plan",
        object_id=result.plan.id, at=trail.now, commune_id=commune.id,
        after=_import_counts(changes),
    )  # fmt: skip
    return changes


@dataclass(frozen=True)
class _Trail:
    """Who imports and when: what the task versions and the audit entries record."""

    actor: Actor
    now: datetime
    commune_id: int


async def _unit_names(
    session: AsyncSession, task_ids: list[int], units: dict[int | None, Unit]
) -> dict[int, dict[str, list[str]]]:
    names: dict[int, dict[str, list[str]]] = {}
    if not task_ids:
        return names
    statement = select(TaskUnit).where(col(TaskUnit.task_id).in_(task_ids))
    for link in await session.exec(statement.order_by(col(TaskUnit.id))):
        if link.unit_id in units:
            roles = names.setdefault(link.task_id, {})
            roles.setdefault(link.role, []).append(units[link.unit_id].name)
    return names


def _task_state(task: Task, names: dict[str, list[str]]) -> dict[str, Any]:
    """A task as the audit records it (its units by name)."""
    return {
        "code": task.code,
        "text": task.text,
        "result": task.result,
        "target": task.target,
        "lead_text": task.lead_text,
        "lead_units": sorted(names.get(TaskRole.LEAD, [])),
        "coordinating_text": task.coordinating_text,
        "coordinating_units": sorted(names.get(TaskRole.COORDINATING, [])),
        "timeframe": str(task.timeframe),
        "timeframe_text": task.timeframe_text,
        "involves_hamlets": task.involves_hamlets,
    }


def _spec_state(spec: TaskSpec) -> dict[str, Any]:
    """A task of the file as the audit records it."""
    return {
        "code": spec.code,
        "text": spec.text,
        "result": spec.result,
        "target": spec.target,
        "lead_text": spec.lead_text,
        "lead_units": sorted(spec.lead_units),
        "coordinating_text": spec.coordinating_text,
        "coordinating_units": sorted(spec.coordinating_units),
        "timeframe": spec.timeframe.value,
        "timeframe_text": spec.timeframe_text,
        "involves_hamlets": spec.involves_hamlets,
    }


def _version(task: Task, trail: _Trail, reason: str) -> TaskVersion:
    """The task as it stands, kept before an import overwrites or removes it."""
    assert task.id is not None
    return TaskVersion(
        commune_id=task.commune_id,
        task_id=task.id,
        plan_id=task.plan_id,
        code=task.code,
        text=task.text,
        result=task.result,
        lead_text=task.lead_text,
        coordinating_text=task.coordinating_text,
        timeframe=str(task.timeframe),
        timeframe_text=task.timeframe_text,
        replaced_at=trail.now,
        reason=reason,
    )


async def _keep_changed(
    session: AsyncSession,
    changes: ImportChanges,
    units: dict[int | None, Unit],
    spec: PlanSpec,
    trail: _Trail,
) -> None:
    """Before the tasks the file changes are overwritten: keep each as a version, and
    record the change (the fields changed, before and after).
    """
    if not changes.updated:
        return
    specs = {task.code: task for task in spec.tasks}
    names = await _unit_names(session, [change.task_id for change in changes.updated], units)
    for change in changes.updated:
        task = await session.get(Task, change.task_id)
        assert task is not None
        session.add(_version(task, trail, "changed"))
        keys = [key for field in change.fields for key in _AUDITED[field]]
        before = _task_state(task, names.get(change.task_id, {}))
        after = _spec_state(specs[change.code])
        await record_change(
            session, actor=trail.actor, action="task.change", object_type="task",
            object_id=change.task_id, at=trail.now, commune_id=trail.commune_id,
            before={"code": change.code, **{key: before[key] for key in keys}},
            after={"code": change.code, **{key: after[key] for key in keys}},
        )  # fmt: skip


async def _record_created(
    session: AsyncSession, plan: Plan, changes: ImportChanges, spec: PlanSpec, trail: _Trail
) -> None:
    if not changes.created:
        return
    specs = {task.code: task for task in spec.tasks}
    created = set(changes.created)
    for task in await plan_tasks(session, plan):
        if task.code in created:
            await record_change(
                session, actor=trail.actor, action="task.create", object_type="task",
                object_id=task.id, at=trail.now, commune_id=trail.commune_id,
                after=_spec_state(specs[task.code]),
            )  # fmt: skip


def _import_counts(changes: ImportChanges) -> dict[str, Any]:
    return {
        "year": changes.year,
        "plan_created": changes.plan_created,
        "created": len(changes.created),
        "updated": len(changes.updated),
        "unchanged": len(changes.unchanged),
        "removed": len(changes.removed),
        "kept": len(changes.kept),
        "areas_created": list(changes.areas_created),
        "areas_renamed": list(changes.areas_renamed),
        "areas_removed": list(changes.areas_removed),
        "units_created": list(changes.units_created),
    }


async def _compare(
    session: AsyncSession,
    plan: Plan,
    spec: PlanSpec,
    units: dict[int | None, Unit],
    dry_run: bool,
    units_created: tuple[str, ...],
) -> ImportChanges:
    areas = {area.number: area for area in await plan_areas(session, plan)}
    tasks = {task.code: task for task in await plan_tasks(session, plan)}
    task_ids = [task.id for task in tasks.values()]
    links: dict[int, list[TaskUnit]] = {}
    for link in await session.exec(select(TaskUnit).where(col(TaskUnit.task_id).in_(task_ids))):
        links.setdefault(link.task_id, []).append(link)
    reports = await _counts(session, Report.task_id, Report.plan_id == plan.id)
    carried = await _counts(session, Task.carried_from_id, col(Task.carried_from_id).in_(task_ids))
    old_text = {task.text: code for code, task in tasks.items()}
    created: list[str] = []
    updated: list[TaskChange] = []
    unchanged: list[str] = []
    shifted: list[tuple[str, str]] = []
    for task_spec in spec.tasks:
        task = tasks.get(task_spec.code)
        if task is None:
            created.append(task_spec.code)
            continue
        assert task.id is not None
        deadline = spec.deadline_of(task_spec, plan.year)  # as models.plan_loader stores it
        fields = _changed_fields(task, links.get(task.id, []), units, task_spec, plan, deadline)
        if not fields:
            unchanged.append(task.code)
            continue
        updated.append(TaskChange(task.code, task.id, fields, reports.get(task.id, 0)))
        former = old_text.get(task_spec.text)
        if "text" in fields and former is not None and former != task.code:
            shifted.append((task.code, former))
    wanted = {task.code for task in spec.tasks}
    gone = [
        RemovedTask(
            task.code, task.id, task.text, reports.get(task.id, 0), carried.get(task.id, 0)
        )
        for code, task in tasks.items()
        if code not in wanted and task.id is not None
    ]
    kept_areas = {tasks[t.code].area_number for t in gone if t.kept}
    spec_areas = {area.number: area for area in spec.areas}
    return ImportChanges(
        year=plan.year,
        dry_run=dry_run,
        plan_created=False,
        created=tuple(created),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        removed=tuple(t for t in gone if not t.kept),
        kept=tuple(t for t in gone if t.kept),
        areas_created=tuple(n for n in spec_areas if n not in areas),
        areas_renamed=tuple(
            n for n, a in spec_areas.items() if n in areas and areas[n].name != a.name
        ),
        areas_removed=tuple(n for n in areas if n not in spec_areas and n not in kept_areas),
        units_created=units_created,
        shifted=tuple(shifted),
        plan_id=plan.id,
    )


async def _counts(session: AsyncSession, column: Any, condition: Any) -> dict[int, int]:
    statement = select(column, func.count()).where(condition).group_by(column)
    return {key: int(count) for key, count in await session.exec(statement) if key is not None}


def _changed_fields(
    task: Task,
    links: list[TaskUnit],
    units: dict[int | None, Unit],
    spec: TaskSpec,
    plan: Plan,
    deadline: Deadline,
) -> tuple[str, ...]:
    def in_year(timeframe_text: str) -> str:
        # The seed's "Năm 2023" and the 2026 plan's own file's "Năm 2026" say the same.
        return in_plan_year(timeframe_text, plan.source_year, plan.year)

    def names(role: TaskRole) -> set[str]:
        return {
            units[link.unit_id].name
            for link in links
            if link.role == role and link.unit_id in units
        }

    differs = {
        "text": task.text != spec.text,
        "result": task.result != spec.result,
        "target": task.target != spec.target,
        "lead": task.lead_text != spec.lead_text or names(TaskRole.LEAD) != set(spec.lead_units),
        "coordinating": task.coordinating_text != spec.coordinating_text
        or names(TaskRole.COORDINATING) != set(spec.coordinating_units),
        "timeframe": task.timeframe != spec.timeframe
        or in_year(task.timeframe_text) != in_year(spec.timeframe_text)
        or not same_deadline(task, deadline),
        "hamlets": task.involves_hamlets != spec.involves_hamlets,
    }
    return tuple(name for name in TASK_FIELDS if differs[name])


async def _remove(
    session: AsyncSession,
    plan: Plan,
    changes: ImportChanges,
    units: dict[int | None, Unit],
    trail: _Trail,
) -> None:
    """Delete the tasks the file dropped (none has a report) and the areas left empty;
    each task is kept as a version first, and its removal recorded.
    """
    ids = [task.task_id for task in changes.removed]
    if ids:
        names = await _unit_names(session, ids, units)
        for task_id in ids:
            task = await session.get(Task, task_id)
            if task is None:
                continue
            session.add(_version(task, trail, "removed"))
            await record_change(
                session, actor=trail.actor, action="task.remove", object_type="task",
                object_id=task_id, at=trail.now, commune_id=trail.commune_id,
                before=_task_state(task, names.get(task_id, {})),
            )  # fmt: skip
        await session.exec(delete(TaskUnit).where(col(TaskUnit.task_id).in_(ids)))
        # A reminder already sent stays on record (it keeps a double send impossible).
        await session.exec(
            update(Reminder).where(col(Reminder.task_id).in_(ids)).values(task_id=None)
        )
        # A report half-entered on a task that no longer exists cannot be saved.
        await session.exec(delete(ReportDraft).where(col(ReportDraft.task_id).in_(ids)))
        for task_id in ids:
            task = await session.get(Task, task_id)
            if task is not None:
                await session.delete(task)
        await session.flush()
    for number in changes.areas_removed:
        statement = select(Area).where(Area.plan_id == plan.id, Area.number == number)
        area = (await session.exec(statement)).first()
        if area is None:
            continue
        left = select(func.count()).select_from(Task).where(Task.area_id == area.id)
        if not (await session.exec(left)).one():
            await session.delete(area)
    await session.flush()


# Each field as the office reads it, in the chat's import preview and on the command line.
FIELD_NAMES = {
    "text": "nội dung",
    "result": "kết quả",
    "target": "chỉ tiêu",
    "lead": "cơ quan chủ trì",
    "coordinating": "cơ quan phối hợp",
    "timeframe": "thời gian",
    "hamlets": "phạm vi ấp",
}


def describe_changes(changes: ImportChanges) -> list[str]:
    """Short lines in Vietnamese (the office reads them) saying what an import did or would
    do, for the command line.
    """
    will = "sẽ " if changes.dry_run else ""
    lines = []
    if changes.plan_created:
        lines.append(
            f"Kế hoạch năm {changes.year} {will}được tạo: {len(changes.created)} nhiệm vụ "
            f"trong {len(changes.areas_created)} lĩnh vực."
        )
    else:
        lines.append(
            f"Kế hoạch năm {changes.year}: thêm {len(changes.created)}, sửa "
            f"{len(changes.updated)}, giữ nguyên {len(changes.unchanged)}, bỏ "
            f"{len(changes.removed)}, giữ lại {len(changes.kept)}."
        )
        lines.extend(f"+ {code}: nhiệm vụ mới" for code in changes.created)
        for change in changes.updated:
            fields = ", ".join(FIELD_NAMES.get(f, f) for f in change.fields)
            kept = f" (giữ {change.reports} báo cáo)" if change.reports else ""
            lines.append(f"~ {change.code}: sửa {fields}{kept}")
        lines.extend(f"- {task.code}: bỏ (chưa có báo cáo)" for task in changes.removed)
        for task in changes.kept:
            why = f"có {task.reports} báo cáo" if task.reports else "kế hoạch sau còn tiếp tục"
            lines.append(f"! {task.code} không có trong tệp nhưng được giữ lại: {why}")
        lines.extend(f"+ lĩnh vực {n}: mới" for n in changes.areas_created)
        lines.extend(f"~ lĩnh vực {n}: đổi tên" for n in changes.areas_renamed)
        lines.extend(f"- lĩnh vực {n}: bỏ" for n in changes.areas_removed)
    lines.extend(new_unit_lines(changes.new_units, dry_run=changes.dry_run))
    for code, former in changes.shifted:
        lines.append(
            f"! {code} nay mang nội dung của {former}: một dòng thêm hoặc bớt làm lệch mã các "
            f"nhiệm vụ sau nó, và báo cáo đi theo mã. Kiểm tra trước khi nhập."
        )
    if not changes.changed:
        lines.append("Không có gì cần thay đổi.")
    if changes.dry_run:
        lines.append("Chạy thử: chưa ghi gì.")
    return lines
