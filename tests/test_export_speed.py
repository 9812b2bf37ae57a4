"""A big export never holds up the others: it is made after the update, off the event loop
and outside any transaction; the other members' replies go out while it is being made.
These check the order of events, not times (the times are in ``bench/exports.py``).
"""

import asyncio
import gc
import io
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, BinaryIO

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import insert
from sqlmodel import select

import models.exports
from bot.phone import Phone
from bot.services import services_of
from models.db import transaction
from models.export_data import ExportData
from models.exports import ExportRequest, collector_paused
from models.offload import MODE_VARIABLE, worker_pids
from models.tables import Member, Plan, Report, Role, Status, Task
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e

VERSIONS = 300  # per task of the hamlets: 9 tasks, 2,700 reports


async def add_reports(world: World, member_name: str) -> int:
    """Many versions of one member's reports on this year's tasks for the hamlets, inserted
    in bulk.
    """
    async with transaction(services_of(world.app).sessions) as session:
        plan = (await session.exec(select(Plan))).one()
        tasks = list(await session.exec(select(Task).where(Task.involves_hamlets)))
        member = (await session.exec(select(Member).where(Member.name == member_name))).one()
        assert member.unit_id is not None and member.id is not None
        start = vn(plan.year, 1, 5)
        rows = [
            {
                "commune_id": plan.commune_id, "plan_id": plan.id, "task_id": task.id,
                "unit_id": member.unit_id, "member_id": member.id, "entered_by_id": member.id,
                "version": version, "quarter": f"{plan.year}Q{1 + version * 4 // (VERSIONS + 1)}",
                "created_at": start + timedelta(hours=version * 24),
                "status": Status.IN_PROGRESS.value, "percent": version * 100 // VERSIONS,
                "note": f"Lần {version}: <họp dân> & niêm yết",
            }
            for task in tasks
            for version in range(1, VERSIONS + 1)
        ]  # fmt: skip
        await session.exec(insert(Report), params=rows)
    return len(rows)


async def until(check: Callable[[], bool], what: str, seconds: float = 5) -> None:
    """Let the bot run until ``check`` holds (a few seconds at most: the held export waits
    longer, so a reply that waits for it fails here).
    """
    for _ in range(int(seconds * 100)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def sent_to(world: World, phone: Phone, method: str, since: int = 0) -> list[int]:
    """The positions of the API calls of ``method`` to ``phone``'s chat since ``since``."""
    return [
        n
        for n, call in enumerate(world.api.calls)
        if n >= since
        and call.method == method
        and int(call.params.get("chat_id", 0) or 0) == phone.user_id
        and call.result is not None
    ]


@pytest.fixture
def in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export built in a thread of this process, where the test can hold its writer
    (made in a worker process, it is out of the test's reach; see the last test).
    """
    monkeypatch.setenv(MODE_VARIABLE, "thread")


@pytest.mark.usefixtures("in_threads")
async def test_a_members_reply_goes_out_while_an_export_is_being_made(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Võ Văn Chủ")
    head = await world.member(Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 2")
    count = await add_reports(world, "Nguyễn Văn Ba")

    # The file is written in a worker thread that waits here until the test lets it go:
    # while it waits, the export is under way (its rows read, its file not yet made).
    writing, go_on = threading.Event(), threading.Event()
    real_write = models.exports.write_export
    threads: list[str] = []

    def held_write(data: ExportData, request: ExportRequest, target: BinaryIO) -> None:
        threads.append(threading.current_thread().name)
        writing.set()
        assert go_on.wait(timeout=20), "the test never let the export go on"
        real_write(data, request, target)

    monkeypatch.setattr(models.exports, "write_export", held_write)
    start = len(world.api.calls)
    exporting = asyncio.create_task(chairman.send("/xuat excel"))
    await until(writing.is_set, "the export started writing its file")
    assert sent_to(world, chairman, "sendDocument", start) == []

    asking = asyncio.create_task(head.send("/help"))
    await until(lambda: bool(sent_to(world, head, "sendMessage", start)), "/help answered")
    assert sent_to(world, chairman, "sendDocument", start) == []  # still being made

    go_on.set()
    said = await exporting
    await asking
    [document] = sent_to(world, chairman, "sendDocument", start)
    assert sent_to(world, head, "sendMessage", start)[0] < document
    assert threads and threads[0] != threading.main_thread().name  # off the event loop
    assert said[-1].method == "sendDocument" and "Excel" in said[-1].text

    call = world.api.calls[document]
    [(name, content)] = call.files.items()
    assert name == "ke-hoach-965-2026.xlsx"
    history = load_workbook(io.BytesIO(content))["Lịch sử báo cáo"]
    rows = list(history.iter_rows(min_row=2, values_only=True))
    assert len(rows) == count
    assert rows[0][10] == "Lần 1: <họp dân> & niêm yết"
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)  # oldest first
    assert gc.isenabled()  # the collector, paused while the export ran, runs again


@pytest.mark.usefixtures("in_threads")
async def test_the_export_holds_no_transaction_while_it_is_made(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the file is being made, another member's report (a write) is saved at once."""
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await add_reports(world, "Trần Thị Bình")
    writing, go_on = threading.Event(), threading.Event()
    real_write = models.exports.write_export

    def held_write(data: ExportData, request: ExportRequest, target: BinaryIO) -> None:
        writing.set()
        assert go_on.wait(timeout=20)
        real_write(data, request, target)

    monkeypatch.setattr(models.exports, "write_export", held_write)
    start = len(world.api.calls)
    exporting = asyncio.create_task(office.send("/xuat word"))
    await until(writing.is_set, "the export started writing its file")
    reporting = asyncio.create_task(officer.send("/baocao 6.1 100 đã khám cho 120 trẻ"))
    await until(lambda: bool(sent_to(world, officer, "sendMessage", start)), "report saved")
    assert sent_to(world, office, "sendDocument", start) == []
    go_on.set()
    await exporting
    said = await reporting
    assert any("6.1" in message.text for message in said)
    async with transaction(services_of(world.app).sessions) as session:
        saved = list(await session.exec(select(Report).where(Report.percent == 100)))
    assert any(r.note == "đã khám cho 120 trẻ" for r in saved)


def test_the_collector_pause_nests_and_leaves_a_switched_off_collector_alone() -> None:
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer export still runs
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # someone else switched it off: it stays off
    finally:
        gc.enable()


async def test_the_streamed_history_keeps_odd_texts(world: World) -> None:
    """Texts with markup characters, spaces at the ends or control characters survive the
    history sheet's own XML.
    """
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    services = services_of(world.app)
    async with transaction(services.sessions) as session:
        plan = (await session.exec(select(Plan))).one()
        task = (await session.exec(select(Task).where(Task.code == "1.1"))).one()
        member = (await session.exec(select(Member).where(Member.name == "Trần Thị Bình"))).one()
        notes = ["  a <b>&amp; </b> ", "x\x01y", "1\n2\n3\n4\n5\n6", "=1+1", ""]
        for version, note in enumerate(notes, start=1):
            values: dict[str, Any] = {
                "commune_id": plan.commune_id, "plan_id": plan.id, "task_id": task.id,
                "unit_id": member.unit_id, "member_id": member.id, "entered_by_id": member.id,
                "version": version, "quarter": "2026Q4", "created_at": world.clock(),
                "status": Status.IN_PROGRESS.value, "percent": 10 * version, "note": note,
            }  # fmt: skip
            await session.exec(insert(Report).values(**values))
    said = await office.send("/xuat excel")
    assert said[-1].method == "sendDocument"
    [(_, content)] = [c for c in world.api.calls if c.method == "sendDocument"][-1].files.items()
    history = load_workbook(io.BytesIO(content))["Lịch sử báo cáo"]
    got = [row[10] for row in history.iter_rows(min_row=2, values_only=True)]
    assert got == ["  a <b>&amp; </b> ", "xy", "1\n2\n3\n4\n5\n6", "=1+1", None]
    assert history.row_dimensions[4].height == 13 * 6 + 3  # tall enough for six lines
    assert history.cell(5, 11).data_type == "s"  # text, not a formula


async def test_the_export_is_made_in_a_worker_process(world: World) -> None:
    """By default the file is read and built by another process: the bot's own interpreter
    is not shared with the builder (bench/replies_during_export.py measures what it buys).
    """
    chairman = await world.member(Role.CHAIRMAN, "Võ Văn Chủ")
    await world.member(Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 2")
    count = await add_reports(world, "Nguyễn Văn Ba")
    said = await chairman.send("/xuat excel")
    assert said[-1].method == "sendDocument"
    workers = worker_pids()
    assert workers and os.getpid() not in workers
    [(_, content)] = [c for c in world.api.calls if c.method == "sendDocument"][-1].files.items()
    history = load_workbook(io.BytesIO(content))["Lịch sử báo cáo"]
    assert len(list(history.iter_rows(min_row=2))) == count  # the worker read the same data
