"""Loading the plan into the database: idempotent, per year, per commune."""

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.members import find_unit
from models.plan_data import PlanSpec
from models.plan_loader import ensure_commune, load_plan
from models.plans import plan_tasks, task_by_code
from models.tables import Area, Commune, Plan, Task, TaskUnit, Unit, UnitKind


async def count(session: AsyncSession, model: type, *where: object) -> int:
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)  # type: ignore[arg-type]
    return int((await session.exec(statement)).one())


async def test_loading_twice_changes_nothing(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    before = [await count(session, m) for m in (Plan, Area, Task, TaskUnit, Unit)]
    result = await load_plan(session, commune, plan_spec, year=2026)
    assert not result.created and result.tasks_created == result.tasks_updated == 0
    assert [await count(session, m) for m in (Plan, Area, Task, TaskUnit, Unit)] == before
    assert before[:3] == [1, 8, 46]


async def test_another_year_is_another_plan_naming_its_source(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    result = await load_plan(session, commune, plan_spec, year=2027)
    assert result.created and result.tasks_created == 46
    assert result.plan.source_year == 2023
    assert result.plan.report_deadline.isoformat() == "2027-12-20"


async def test_every_hamlet_is_a_unit_and_renaming_keeps_it(
    session: AsyncSession, commune: Commune
) -> None:
    hamlets = await count(session, Unit, col(Unit.kind) == UnitKind.HAMLET)
    assert hamlets == 9
    third = await find_unit(session, commune, "ap 3")
    renamed = [f"Ấp {n}" for n in range(1, 10)]
    renamed[2] = "Ấp Mỹ Thạnh"
    await ensure_commune(session, commune.name, commune.timezone, renamed)
    assert (await find_unit(session, commune, "ấp mỹ thạnh")).id == third.id


async def test_units_are_found_by_any_spelling(session: AsyncSession, commune: Commune) -> None:
    office = await find_unit(session, commune, "Văn phòng UBND xã")
    assert (await find_unit(session, commune, "vp ubnd xa")).id == office.id
    assert (await find_unit(session, commune, "VĂN PHÒNG UBND XÃ")).id == office.id


async def test_an_edited_task_is_updated_in_place(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    from dataclasses import replace

    plan = (await session.exec(select(Plan))).one()
    task = await task_by_code(session, plan, "6.1")
    assert task is not None
    area = plan_spec.areas[5]
    edited_task = replace(area.tasks[0], text="Nội dung đã sửa", lead_units=("Công an xã",))
    edited_area = replace(area, tasks=(edited_task, *area.tasks[1:]))
    edited = replace(plan_spec, areas=(*plan_spec.areas[:5], edited_area, *plan_spec.areas[6:]))
    result = await load_plan(session, commune, edited, year=2026)
    assert result.tasks_updated == 1
    again = await task_by_code(session, plan, "6.1")
    assert again is not None and again.id == task.id and again.text == "Nội dung đã sửa"
    links = list(await session.exec(select(TaskUnit).where(TaskUnit.task_id == task.id)))
    police = await find_unit(session, commune, "Công an xã")
    assert [link.unit_id for link in links] == [police.id]


async def test_two_communes_in_one_database_are_isolated(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    other = await ensure_commune(session, "Mỹ Khánh", "Asia/Ho_Chi_Minh", ["Ấp A", "Ấp B"])
    await load_plan(session, other, plan_spec, year=2026)
    plans = list(await session.exec(select(Plan).order_by(col(Plan.commune_id))))
    assert [p.commune_id for p in plans] == [commune.id, other.id]
    tasks = await plan_tasks(session, plans[1])
    assert len(tasks) == 46 and all(t.commune_id == other.id for t in tasks)
    other_hamlets = await count(
        session, Unit, col(Unit.commune_id) == other.id, col(Unit.kind) == UnitKind.HAMLET
    )
    assert other_hamlets == 2
