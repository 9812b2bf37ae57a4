"""Making an export file by name: the one entry the chat and the command line share.

An export is made in three steps: :func:`plan_export` checks what is asked (in the
update's transaction, so a wrong quarter is answered at once); the rows are read, in the
caller's session (:func:`make_export`) or in short transactions of their own
(:func:`make_export_briefly`, for background work); the file is built off the event loop.
Background exports are read and built in a worker process (:mod:`models.offload`), so the
bot's own interpreter stays free for the replies: a small plan's by a worker that is kept,
a big plan's by a worker of its own that ends after the file and gives its memory back.
The writers, and openpyxl and python-docx with them, are imported on first use: a bot
that never exports never loads them.
"""

import asyncio
import gc
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import quarter_of
from models.db import SessionFactory, create_engine, read_transaction, session_factory
from models.errors import DomainError
from models.export_data import (
    ExportData,
    ExportSource,
    ReportVersions,
    build_export,
    check_period,
    read_export,
    read_export_briefly,
)
from models.offload import give_back_memory, in_threads, run_heavy, run_heavy_once
from models.tables import Commune, Plan, Report
from models.textfold import fold

FORMATS = ("xlsx", "csv", "docx", "pctn")
_WORDS = {
    "xlsx": "xlsx", "excel": "xlsx", "xls": "xlsx",
    "csv": "csv",
    "docx": "docx", "word": "docx", "doc": "docx", "bao cao": "docx",
    "pctn": "pctn", "tham nhung": "pctn", "phong chong tham nhung": "pctn",
}  # fmt: skip
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pctn": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ExportFile:
    """A generated file and the name to give it."""

    name: str
    content: bytes
    kind: str


@dataclass(frozen=True)
class ExportRequest:
    """One export asked for, checked: its kind, the period its data covers (for ``pctn``,
    its quarter) and the name of the file.
    """

    kind: str
    name: str
    period: str | None


def parse_format(text: str) -> str:
    """``"excel"``, ``"Word"``, ``"tham nhũng"``… → one of :data:`FORMATS`.

    Raises:
        DomainError: ``bad_format``.
    """
    kind = _WORDS.get(fold(text))
    if kind is None:
        raise DomainError("bad_format", text)
    return kind


def plan_export(
    commune: Commune, plan: Plan, *, kind: str, now: datetime, period: str | None = None
) -> ExportRequest:
    """Check an export of ``plan`` (see :func:`make_export` for the arguments).

    Raises:
        DomainError: ``bad_format`` or ``bad_period``.
    """
    period = check_period(period)
    if period is not None and not period.startswith(str(plan.year)):
        raise DomainError("bad_period", period)  # a quarter of another year's plan
    number = plan.number.split("/")[0]
    suffix = f"-{period}" if period else ""
    if kind == "pctn":
        quarter = period or quarter_of(now, commune.timezone)
        return ExportRequest(kind, f"bao-cao-pctn-{quarter}.docx", quarter)
    if kind in ("xlsx", "csv"):
        return ExportRequest(kind, f"ke-hoach-{number}-{plan.year}{suffix}.{kind}", period)
    if kind == "docx":
        return ExportRequest(kind, f"bao-cao-ket-qua-{number}-{plan.year}.docx", period)
    raise DomainError("bad_format", kind)


async def make_export(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    *,
    kind: str,
    now: datetime,
    period: str | None = None,
) -> ExportFile:
    """Build one export of ``plan``, reading in ``session``.

    Args:
        session: the open session.
        commune: the plan's commune.
        plan: the plan.
        kind: ``xlsx``, ``csv``, ``docx`` (the year-end report) or ``pctn`` (the quarterly
            anti-corruption report; its quarter is ``period`` or the current one).
        now: when (UTC).
        period: a quarter (``"2026Q4"``) to narrow the history to.

    Raises:
        DomainError: ``bad_format`` or ``bad_period``.
    """
    request = plan_export(commune, plan, kind=kind, now=now, period=period)
    with collector_paused():
        source = await read_export(session, commune, plan, now, request.period)
        return await asyncio.to_thread(build_file, source, request)


async def make_export_briefly(
    sessions: SessionFactory, commune_id: int, plan_id: int, request: ExportRequest, now: datetime
) -> ExportFile:
    """Build the export ``request`` asks for, reading in short transactions of its own
    (:func:`models.export_data.read_export_briefly`): for work started after an update
    has committed, so that no transaction stays open while a big plan is read and written.
    Read and built in a worker process (an in-memory database: in a thread).

    Raises:
        DomainError: ``no_plan`` when the plan is gone.
        models.offload.WorkerLost: the worker died (out of memory).
    """
    url = _shared_url(sessions)
    if url is not None and not in_threads():
        # The worker writes the file to disk and the bot reads it back: a big workbook
        # sent back through the pipe was held three times over on the way (about 40 MB
        # at 200k versions).
        path = await asyncio.to_thread(_private_file, request.kind)
        job = (export_job, url, commune_id, plan_id, request, now, str(path))
        try:
            if await _versions(sessions, plan_id) > SMALL_PLAN_VERSIONS:
                await run_heavy_once(*job, warm_up=warm_up)
            else:
                await run_heavy(*job)
            content = await asyncio.to_thread(path.read_bytes)
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        return ExportFile(request.name, content, request.kind)
    with collector_paused():
        source = await read_export_briefly(sessions, commune_id, plan_id, now, request.period)
        return await asyncio.to_thread(build_file, source, request)


# Up to this many report versions, a plan is exported by a worker that is kept (its
# imports paid once, what it keeps is small); a bigger one by a worker of its own that ends
# after the file, giving back all it took (see models.offload).
SMALL_PLAN_VERSIONS = 20_000


async def _versions(sessions: SessionFactory, plan_id: int) -> int:
    """How many report versions the plan holds (a count on the index's first column)."""
    async with read_transaction(sessions) as session:
        counted = select(func.count()).select_from(Report).where(col(Report.plan_id) == plan_id)
        return int((await session.exec(counted)).one())


def warm_up() -> None:
    """In a fresh export worker, while it waits for its file: the writers and their
    libraries imported (about 0.5 s that a 10k-report export would otherwise wait).
    """
    import docx  # noqa: F401  (python-docx)
    import openpyxl  # type: ignore[import-untyped, unused-ignore]  # noqa: F401

    from models import export_csv, export_docx, export_xlsx  # noqa: F401


def export_job(
    database_url: str,
    commune_id: int,
    plan_id: int,
    request: ExportRequest,
    now: datetime,
    path: str,
) -> None:
    """:func:`make_export_briefly`'s work in a worker process: a connection of its own,
    the rows read, the file written to ``path``.
    """

    async def read() -> ExportSource:
        engine = create_engine(database_url)
        try:
            sessions = session_factory(engine)
            return await read_export_briefly(sessions, commune_id, plan_id, now, request.period)
        finally:
            await engine.dispose()

    with collector_paused():
        # A loop of its own rather than asyncio.run: measured at 200k versions, the
        # latter's teardown took 150 MB more peak memory and a second (cause not found).
        loop = asyncio.new_event_loop()
        try:
            source = loop.run_until_complete(read())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
        try:
            with open(path, "wb") as target:
                write_file(source, request, target)
        finally:
            del source
            give_back_memory()


def _private_file(suffix: str) -> Path:
    """A new empty file only this user can read (the export holds the plan's reports)."""
    handle, name = tempfile.mkstemp(prefix="hamlet-export-", suffix=f".{suffix}")
    os.close(handle)
    return Path(name)


def _shared_url(sessions: SessionFactory) -> str | None:
    """The database's URL, password included, if another process can open it."""
    url = sessions.kw["bind"].url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return str(url.render_as_string(hide_password=False))


def build_file(source: ExportSource, request: ExportRequest) -> ExportFile:
    """Shape ``source`` and make the file (slow on a big plan: call it in a thread)."""
    target = BytesIO()
    write_file(source, request, target)
    return ExportFile(request.name, target.getvalue(), request.kind)


def write_file(source: ExportSource, request: ExportRequest, target: BinaryIO) -> None:
    """Shape ``source`` and write the file to ``target``. The source's report rows are let
    go once shaped, the versions' rows once written.
    """
    data = build_export(source)
    let_go(source.reports)
    write_export(data, request, target)
    if isinstance(data.history, ReportVersions):
        let_go(data.history.rows)


# Rows freed at a time: freeing a big plan's rows in one go holds the interpreter, so the
# event loop, for a tenth of a second; a slice at a time lets it run in between.
_FREED_AT_A_TIME = 5_000


def let_go(rows: list[Any]) -> None:
    """Empty ``rows`` a slice at a time (its items are freed if nothing else holds them)."""
    while rows:
        del rows[-_FREED_AT_A_TIME:]


def write_export(data: ExportData, request: ExportRequest, target: BinaryIO) -> None:
    """Write the file to ``target``; the writer is imported here, on first use."""
    if request.kind == "xlsx":
        from models.export_xlsx import write_xlsx

        write_xlsx(data, target)
    else:
        target.write(_export_bytes(data, request))


def _export_bytes(data: ExportData, request: ExportRequest) -> bytes:
    """The bytes of a file that is not a workbook (small, or written whole by its library)."""
    if request.kind == "csv":
        from models.export_csv import export_csv

        return export_csv(data)
    if request.kind == "docx":
        from models.export_docx import export_year_report

        return export_year_report(data)
    if request.kind == "pctn":
        from models.export_docx import export_anticorruption_report

        assert request.period is not None
        return export_anticorruption_report(data, request.period)
    raise DomainError("bad_format", request.kind)


_pauses = 0
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while an export runs.

    A big plan's export makes a million objects that live until the file is written; each
    full collection then walks them all, holding the interpreter for a tenth of a second
    or more, and the event loop (every other member's reply) waits that long. The rows are
    not cyclic: they are freed as usual when let go. The collector runs again once the
    last export running is done.
    """
    global _pauses
    with _pauses_lock:
        # Switched off by someone else (and not by an export running): left as it is.
        ours = _pauses > 0 or gc.isenabled()
        if ours:
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _pauses_lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()
