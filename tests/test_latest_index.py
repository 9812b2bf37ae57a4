"""The latest report of each task × unit: one probe of ``ix_report_latest`` per pair (checked
with EXPLAIN on whichever database the suite runs on), the right version with and without
``until``, and one unit's views reading only that unit's rows.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.followup import open_tasks_of
from models.members import create_member
from models.reports import latest_of_unit, latest_reports, latest_states
from models.summary import summarise
from models.tables import Commune, Member, Plan, Report, Role, Status, Task, Unit
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW
INDEX = "ix_report_latest"


async def plan_of(session: AsyncSession) -> Plan:
    return (await session.exec(select(Plan))).one()


async def units_by_name(session: AsyncSession, commune: Commune) -> dict[str, Unit]:
    return {
        u.name: u for u in await session.exec(select(Unit).where(Unit.commune_id == commune.id))
    }


async def tasks_by_code(session: AsyncSession, plan: Plan) -> dict[str, Task]:
    return {t.code: t for t in await session.exec(select(Task).where(Task.plan_id == plan.id))}


async def reporter(session: AsyncSession, commune: Commune) -> Member:
    issued = await create_member(
        session, commune, role=Role.OFFICE, name="Văn thư", unit_text="Văn phòng UBND xã", now=NOW
    )
    return issued.member


def add_report(
    session: AsyncSession,
    member: Member,
    task: Task,
    unit: Unit,
    version: int,
    at: datetime,
    percent: int,
    status: Status = Status.IN_PROGRESS,
) -> None:
    assert task.id is not None and unit.id is not None and member.id is not None
    session.add(
        Report(
            commune_id=task.commune_id, plan_id=task.plan_id, task_id=task.id, unit_id=unit.id,
            member_id=member.id, entered_by_id=member.id, version=version,
            quarter=f"{at.year}Q{(at.month - 1) // 3 + 1}", created_at=at, status=status,
            percent=percent, note=f"v{version}",
        )
    )  # fmt: skip


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the session runs meanwhile."""
    seen: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def grab(*args: Any) -> None:
        seen.append((args[2], args[3]))  # conn, cursor, statement, parameters, ...

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def latest_statements(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The latest-report statements: a probe of report correlated with task and unit."""
    return [(sql, params) for sql, params in seen if "ORDER BY probe.version DESC" in sql]


async def explain(session: AsyncSession, sql: str, params: Any) -> str:
    """The database's plan for a statement as it was run, as one text."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # With a handful of rows PostgreSQL may rightly prefer a sequential scan, or
        # another index plus a sort (the suite's other rows make either as cheap); here we
        # ask whether the index can serve the probe, newest version first, by itself. So
        # take scans, bitmap scans and sorts off the table.
        for method in ("seqscan", "bitmapscan", "sort"):
            await connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        prefix = "EXPLAIN "
    else:
        prefix = "EXPLAIN QUERY PLAN "
    result = await connection.exec_driver_sql(prefix + sql, params)
    return "\n".join(" ".join(str(v) for v in row) for row in result)


async def seeded(
    session: AsyncSession, commune: Commune
) -> tuple[Plan, dict[str, Task], dict[str, Unit]]:
    """Several versions on a few tasks × units, a day apart, the last on 20/11/2026."""
    plan = await plan_of(session)
    tasks, units = await tasks_by_code(session, plan), await units_by_name(session, commune)
    member = await reporter(session, commune)
    start = datetime(2026, 11, 20, 3, tzinfo=UTC)
    for code, unit_name, versions in [
        ("6.1", "Trạm Y tế xã", 4),
        ("6.2", "Trạm Y tế xã", 1),
        ("6.8", "Ấp 5", 3),
        ("6.8", "Ấp 6", 2),
        ("2.1", "Ấp 5", 5),
    ]:
        for version in range(1, versions + 1):
            at = start - timedelta(days=versions - version)
            add_report(session, member, tasks[code], units[unit_name], version, at, 10 * version)
    await session.flush()
    return plan, tasks, units


def key(tasks: dict[str, Task], units: dict[str, Unit], code: str, unit: str) -> tuple[int, int]:
    return tasks[code].id or 0, units[unit].id or 0


async def test_the_latest_report_query_probes_the_index(
    session: AsyncSession, commune: Commune
) -> None:
    plan, _tasks, units = await seeded(session, commune)
    hamlet = units["Ấp 5"].id or 0
    with statements(session) as seen:
        await latest_reports(session, plan)
        await latest_states(session, plan)
        await latest_reports(session, plan, NOW - timedelta(days=2))
        await latest_of_unit(session, plan, hamlet)
    probes = latest_statements(seen)
    assert len(probes) == 4
    for sql, params in probes:
        found = await explain(session, sql, params)
        assert INDEX in found, found
        if session.get_bind().dialect.name == "sqlite":
            # A search on plan, task and unit: the versions are read from the index's high
            # end (from the index alone, covering, when no ``until`` needs their times).
            probe = rf"SEARCH probe USING (COVERING )?INDEX {INDEX} "
            assert re.search(probe + r"\(plan_id=\? AND task_id=\? AND unit_id=\?\)", found), found
            assert "SCAN report" not in found and "SCAN probe" not in found, found
        else:
            # One index scan per pair, on task and unit, read newest first: on this index
            # (or on the unique one of task, unit and version, as good a probe), not a
            # read of the plan's reports sorted.
            probe = r"Index (Only )?Scan (Backward )?using (\w+) on report probe"
            used = re.search(probe, found)
            assert used and used.group(3) in (INDEX, "report_task_id_unit_id_version_key"), found
            assert re.search(r"Index Cond: \(.*task_id = .*unit_id = ", found), found
            assert "Sort" not in found and "Seq Scan on report" not in found, found


async def test_latest_is_the_highest_version_of_each_task_and_unit(
    session: AsyncSession, commune: Commune
) -> None:
    plan, tasks, units = await seeded(session, commune)
    latest = await latest_reports(session, plan)
    expected = {
        key(tasks, units, "6.1", "Trạm Y tế xã"): 4,
        key(tasks, units, "6.2", "Trạm Y tế xã"): 1,
        key(tasks, units, "6.8", "Ấp 5"): 3,
        key(tasks, units, "6.8", "Ấp 6"): 2,
        key(tasks, units, "2.1", "Ấp 5"): 5,
    }
    assert {pair: report.version for pair, report in latest.items()} == expected
    assert all(report.percent == 10 * report.version for report in latest.values())
    # The states are the same reports, without the rest of the row.
    states = await latest_states(session, plan)
    assert {pair: (s.version, s.percent, s.note) for pair, s in states.items()} == {
        pair: (r.version, r.percent, r.note) for pair, r in latest.items()
    }


async def test_until_ignores_later_versions_and_pairs_reported_only_later(
    session: AsyncSession, commune: Commune
) -> None:
    plan, tasks, units = await seeded(session, commune)
    # Two days before the last reports: 6.1 was at version 2, 2.1 (Ấp 5) at 3, 6.8 (Ấp 6)
    # had not been reported yet, nor 6.2.
    until = datetime(2026, 11, 18, 3, 0, 1, tzinfo=UTC)
    latest = await latest_reports(session, plan, until)
    assert {pair: report.version for pair, report in latest.items()} == {
        key(tasks, units, "6.1", "Trạm Y tế xã"): 2,
        key(tasks, units, "6.8", "Ấp 5"): 1,
        key(tasks, units, "2.1", "Ấp 5"): 3,
    }
    states = await latest_states(session, plan, until)
    assert {pair: s.version for pair, s in states.items()} == {
        pair: r.version for pair, r in latest.items()
    }
    # A moment exactly at a report's time leaves it out (made before ``until`` only).
    exactly = datetime(2026, 11, 20, 3, tzinfo=UTC)
    assert (await latest_reports(session, plan, exactly))[
        key(tasks, units, "6.1", "Trạm Y tế xã")
    ].version == 3


async def test_one_units_variant_returns_only_that_unit(
    session: AsyncSession, commune: Commune
) -> None:
    plan, tasks, units = await seeded(session, commune)
    hamlet = units["Ấp 5"].id or 0
    mine = await latest_reports(session, plan, unit_ids=[hamlet])
    assert {pair: r.version for pair, r in mine.items()} == {
        key(tasks, units, "6.8", "Ấp 5"): 3,
        key(tasks, units, "2.1", "Ấp 5"): 5,
    }
    by_task = await latest_of_unit(session, plan, hamlet)
    assert {task_id: r.version for task_id, r in by_task.items()} == {
        tasks["6.8"].id: 3,
        tasks["2.1"].id: 5,
    }
    only_68 = await latest_of_unit(session, plan, hamlet, [tasks["6.8"].id or 0])
    assert list(only_68) == [tasks["6.8"].id]
    both = await latest_states(session, plan, unit_ids=[hamlet, units["Ấp 6"].id or 0])
    assert {unit_id for _task, unit_id in both} == {hamlet, units["Ấp 6"].id}
    # Asking for no unit or no task asks for nothing.
    assert await latest_reports(session, plan, unit_ids=[]) == {}
    assert await latest_states(session, plan, task_ids=[]) == {}


async def test_one_units_views_read_only_that_units_rows(
    session: AsyncSession, commune: Commune
) -> None:
    plan, _tasks, units = await seeded(session, commune)
    issued = await create_member(
        session, commune, role=Role.HAMLET_HEAD, name="Trưởng ấp", unit_text="Ấp 5", now=NOW
    )
    head, hamlet = issued.member, units["Ấp 5"]
    with statements(session) as seen:
        owed, latest = await open_tasks_of(session, head, hamlet, plan, "2026Q4")
        summary = await summarise(session, commune, plan, NOW, unit=hamlet)
    assert {r.unit_id for r in latest.values()} == {hamlet.id}
    assert len(owed) == 9 - 2  # the hamlets' nine tasks, less the two reported this quarter
    assert summary.scope == "Ấp 5" and len(summary.tasks) == 9
    probes = latest_statements(seen)
    assert len(probes) == 2
    for sql, params in probes:
        # The probes are asked for this one unit: an IN list of one value, its id.
        assert re.search(r"unit\.id IN \((\?|%s|\$\d+(::INTEGER)?)\)", sql), sql
        values = list(params.values()) if isinstance(params, dict) else list(params)
        assert hamlet.id in values


async def test_a_whole_plan_summary_counts_every_units_latest_report(
    session: AsyncSession, commune: Commune
) -> None:
    plan, _tasks, _units = await seeded(session, commune)
    summary = await summarise(session, commune, plan, NOW)
    # Each task's percent is its lead's latest: 10 x the version.
    lines = {line.code: line for line in summary.tasks}
    assert lines["6.1"].percent == 40 and lines["6.1"].status == Status.IN_PROGRESS
    assert lines["6.2"].percent == 10
    count = await session.exec(select(col(Report.id)).where(Report.plan_id == plan.id))
    assert len(list(count)) == 15


async def test_the_migration_made_the_index(session: AsyncSession) -> None:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    found = (await connection.execute(text(query), {"name": INDEX})).scalar_one()
    assert "plan_id" in found and "version" in found


async def test_the_benchs_hand_written_sql_gives_the_bots_figures(database: str) -> None:
    from bench.datagen import generate
    from bench.summary import FIGURES, measure, open_database, same_figures

    made = await generate(database, 1_200, plans=2, units=30, seed=3)
    kind = "sqlite" if made.database_url.startswith("sqlite") else "postgresql"
    db = await open_database(kind, made.database_url, made.reports)
    try:
        assert await same_figures(db)
        await measure([db], rounds=1, repeat=1)
        assert all(len(db.times[name]) == 1 for name in FIGURES)
    finally:
        await db.engine.dispose()
