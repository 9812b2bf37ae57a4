"""Heavy work (an export file, a chart) in a worker process, not a thread of the bot's.

A worker thread keeps the event loop free only when the work lets go of the interpreter
lock (GIL). Building a big xlsx or drawing a chart is Python and C++ that mostly does not:
while a 200k-version workbook was built in a thread, members' replies waited 1.5-2.3 s
(``bench/replies_during_export.py``), because every database call of a reply has to win
the lock back from the builder. A worker process has an interpreter of its own.

Two pools per bot process, each started at its first job (a bot that never exports
starts no worker): charts go to workers kept for the next chart (matplotlib is loaded once);
exports go to a worker that ends after each file (:func:`run_heavy_once`). A big export
leaves its worker holding pages that glibc cannot hand back (measured: 164 MB of a 230 MB
peak stayed after a 200k-version workbook, malloc_trim or not); a worker that ends gives
them all back, for about 0.3 s of start per file. A worker that dies (killed for memory)
fails its job with :class:`WorkerLost`; the next job starts a fresh pool.
"""

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Result = TypeVar("Result")

# Two chart workers: a chart need not wait behind another (the machine has two cores).
WORKERS = 2
# One export at a time: two big files at once would double the peak memory.
ONCE_WORKERS = 1
# HAMLET_BOT_HEAVY_WORK=thread keeps the work in threads of the bot's own process (a
# platform without worker processes; tests that replace a builder in this process).
MODE_VARIABLE = "HAMLET_BOT_HEAVY_WORK"

# By (one job a worker, its warm-up): each kind of work has workers of its own.
_pools: dict[tuple[bool, Callable[[], None] | None], ProcessPoolExecutor] = {}
_pool_lock = threading.Lock()


class WorkerLost(Exception):
    """The worker process died while it did the job (the job is not done)."""


def in_threads() -> bool:
    """Whether heavy work runs in threads of this process (see :data:`MODE_VARIABLE`)."""
    return os.environ.get(MODE_VARIABLE, "process") == "thread"


async def run_heavy(function: Callable[..., Result], *args: Any) -> Result:
    """``function(*args)`` in a worker process; its arguments and result travel pickled, so
    ``function`` is a module-level function and both are plain data.

    Raises:
        WorkerLost: the worker died; whatever ``function`` raises is raised as it is.
    """
    return await _run(False, function, *args)


async def run_heavy_once(
    function: Callable[..., Result], *args: Any, warm_up: Callable[[], None] | None = None
) -> Result:
    """:func:`run_heavy` in a worker that ends after the job, so that all the memory a big
    job took goes back to the system (see the module's docstring).

    The next worker is started as the last one ends, and runs ``warm_up`` (module-level: it
    imports what the jobs need) while it waits: a small job then pays no start-up.
    """
    return await _run(True, function, *args, warm_up=warm_up)


async def _run(
    once: bool,
    function: Callable[..., Result],
    *args: Any,
    warm_up: Callable[[], None] | None = None,
) -> Result:
    if in_threads():
        return await asyncio.to_thread(function, *args)
    pool = _the_pool(once, warm_up)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
    except BrokenProcessPool as error:
        _forget(pool)
        raise WorkerLost(str(error)) from error


def _the_pool(once: bool, warm_up: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    with _pool_lock:
        pool = _pools.get((once, warm_up))
        if pool is None:
            # spawn, not fork: forking a process with threads and an event loop running
            # copies locks in whatever state they are.
            context = multiprocessing.get_context("spawn")
            workers = ONCE_WORKERS if once else WORKERS
            pool = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=warm_up,
                max_tasks_per_child=1 if once else None,
            )
            _pools[once, warm_up] = pool
            log.info(
                "heavy work: %d worker process(es)%s",
                workers,
                ", a fresh one for each job" if once else "",
            )
        return pool


def _forget(pool: ProcessPoolExecutor) -> None:
    with _pool_lock:
        for key, known in list(_pools.items()):
            if known is pool:
                del _pools[key]
    pool.shutdown(wait=False, cancel_futures=True)


def give_back_memory() -> None:
    """In a worker, after a big job: free what it left and hand the freed pages back to the
    system (glibc keeps them otherwise, and each export would start higher than the last).
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator does what it does
        pass


def worker_pids() -> list[int]:
    """The worker processes' ids (for the benchmarks' memory figures)."""
    pids: list[int] = []
    for pool in list(_pools.values()):
        processes = getattr(pool, "_processes", None) or {}
        pids.extend(int(pid) for pid in processes)
    return pids
