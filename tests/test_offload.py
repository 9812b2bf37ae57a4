"""Heavy work off the bot's interpreter: worker processes, read-only transactions, and the
pauses that let the event loop in while a thread builds a file.
"""

import asyncio
import os
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

import models.exports
from models.breathing import Breather
from models.db import create_engine, read_transaction, session_factory, transaction
from models.export_xlsx import SHEET_HISTORY
from models.exports import make_export_briefly, plan_export, warm_up
from models.offload import MODE_VARIABLE, WorkerLost, run_heavy, run_heavy_once
from models.tables import Commune
from tests.offload_probe import loaded
from tests.test_exports import NOW, reported, the_plan  # noqa: F401  (reported: a fixture)


async def test_heavy_work_runs_in_another_process() -> None:
    assert await run_heavy(os.getpid) != os.getpid()
    assert await run_heavy(sum, [1, 2, 3]) == 6


async def test_heavy_work_can_be_kept_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODE_VARIABLE, "thread")
    assert await run_heavy(os.getpid) == os.getpid()


async def test_a_worker_that_dies_fails_its_job_and_the_next_job_gets_a_new_one() -> None:
    with pytest.raises(WorkerLost):
        await run_heavy(os._exit, 3)
    assert await run_heavy(os.getpid) != os.getpid()


async def test_a_worker_for_one_job_ends_after_it() -> None:
    # Its memory goes back to the system: a big export's pages are not kept for the next.
    first, second = await run_heavy_once(os.getpid), await run_heavy_once(os.getpid)
    assert len({first, second, os.getpid()}) == 3


@pytest.mark.usefixtures("reported")
async def test_the_next_export_worker_is_started_and_warmed_up_while_it_waits() -> None:
    # The first worker is cold (it was started for the job); the one started as it ended
    # has imported the writers before the next job comes: a small export waits for no import.
    await run_heavy_once(os.getpid, warm_up=warm_up)
    await asyncio.sleep(3)  # the replacement worker starts and warms up meanwhile
    assert await run_heavy_once(loaded, "openpyxl", warm_up=warm_up)
    assert not await run_heavy_once(loaded, "openpyxl")  # a worker without the warm-up


@pytest.mark.usefixtures("reported")
@pytest.mark.parametrize("small_plan_versions", [10_000, 0], ids=["kept-worker", "own-worker"])
async def test_an_export_made_in_a_worker_comes_back_whole_and_leaves_no_file(
    session: AsyncSession,
    commune: Commune,
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_plan_versions: int,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(models.exports, "SMALL_PLAN_VERSIONS", small_plan_versions)
    plan = await the_plan(session)
    await session.commit()
    engine = create_engine(database)
    try:
        request = plan_export(commune, plan, kind="xlsx", now=NOW)
        made = await make_export_briefly(
            session_factory(engine), commune.id or 0, plan.id or 0, request, NOW
        )
    finally:
        await engine.dispose()
    history = load_workbook(BytesIO(made.content))[SHEET_HISTORY]
    notes = {cell.value for row in history.iter_rows() for cell in row}
    assert "Đã dùng hồ sơ sức khỏe điện tử" in notes  # the rows streamed in the worker
    assert list(tmp_path.iterdir()) == []  # the file it was passed through is gone


async def test_a_read_transaction_leaves_the_write_lock_to_the_writers(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await session.exec(text("CREATE TABLE t (a INTEGER)"))  # type: ignore[call-overload]
        async with read_transaction(sessions) as reading:
            await reading.exec(text("SELECT count(*) FROM t"))  # type: ignore[call-overload]

            async def write() -> None:
                async with transaction(sessions) as session:
                    await session.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]

            # A writer would wait out the busy timeout (30 s) behind a BEGIN IMMEDIATE.
            await asyncio.wait_for(write(), timeout=5)
            seen = await reading.exec(text("SELECT count(*) FROM t"))  # type: ignore[call-overload]
            assert seen.scalar() == 0  # the reader's snapshot: the export as it began
    finally:
        await engine.dispose()


def test_the_breather_pauses_only_after_its_work_interval() -> None:
    steady = Breather(work=60.0)
    for _ in range(1000):
        steady()
    assert steady.pauses == 0
    eager = Breather(work=0.0, pause=0.0)
    for _ in range(3):
        eager()
    assert eager.pauses == 3
