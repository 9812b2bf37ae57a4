"""Starting next year's plan from this year's: ongoing tasks are copied, year tasks not done
are carried over (linked to the old task), done ones stay behind.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import SYSTEM, Actor, record_change
from models.clock import utc_now
from models.deadlines import read_timeframe, row_values
from models.errors import DomainError
from models.plans import plan_areas, plan_for_year, plan_tasks
from models.reports import latest_reports
from models.summary import task_state
from models.tables import (
    Area,
    Commune,
    Plan,
    Report,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Timeframe,
)

# -- rollover ---------------------------------------------------------------------------------

# A year in a timeframe ("Năm 2023"): a task carried over is due in the new year.
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class CarriedTask:
    """A task copied into the new plan: its old and new code, and where it stood."""

    old_code: str
    new_code: str
    old_task_id: int
    new_task_id: int
    ongoing: bool
    # The task's state at the end of the old plan (None: no one reported).
    status: Status | None
    percent: int


@dataclass(frozen=True)
class RolloverResult:
    """What :func:`rollover` made.

    Attributes:
        plan: the new plan.
        from_year: the year copied from.
        to_year: the new plan's year.
        ongoing: the "Thường xuyên" tasks, copied (``carried_from_id`` not set).
        carried: the year tasks not done, carried over (``carried_from_id`` set).
        done: codes (in the old plan) of the year tasks done, not copied.
        areas: how many areas the new plan has (all of the old plan's).
    """

    plan: Plan
    from_year: int
    to_year: int
    ongoing: tuple[CarriedTask, ...]
    carried: tuple[CarriedTask, ...]
    done: tuple[str, ...]
    areas: int

    @property
    def tasks(self) -> int:
        """How many tasks the new plan has."""
        return len(self.ongoing) + len(self.carried)


async def rollover(
    session: AsyncSession,
    commune: Commune,
    *,
    from_year: int,
    to_year: int,
    as_of: datetime | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> RolloverResult:
    """Start the plan of ``to_year`` from the plan of ``from_year``.

    The new plan keeps the old one's number and title, names ``from_year`` as its source, and
    its report deadline moves to ``to_year``. Every area is copied. Every ongoing task is
    copied; every year task not done (by the rule of /tonghop: every lead unit's latest report
    says done) is carried over, pointing back at the old task; done year tasks are not copied.
    Codes are renumbered within each area (1.1, 1.2, …) in the old order, unit links copied,
    and the year in a year task's timeframe ("Năm 2023") becomes ``to_year``. Reports stay with
    the old plan.

    Args:
        session: the open session (the caller commits).
        commune: the commune.
        from_year: the plan to start from.
        to_year: the year of the new plan.
        as_of: count only the reports made before this moment (UTC), e.g. the end of
            ``from_year``; by default every report counts, as /tonghop shows the old plan now.
        actor: who starts the plan (the command line, the office), for the audit log.
        now: when (UTC; default: now), for the audit log.

    Raises:
        DomainError: ``bad_year`` (``to_year`` is not after ``from_year``), ``no_plan`` (no
            plan for ``from_year``), ``plan_exists`` (``to_year`` already has a plan).
    """
    assert commune.id is not None
    if to_year <= from_year:
        raise DomainError("bad_year", f"{from_year} -> {to_year}")
    source = await plan_for_year(session, commune, from_year)
    if source is None:
        raise DomainError("no_plan", str(from_year))
    if await plan_for_year(session, commune, to_year) is not None:
        raise DomainError("plan_exists", str(to_year))
    assert source.id is not None
    areas = await plan_areas(session, source)
    tasks = await plan_tasks(session, source)
    task_ids = [task.id for task in tasks]
    links: dict[int, list[TaskUnit]] = {}
    for link in await session.exec(
        select(TaskUnit).where(col(TaskUnit.task_id).in_(task_ids)).order_by(col(TaskUnit.id))
    ):
        links.setdefault(link.task_id, []).append(link)
    by_task: dict[int, dict[int, Report]] = {}
    for (task_id, unit_id), report in (await latest_reports(session, source, until=as_of)).items():
        by_task.setdefault(task_id, {})[unit_id] = report

    plan = Plan(
        commune_id=commune.id,
        year=to_year,
        number=source.number,
        title=source.title,
        source_year=from_year,
        issued=source.issued,
        report_deadline=_same_day_in(source.report_deadline, to_year),
    )
    try:
        async with session.begin_nested():
            session.add(plan)
    except IntegrityError as exc:  # another rollover made it meanwhile
        raise DomainError("plan_exists", str(to_year)) from exc
    assert plan.id is not None
    ongoing: list[CarriedTask] = []
    carried: list[CarriedTask] = []
    done: list[str] = []
    for area in areas:
        new_area = Area(commune_id=commune.id, plan_id=plan.id, number=area.number, name=area.name)
        session.add(new_area)
        await session.flush()
        assert new_area.id is not None
        position = 0
        for task in (t for t in tasks if t.area_id == area.id):
            assert task.id is not None
            task_links = links.get(task.id, [])
            leads = [link.unit_id for link in task_links if link.role == TaskRole.LEAD]
            state = task_state(leads, by_task.get(task.id, {}))
            is_ongoing = task.timeframe == Timeframe.ONGOING
            if not is_ongoing and state.status == Status.DONE:
                done.append(task.code)
                continue
            position += 1
            timeframe_text = (
                task.timeframe_text if is_ongoing else _YEAR.sub(str(to_year), task.timeframe_text)
            )
            copy = Task(
                commune_id=commune.id,
                plan_id=plan.id,
                area_id=new_area.id,
                code=f"{area.number}.{position}",
                area_number=area.number,
                position=position,
                text=task.text,
                result=task.result,
                target=task.target,
                lead_text=task.lead_text,
                coordinating_text=task.coordinating_text,
                timeframe=task.timeframe,
                timeframe_text=timeframe_text,
                # The new year's own dates ("Quý I/2026" due 31/03/2026 becomes 31/03/2027).
                **row_values(read_timeframe(timeframe_text, to_year)),
                involves_hamlets=task.involves_hamlets,
                carried_from_id=None if is_ongoing else task.id,
            )
            session.add(copy)
            await session.flush()
            assert copy.id is not None
            for link in task_links:
                session.add(
                    TaskUnit(
                        commune_id=commune.id,
                        task_id=copy.id,
                        unit_id=link.unit_id,
                        role=link.role,
                    )
                )
            item = CarriedTask(
                old_code=task.code,
                new_code=copy.code,
                old_task_id=task.id,
                new_task_id=copy.id,
                ongoing=is_ongoing,
                status=state.status,
                percent=round(state.percent),
            )
            (ongoing if is_ongoing else carried).append(item)
    await session.flush()
    result = RolloverResult(
        plan=plan,
        from_year=from_year,
        to_year=to_year,
        ongoing=tuple(ongoing),
        carried=tuple(carried),
        done=tuple(done),
        areas=len(areas),
    )
    await record_change(
        session, actor=actor, action="plan.rollover", object_type="plan", object_id=plan.id,
        at=now or utc_now(), commune_id=commune.id, after=_rollover_trace(result, source),
    )  # fmt: skip
    return result


def _rollover_trace(result: RolloverResult, source: Plan) -> dict[str, object]:
    """What the audit log keeps of a rollover: where from, and each task's old and new code."""
    return {
        "from_plan_id": source.id,
        "from_year": result.from_year,
        "to_year": result.to_year,
        "areas": result.areas,
        "tasks": result.tasks,
        "ongoing": [[item.old_code, item.new_code] for item in result.ongoing],
        "carried": [[item.old_code, item.new_code] for item in result.carried],
        "done": list(result.done),
    }


def _same_day_in(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def describe_rollover(result: RolloverResult) -> list[str]:
    """Short lines in Vietnamese (the office reads them) saying what a rollover made, for
    the command line.
    """
    lines = [
        f"Kế hoạch {result.plan.number} năm {result.to_year} lập từ năm {result.from_year}: "
        f"{result.tasks} nhiệm vụ trong {result.areas} lĩnh vực ({len(result.ongoing)} thường "
        f"xuyên, {len(result.carried)} chuyển tiếp, {len(result.done)} đã xong không chép)."
    ]
    for item in result.carried:
        state = STATUS_WORDS.get(item.status.value, item.status.value) if item.status else None
        lines.append(
            f"> {item.old_code} -> {item.new_code}: chuyển tiếp "
            f"({state or 'chưa báo cáo'}, {item.percent}%)"
        )
    lines.extend(f"= {code}: đã xong năm {result.from_year}, không chép" for code in result.done)
    return lines


# Statuses as the command line says them.
STATUS_WORDS = {
    "not_started": "chưa thực hiện",
    "in_progress": "đang thực hiện",
    "done": "hoàn thành",
    "blocked": "gặp khó khăn",
}
