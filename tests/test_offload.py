"""Heavy work off the bot's interpreter: worker processes, read-only transactions, and the
pauses that let the event loop in while a thread builds a file.
"""

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from models.breathing import Breather
from models.db import create_engine, read_transaction, session_factory, transaction
from models.offload import MODE_VARIABLE, WorkerLost, run_heavy


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
