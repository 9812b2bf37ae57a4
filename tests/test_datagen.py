"""The benchmarks' data generator makes the shape the issue measured, with valid reports."""

from collections import Counter
from pathlib import Path

from sqlmodel import col, func, select

from bench.datagen import generate
from models.db import create_engine, session_factory, transaction
from models.scope import TaskScope
from models.tables import ChatAccount, Member, Plan, Report, Task, TaskUnit, Unit


async def test_the_generator_fills_five_plans_with_versions_in_scope(database: str) -> None:
    made = await generate(database, 3_000, plans=3, units=40, year=2026, seed=7)
    assert made.reports == 3_000 and made.year == 2026
    engine = create_engine(made.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            plans = {p.id: p.year for p in await session.exec(select(Plan))}
            assert sorted(plans.values()) == [2024, 2025, 2026]
            assert plans[made.plan_id] == 2026
            units = list(await session.exec(select(Unit)))
            assert len(units) == 40
            members = (await session.exec(select(func.count()).select_from(Member))).one()
            accounts = (await session.exec(select(func.count()).select_from(ChatAccount))).one()
            assert members == accounts == 40 + 2
            reports = list(await session.exec(select(Report)))
            tasks = list(await session.exec(select(Task)))
            links = list(await session.exec(select(TaskUnit)))
    finally:
        await engine.dispose()

    per_plan = Counter(r.plan_id for r in reports)
    assert per_plan[made.plan_id] == 600  # one fifth in the current plan
    assert sorted(per_plan.values()) == [600, 1200, 1200]
    versions: dict[tuple[int, int], list[Report]] = {}
    for report in reports:
        versions.setdefault((report.task_id, report.unit_id), []).append(report)
    assert max(len(found) for found in versions.values()) >= 3  # several versions
    for found in versions.values():
        found.sort(key=lambda r: r.version)
        assert [r.version for r in found] == list(range(1, len(found) + 1))
        assert [r.created_at for r in found] == sorted(r.created_at for r in found)
        assert all(r.created_at.year == plans[r.plan_id] for r in found)
    by_id = {unit.id: unit for unit in units}
    plan_of = {task.id: task.plan_id for task in tasks}
    for plan_id in plans:
        scope = TaskScope.of([t for t in tasks if t.plan_id == plan_id], links)
        for task_id, unit_id in versions:
            if plan_of[task_id] == plan_id:
                assert scope.answers(by_id[unit_id], task_id)


async def test_the_generator_is_deterministic(database: str, tmp_path: Path) -> None:
    first = await generate(database, 500, plans=2, units=35, seed=3)
    engine = create_engine(first.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            rows = [
                (r.task_id, r.unit_id, r.version, r.status, r.percent, r.note, r.created_at)
                for r in await session.exec(select(Report).order_by(col(Report.id)))
            ]
    finally:
        await engine.dispose()
    assert len(rows) == 500
    again = await generate(f"sqlite:///{tmp_path}/again.sqlite3", 500, plans=2, units=35, seed=3)
    engine = create_engine(again.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            other = [
                (r.task_id, r.unit_id, r.version, r.status, r.percent, r.note, r.created_at)
                for r in await session.exec(select(Report).order_by(col(Report.id)))
            ]
    finally:
        await engine.dispose()
    if first.database_url.startswith("sqlite"):
        assert other == rows  # same ids on a fresh database of the same kind
    else:
        assert len(other) == len(rows)
