"""Benchmark: flat summaries (issue 9). The /tonghop figures (without the chart), one unit's
views and the scheduler's reading of the situation, on databases of 10k, 100k and 1M reports
made by :mod:`bench.datagen`, on SQLite and, when ``TEST_DATABASE_URL`` names one, on
PostgreSQL (in databases of its own beside that one, made and dropped here).

The goals, each printed with its measured ratio and PASS or FAIL:
- the /tonghop figures (``models.summary.summarise``) at 1M reports take at most 1.5x their
  time at 10k;
- and at most 2x a hand-written index-probe SQL for the same figures: plain SQL text (the
  latest version of each task x unit of the plan by one probe of the index, and the plan's
  tasks, links, units and areas), the figures then computed from those rows by the same
  pure function (:func:`models.summary.compute_summary`); the bench checks that both give
  the same figures. The ratio to the latest-report probe query alone is printed too, with
  its own verdict (the strictest reading of the goal);
- one unit's views (/nhiemvu and /chuabaocao: ``open_tasks_of``; /tonghop of an officer:
  ``summarise(unit=...)``) and the scheduler's reading (``read_situation``) at 1M take at
  most 1.5x their time at 10k.

Shown with a verdict but not counted in the result: the ratio to the probe query alone (it
does not give the figures: no tasks, areas, links or units), and /tonghop for a past
quarter of the current plan (its probes step down past the versions made after the
quarter, reading their times from the table: it grows with the reports of that plan).

Every figure is the minimum over ``--rounds`` rounds of ``--repeat`` runs each, the sizes and
figures interleaved in each round; each run is in a fresh session and transaction, as an
update is. The machine's load is printed too: the timings are of milliseconds.

    .venv/bin/python -m bench.summary [--sizes 10000,100000,1000000] [--pg-sizes ...]
        [--rounds 3] [--repeat 5] [--workdir DIR] [--keep]

Writes JSON lines to bench/results/summary.json (one per figure, one per goal, and one
describing the run).
"""

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.datagen import generate
from bot.settings import database_url
from models.db import create_engine, session_factory, transaction
from models.followup import open_tasks_of
from models.reports import ReportState
from models.summary import PlanSummary, compute_summary, summarise
from models.tables import Commune, Member, Plan, Report, Role, Unit
from scheduler.situation import read_situation

RESULTS = Path(__file__).resolve().parent / "results" / "summary.json"
SIZES = (10_000, 100_000, 1_000_000)
# Issue 9: at 1M reports, at most 1.5x the time at 10k, and 2x the hand-written SQL.
FLAT = 1.5
BASELINE = 2.0

# The hand-written SQL. The latest report of each task x unit of the plan: one probe of the
# index on (plan, task, unit, version) from its high end; PostgreSQL says it with LATERAL,
# SQLite (which has no LATERAL) with a correlated subquery for the id, then a rowid lookup.
PROBE_SQL = {
    "sqlite": """
        SELECT r.task_id, r.unit_id, r.version, r.status, r.percent, r.note, r.quarter,
               r.review_status
        FROM task t JOIN unit u ON u.commune_id = t.commune_id
        JOIN report r ON r.id = (
            SELECT p.id FROM report p
            WHERE p.plan_id = t.plan_id AND p.task_id = t.id AND p.unit_id = u.id
            ORDER BY p.version DESC LIMIT 1)
        WHERE t.plan_id = :plan""",
    "postgresql": """
        SELECT r.task_id, r.unit_id, r.version, r.status, r.percent, r.note, r.quarter,
               r.review_status
        FROM task t JOIN unit u ON u.commune_id = t.commune_id
        CROSS JOIN LATERAL (
            SELECT p.task_id, p.unit_id, p.version, p.status, p.percent, p.note, p.quarter,
                   p.review_status
            FROM report p
            WHERE p.plan_id = t.plan_id AND p.task_id = t.id AND p.unit_id = u.id
            ORDER BY p.version DESC LIMIT 1) r
        WHERE t.plan_id = :plan""",
}
TASKS_SQL = """
    SELECT id, area_id, code, text, area_number, involves_hamlets, timeframe FROM task
    WHERE plan_id = :plan ORDER BY area_number, position"""
LINKS_SQL = """
    SELECT l.task_id, l.unit_id, l.role FROM taskunit l JOIN task t ON t.id = l.task_id
    WHERE t.plan_id = :plan ORDER BY l.id"""
UNITS_SQL = "SELECT id, name, kind, position FROM unit WHERE commune_id = :commune"
AREAS_SQL = "SELECT id, number, name FROM area WHERE plan_id = :plan ORDER BY number"

# The figures measured, in the order printed.
FIGURES = {
    "summary": "/tonghop figures (summarise, no chart)",
    "baseline": "hand-written index-probe SQL, same figures",
    "probe": "the latest-report probe query alone",
    "unit_tasks": "one unit's open tasks (/nhiemvu, /chuabaocao)",
    "unit_summary": "one unit's /tonghop (summarise, unit)",
    "tick": "scheduler's reading (read_situation)",
    "past_quarter": "/tonghop q3 of the plan (summarise, until)",
}
# Shown with a verdict against the same 1.5x, not counted: the figures are those of
# the current quarter. A past quarter's view steps down past the versions made after it.
UNCOUNTED_FLAT = {"past_quarter"}


@dataclass
class Database:
    """One generated database and what the figures need of it."""

    kind: str  # "sqlite" or "postgresql"
    reports: int
    url: str
    engine: AsyncEngine
    commune: Commune
    plan: Plan
    member: Member  # a hamlet head: one unit's views
    unit: Unit
    now: datetime
    times: dict[str, list[float]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.reports:,}"


# --- the figures ----------------------------------------------------------------------


async def app_summary(session: AsyncSession, db: Database) -> PlanSummary:
    return await summarise(session, db.commune, db.plan, db.now)


async def baseline_summary(session: AsyncSession, db: Database) -> PlanSummary:
    """The same figures from hand-written SQL: rows as tuples, no ORM objects."""
    connection = await session.connection()
    plan = {"plan": db.plan.id}
    latest_rows = await connection.execute(text(PROBE_SQL[db.kind]), plan)
    latest = {(row[0], row[1]): ReportState(*row) for row in latest_rows}
    tasks = (await connection.execute(text(TASKS_SQL), plan)).all()
    links = (await connection.execute(text(LINKS_SQL), plan)).all()
    units = (await connection.execute(text(UNITS_SQL), {"commune": db.commune.id})).all()
    areas = (await connection.execute(text(AREAS_SQL), plan)).all()
    # The rows have the attributes the pure function reads (duck-typed, as a sketch would).
    return compute_summary(
        plan=db.plan, areas=cast(Any, areas), tasks=cast(Any, tasks), links=cast(Any, links),
        units=cast(Any, units), latest=latest, quarter=_quarter(db), as_of=db.now,
    )  # fmt: skip


async def probe_only(session: AsyncSession, db: Database) -> int:
    connection = await session.connection()
    return len((await connection.execute(text(PROBE_SQL[db.kind]), {"plan": db.plan.id})).all())


async def unit_tasks(session: AsyncSession, db: Database) -> int:
    owed, _latest = await open_tasks_of(session, db.member, db.unit, db.plan, _quarter(db))
    return len(owed)


async def unit_summary(session: AsyncSession, db: Database) -> PlanSummary:
    return await summarise(session, db.commune, db.plan, db.now, unit=db.unit)


async def past_quarter(session: AsyncSession, db: Database) -> PlanSummary:
    quarter = f"{db.plan.year}Q3"
    return await summarise(session, db.commune, db.plan, db.now, quarter=quarter)


async def tick(session: AsyncSession, db: Database) -> int:
    situation = await read_situation(session, db.commune, db.plan, db.now)
    return len(situation.recipients)


MEASURED: dict[str, Callable[[AsyncSession, Database], Awaitable[object]]] = {
    "summary": app_summary,
    "baseline": baseline_summary,
    "probe": probe_only,
    "unit_tasks": unit_tasks,
    "unit_summary": unit_summary,
    "tick": tick,
    "past_quarter": past_quarter,
}


def _quarter(db: Database) -> str:
    return f"{db.now.year}Q{(db.now.month - 1) // 3 + 1}"


# --- the databases --------------------------------------------------------------------


async def prepare(kind: str, url: str, reports: int) -> Database:
    """Generate the database at ``url`` (unless it holds exactly ``reports`` already) and
    open it for the figures.
    """
    engine = create_engine(database_url(url))
    try:
        held = await _reports_held(engine)
    finally:
        await engine.dispose()
    if held != reports:
        await _wipe(kind, url)
        started = time.perf_counter()
        await generate(url, reports)
        print(f"  generated {kind} {reports:,} in {time.perf_counter() - started:.0f} s")
    return await open_database(kind, url, reports)


async def open_database(kind: str, url: str, reports: int) -> Database:
    """Open a generated database for the figures."""
    engine = create_engine(database_url(url))
    if kind == "postgresql":
        # What autovacuum does to a table this size in service: the planner's statistics.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("ANALYZE"))
    async with transaction(session_factory(engine)) as session:
        plan = (await session.exec(select(Plan).order_by(col(Plan.year).desc()))).first()
        assert plan is not None
        commune = await session.get(Commune, plan.commune_id)
        head = (
            await session.exec(
                select(Member)
                .where(Member.commune_id == plan.commune_id, Member.role == Role.HAMLET_HEAD)
                .order_by(col(Member.id))
            )
        ).first()
        assert commune is not None and head is not None and head.unit_id is not None
        unit = await session.get(Unit, head.unit_id)
        assert unit is not None
    # The last day of reporting in the plan's year: the fourth quarter, every report made.
    now = datetime(plan.year, 12, 21, 3, tzinfo=UTC)
    return Database(kind, reports, url, engine, commune, plan, head, unit, now)


async def _reports_held(engine: AsyncEngine) -> int | None:
    try:
        async with transaction(session_factory(engine)) as session:
            return (await session.exec(select(func.count()).select_from(Report))).one()
    except Exception:  # no database, or no schema yet
        return None


async def _wipe(kind: str, url: str) -> None:
    """An empty database at ``url`` (the generator wants one without reports)."""
    if kind == "sqlite":
        _remove_sqlite(Path(make_url(url).database or ""))
        return
    await _pg_admin(url, "drop")
    await _pg_admin(url, "create")


def _remove_sqlite(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


async def _pg_admin(url: str, action: str) -> None:
    """Create or drop the database ``url`` names, from the server's ``postgres`` database."""
    target = make_url(url)
    name = target.database
    assert name and re.fullmatch(r"[a-z0-9_]+", name), name
    engine = create_engine(database_url(target.set(database="postgres").render_as_string(False)))
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if action == "drop":
                await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                await autocommit.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


def pg_url(base: str, reports: int) -> str:
    """A database of its own for one size, beside the one ``TEST_DATABASE_URL`` names."""
    url = make_url(base)
    return url.set(database=f"{url.database}_bench_summary_{reports}").render_as_string(False)


# --- measuring ------------------------------------------------------------------------


async def measure(dbs: list[Database], rounds: int, repeat: int) -> None:
    """Time every figure on every database, interleaved; keep every run's time."""
    for db in dbs:  # once untimed: caches warm, statements prepared
        for name, figure in MEASURED.items():
            async with transaction(session_factory(db.engine)) as session:
                await figure(session, db)
            db.times.setdefault(name, [])
    for _round in range(rounds):
        for name, figure in MEASURED.items():
            for db in dbs:
                sessions = session_factory(db.engine)
                for _run in range(repeat):
                    async with transaction(sessions) as session:
                        started = time.perf_counter()
                        await figure(session, db)
                        db.times[name].append(time.perf_counter() - started)


def best(db: Database, name: str) -> float:
    """The figure's time in milliseconds: the minimum of its runs."""
    return min(db.times[name]) * 1000


async def same_figures(db: Database) -> bool:
    """Whether the hand-written SQL gives the figures the bot gives."""
    async with transaction(session_factory(db.engine)) as session:
        bot, hand = await app_summary(session, db), await baseline_summary(session, db)
    return asdict(bot) == asdict(hand)


async def explain(db: Database) -> str:
    """The database's plan for the latest-report statement the summary runs."""
    seen: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        seen.append((args[2], args[3]))

    sync_engine = db.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", grab)
    try:
        async with transaction(session_factory(db.engine)) as session:
            await app_summary(session, db)
    finally:
        event.remove(sync_engine, "before_cursor_execute", grab)
    sql, params = next((s, p) for s, p in seen if "ORDER BY probe.version DESC" in s)
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if db.kind == "postgresql" else "EXPLAIN QUERY PLAN "
    async with db.engine.connect() as connection:
        rows = await connection.exec_driver_sql(prefix + sql, params)
        return "\n".join(" ".join(str(v) for v in row) for row in rows)


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    kind: str
    goal: str
    measured: float
    target: float
    detail: str
    # Shown with its verdict, not counted in the result (see the module's docstring).
    counted: bool = True

    @property
    def passed(self) -> bool:
        return self.measured <= self.target


def verdicts(dbs: list[Database]) -> list[Verdict]:
    found: list[Verdict] = []
    for kind in ("sqlite", "postgresql"):
        mine = sorted((db for db in dbs if db.kind == kind), key=lambda db: db.reports)
        if not mine:
            continue
        small, large = mine[0], mine[-1]
        sizes = f"{large.reports:,} vs {small.reports:,}"
        if large.reports > small.reports:
            for name in ("summary", "unit_tasks", "unit_summary", "tick", "past_quarter"):
                times = f"{best(large, name):.2f} ms vs {best(small, name):.2f} ms ({sizes})"
                ratio = best(large, name) / best(small, name)
                counted = name not in UNCOUNTED_FLAT
                found.append(Verdict(kind, f"{FIGURES[name]}: flat", ratio, FLAT, times, counted))
        for db in mine:
            for name, reading in (("baseline", "same figures"), ("probe", "probe alone")):
                ratio = best(db, "summary") / best(db, name)
                found.append(
                    Verdict(
                        kind, f"/tonghop figures vs hand-written SQL ({reading}) at "
                        f"{db.reports:,}", ratio, BASELINE,
                        f"{best(db, 'summary'):.2f} ms vs {best(db, name):.2f} ms",
                        counted=name == "baseline",
                    )
                )  # fmt: skip
    return found


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": os.getloadavg(),
    }


def run(args: argparse.Namespace) -> int:
    """Run the benchmark in a work folder (a temporary one unless ``--workdir``)."""
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hamlet-bench-summary-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(main(args, workdir))
    finally:
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


async def main(args: argparse.Namespace, workdir: Path) -> int:
    pg_base = os.environ.get("TEST_DATABASE_URL")
    started = datetime.now(UTC)
    print(f"flat summaries (issue 9); data in {workdir}; load average {os.getloadavg()}")
    dbs: list[Database] = []
    try:
        for reports in args.sizes:
            url = f"sqlite:///{workdir / f'summary-{reports}.sqlite3'}"
            dbs.append(await prepare("sqlite", url, reports))
        if pg_base:
            for reports in args.pg_sizes:
                dbs.append(await prepare("postgresql", pg_url(pg_base, reports), reports))
        else:
            print("  PostgreSQL: TEST_DATABASE_URL is not set, skipped")
        await measure(dbs, args.rounds, args.repeat)
        same = {db.label: await same_figures(db) for db in dbs}
        plans = {db.kind: await explain(db) for db in sorted(dbs, key=lambda d: d.reports)}
        lines = [_record(db, name) for db in dbs for name in FIGURES]
        found = verdicts(dbs)
    finally:
        for db in dbs:
            await db.engine.dispose()
        if pg_base and not args.keep:
            for db in dbs:
                if db.kind == "postgresql":
                    await _pg_admin(db.url, "drop")

    print(f"\n{'database':22} " + " ".join(f"{name:>12}" for name in FIGURES) + "   (ms, min)")
    for db in dbs:
        print(f"{db.label:22} " + " ".join(f"{best(db, name):12.2f}" for name in FIGURES))
    for name, meaning in FIGURES.items():
        print(f"  {name:12} {meaning}")
    for label, ok in same.items():
        print(f"same figures from the hand-written SQL on {label}: {'yes' if ok else 'NO'}")
    for kind, plan in plans.items():
        print(f"\nthe latest-report statement's plan on {kind} (largest database):\n{plan}")
    print()
    for verdict in found:
        print(
            f"{'PASS' if verdict.passed else 'FAIL'}  {verdict.kind:10} {verdict.goal}: "
            f"{verdict.measured:.2f}x (goal <= {verdict.target}x; {verdict.detail})"
            + ("" if verdict.counted else " [shown, not counted: see the docstring]")
        )
    failed = [v.goal for v in found if v.counted and not v.passed]
    failed += [f"same figures on {label}" for label, ok in same.items() if not ok]
    print("result:", "PASS" if not failed else f"FAIL ({len(failed)})")

    about = {
        "bench": "summary", "started": started.isoformat(), "machine": machine(),
        "rounds": args.rounds, "repeat": args.repeat, "same_figures": same, "query_plans": plans,
        "command": " ".join(sys.argv),
    }  # fmt: skip
    records = [{"type": "run", **about}]
    records += [{"type": "figure", **line} for line in lines]
    records += [{"type": "goal", **asdict(v), "passed": v.passed} for v in found]
    write_results(records)
    print(f"written to {RESULTS}")
    return 0  # a missed goal is in the result line (bench.run_all reads it); 1 is a crash


def write_results(records: list[dict[str, Any]]) -> None:
    """The results as JSON lines, replacing the last run's."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(record, ensure_ascii=False) for record in records)
    RESULTS.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _record(db: Database, name: str) -> dict[str, Any]:
    runs = sorted(db.times[name])
    return {
        "database": db.kind, "reports": db.reports, "figure": name,
        "meaning": FIGURES[name], "ms": round(runs[0] * 1000, 3),
        "median_ms": round(runs[len(runs) // 2] * 1000, 3), "runs": len(runs),
    }  # fmt: skip


def _sizes(value: str) -> list[int]:
    return sorted(int(part.replace("_", "")) for part in value.split(",") if part)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=list(SIZES), help="SQLite sizes")
    parser.add_argument(
        "--pg-sizes", type=_sizes, default=list(SIZES), help="PostgreSQL sizes (1M: ~1 min)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure per round")
    parser.add_argument("--workdir", help="keep the SQLite files here (reused when complete)")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse()))
