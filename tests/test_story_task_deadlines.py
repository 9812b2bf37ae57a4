"""A task due on a day of its own ("Trước ngày 31/3"): reminded in March, late in April.
The real Application, the offline Bot API, an injected clock.
"""

import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlmodel import select

from bot.services import services_of
from models.db import alembic_config, migrate, transaction
from models.plan_data import PlanSpec, parse_timeframe, read_plan_file
from models.plan_sync import describe_changes, import_plan
from models.tables import Commune, Reminder, Role, Task
from scheduler.runner import TickResult, run_tick
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e


async def tick(world: World, moment: datetime) -> TickResult:
    world.clock.now = moment
    return await run_tick(services_of(world.app), moment)


def with_timeframe(spec: PlanSpec, code: str, timeframe_text: str) -> PlanSpec:
    """The plan with one task's timeframe cell changed."""
    areas = tuple(
        replace(
            area,
            tasks=tuple(
                replace(
                    task, timeframe_text=timeframe_text, timeframe=parse_timeframe(timeframe_text)
                )
                if task.code == code
                else task
                for task in area.tasks
            ),
        )
        for area in spec.areas
    )
    return replace(spec, areas=areas)


async def import_for_2026(world: World, spec: PlanSpec, *, dry_run: bool) -> list[str]:
    async with transaction(services_of(world.app).sessions) as session:
        commune = (await session.exec(select(Commune))).one()
        changes = await import_plan(session, commune, spec, year=2026, dry_run=dry_run)
        return describe_changes(changes)


async def task_row(world: World, code: str) -> Task:
    async with transaction(services_of(world.app).sessions) as session:
        statement = select(Task).where(Task.code == code)
        return (await session.exec(statement)).one()


async def test_a_task_due_31_03_is_reminded_in_march_and_late_in_april(world: World) -> None:
    office = await world.member(Role.OFFICER, "Trần Thị Bình", "Văn phòng UBND xã")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    # The seed's 1.1 ("Năm 2023") is due by the year-end report: nothing in March.
    await tick(world, vn(2026, 3, 17, 8, 5))
    assert office.inbox() == []

    due_in_march = with_timeframe(read_plan_file(), "1.1", "Trước ngày 31/3")
    dry_run = await import_for_2026(world, due_in_march, dry_run=True)
    assert "~ 1.1: sửa thời gian" in dry_run
    await import_for_2026(world, due_in_march, dry_run=False)
    stored = await task_row(world, "1.1")
    assert (stored.repeat, stored.due_dates, stored.deadline_guessed) == (
        "once", "2026-03-31", False,
    )  # fmt: skip
    assert (await task_row(world, "1.2")).repeat == "ongoing"
    assert await import_for_2026(world, due_in_march, dry_run=True) == [
        "Kế hoạch năm 2026: thêm 0, sửa 0, giữ nguyên 46, bỏ 0, giữ lại 0.",
        "Không có gì cần thay đổi.",
        "Chạy thử: chưa ghi gì.",
    ]

    # 31/03/2026 is a Tuesday: the first rung goes 14 days before, on Tuesday 17/03.
    await tick(world, vn(2026, 3, 17, 8, 10))
    [first] = office.inbox()
    assert "Còn 14 ngày đến hạn nhiệm vụ</b> (31/03/2026)" in first.text
    assert "<b>1.1</b>" in first.text and "1 nhiệm vụ" in first.text
    assert first.button_labels[0] == "📝 Báo cáo 1.1"
    await tick(world, vn(2026, 3, 17, 9))  # once only
    assert office.inbox() == []

    # Not late before the day; late after it, for the commune and for the unit.
    world.clock.now = vn(2026, 3, 31, 15)
    assert "31/03/2026" not in (await chairman.send("/trehan"))[0].text
    await tick(world, vn(2026, 4, 1, 8, 5))
    [nudge] = office.inbox()
    assert "Đã quá hạn nhiệm vụ</b> (31/03/2026)" in nudge.text and "<b>1.1</b>" in nudge.text
    for phone in (chairman, office):
        late = (await phone.send("/trehan"))[0].text
        lines = late.split("\n")
        heading = lines.index("<b>Quá hạn nhiệm vụ (31/03/2026), chưa hoàn thành:</b>")
        assert "<b>1.1</b>" in lines[heading + 1]
        assert "Quá hạn báo cáo năm" not in late

    # Done: no more nudges, and not late any more.
    said = await office.send("/baocao 1.1 100 đã ban hành kế hoạch")
    assert "Đã lưu" in said[0].text
    await tick(world, vn(2026, 4, 2, 8, 5))
    assert office.inbox() == []
    assert "31/03/2026" not in (await chairman.send("/trehan"))[0].text
    async with transaction(services_of(world.app).sessions) as session:
        rows = list(await session.exec(select(Reminder).where(Reminder.period == "2026-03-31")))
    assert sorted(r.kind for r in rows) == ["deadline-14", "overdue-1"]


async def test_a_monthly_task_is_prompted_each_month_it_is_not_reported(world: World) -> None:
    office = await world.member(Role.OFFICER, "Trần Thị Bình", "Văn phòng UBND xã")
    monthly = with_timeframe(read_plan_file(), "1.1", "Định kỳ hằng tháng")
    await import_for_2026(world, monthly, dry_run=False)
    assert (await task_row(world, "1.1")).timeframe == "ongoing"

    # January ends on a Saturday: the prompt goes 7 days before, moved to Monday 26/01.
    await tick(world, vn(2026, 1, 23, 9))
    assert office.inbox() == []
    await tick(world, vn(2026, 1, 26, 8, 5))
    [january] = office.inbox()
    assert "Nhắc báo cáo tháng 01/2026" in january.text
    assert "còn 1 nhiệm vụ hằng tháng" in january.text and "<b>1.1</b>" in january.text

    # Reported in February: no February prompt.
    world.clock.now = vn(2026, 2, 3, 10)
    said = await office.send("/baocao 1.1 30 đã họp giao ban tháng 2")
    assert "Đã lưu" in said[0].text
    await tick(world, vn(2026, 2, 27, 9))
    assert office.inbox() == []

    # March ends the quarter: the quarterly prompt lists it (reported in February, not in
    # March), and no separate monthly prompt goes.
    await tick(world, vn(2026, 3, 24, 8, 5))
    [march] = office.inbox()
    assert "Nhắc báo cáo Quý I/2026" in march.text and "<b>1.1</b>" in march.text
    async with transaction(services_of(world.app).sessions) as session:
        rows = list(await session.exec(select(Reminder).order_by(Reminder.id)))  # type: ignore[arg-type]
    assert [(r.kind, r.period) for r in rows] == [("monthly", "2026-01"), ("quarterly", "2026Q1")]


def test_the_migration_keeps_each_tasks_schedule(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0013")
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        for number, timeframe in enumerate(("year", "ongoing"), start=1):
            connection.execute(
                "INSERT INTO task (id, commune_id, plan_id, area_id, code, area_number, position,"
                " text, result, lead_text, coordinating_text, timeframe, timeframe_text,"
                " involves_hamlets) VALUES (?, 1, 1, 1, ?, 1, ?, 't', '', '', '', ?, '', 0)",
                (number, f"1.{number}", number, timeframe),
            )
    connection.close()
    migrate(url)
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        rows = connection.execute(
            "SELECT code, repeat, due_dates, deadline_guessed FROM task ORDER BY code"
        ).fetchall()
    connection.close()
    assert rows == [("1.1", "yearly", "", 0), ("1.2", "ongoing", "", 0)]
