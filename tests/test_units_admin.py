"""The office renames a unit, gives it another name, merges two: members, tasks and reports
stay attached, the old names still lead to the unit, and the next plan load undoes nothing.
"""

from datetime import timedelta

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import CLI, verify_chain
from models.errors import DomainError
from models.members import create_member, find_unit
from models.plan_data import PlanSpec
from models.plan_loader import load_plan
from models.plans import plan_for_year
from models.reports import ReportInput, record_report
from models.tables import (
    AuditEntry,
    Commune,
    Member,
    Plan,
    Report,
    Role,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from models.unit_admin import add_alias, list_units, merge_units, rename_unit
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW
TZ = "Asia/Ho_Chi_Minh"


async def member_of(session: AsyncSession, commune: Commune, unit: str) -> Member:
    issued = await create_member(
        session, commune, role=Role.OFFICER, name=f"Cán bộ {unit}", unit_text=unit, now=NOW
    )
    return issued.member


async def tasks_of(session: AsyncSession, unit: Unit) -> dict[int, str]:
    links = await session.exec(select(TaskUnit).where(TaskUnit.unit_id == unit.id))
    return {link.task_id: link.role for link in links}


async def report_on(session: AsyncSession, member: Member, task_id: int) -> Report:
    task = await session.get(Task, task_id)
    assert task is not None
    return await record_report(
        session, member=member, task=task, report=ReportInput(Status.IN_PROGRESS, 50, "ghi"),
        now=NOW, timezone=TZ,
    )  # fmt: skip


async def units_count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(Unit))).one())


async def actions(session: AsyncSession) -> list[str]:
    return list(await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.seq))))


async def test_a_renamed_unit_keeps_everything_and_its_old_name(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    member = await member_of(session, commune, "Trạm Y tế xã")
    health = await find_unit(session, commune, "Trạm Y tế xã")
    tasks = await tasks_of(session, health)
    units = await units_count(session)
    renamed = await rename_unit(
        session, commune, "tram y te", "Trạm Y tế phường Mỹ Hòa Hưng", actor=CLI, now=NOW
    )
    assert renamed.id == health.id and renamed.key == "tram y te xa"
    assert (await find_unit(session, commune, "Trạm Y tế xã")).id == health.id
    assert (await session.get(Member, member.id)).unit_id == health.id  # type: ignore[union-attr]
    # The seed plan loaded again (a start, `hamlet-bot init`): the new name stands.
    await load_plan(session, commune, plan_spec, year=2026)
    assert (await session.get(Unit, health.id)).name == "Trạm Y tế phường Mỹ Hòa Hưng"  # type: ignore[union-attr]
    assert await units_count(session) == units and await tasks_of(session, health) == tasks
    assert (await actions(session))[-1] == "unit.rename"
    assert (await verify_chain(session)).ok


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("Trạm Y tế xã", "Công an xã", "name_taken"),
        ("Trạm Y tế xã", "vp ubnd xa", "name_taken"),  # another unit's other spelling
        ("Trạm Ytế", "Trạm mới", "unknown_unit"),
        ("Trạm Y tế xã", "  ", "bad_unit_name"),
        ("Trạm Y tế xã", "x" * 121, "bad_unit_name"),
        ("Trạm Y tế xã", "Trạm Y tế xã", "same_name"),
        ("Ấp 3", "Ấp Mỹ Thạnh", "hamlet_in_settings"),
    ],
)
async def test_a_rename_that_cannot_be_is_refused_and_changes_nothing(
    session: AsyncSession, commune: Commune, old: str, new: str, reason: str
) -> None:
    names = [row.name for row in await list_units(session, commune)]
    with pytest.raises(DomainError) as caught:
        await rename_unit(session, commune, old, new, actor=CLI, now=NOW, fixed_hamlets=9)
    assert caught.value.reason == reason
    assert [row.name for row in await list_units(session, commune)] == names
    assert "unit.rename" not in await actions(session)


async def test_another_name_finds_the_unit_and_cannot_name_two(
    session: AsyncSession, commune: Commune
) -> None:
    police = await add_alias(session, commune, "Công an xã", "Công an phường", actor=CLI, now=NOW)
    assert (await find_unit(session, commune, "cong an phuong")).id == police.id
    with pytest.raises(DomainError) as caught:
        await add_alias(session, commune, "Trạm Y tế xã", "Công an phường", actor=CLI, now=NOW)
    assert (caught.value.reason, caught.value.detail) == ("name_taken", "Công an xã")
    assert (await actions(session)).count("unit.alias") == 1


async def test_merging_moves_members_tasks_and_reports_to_the_other_unit(
    session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    health = await find_unit(session, commune, "Trạm Y tế xã")
    office = await find_unit(session, commune, "Văn phòng UBND xã")
    nurse = await member_of(session, commune, "Trạm Y tế xã")
    health_tasks = await tasks_of(session, health)
    office_tasks = await tasks_of(session, office)
    reported = next(t for t in health_tasks if t not in office_tasks)
    report = await report_on(session, nurse, reported)
    units = await units_count(session)

    merged = await merge_units(
        session, commune, "Trạm Y tế", "VP UBND xã", actor=CLI, now=NOW + timedelta(hours=1)
    )
    assert (merged.source, merged.target) == ("Trạm Y tế xã", "Văn phòng UBND xã")
    assert (merged.members, merged.reports, merged.tasks) == (1, 1, len(health_tasks))
    assert await session.get(Unit, health.id) is None
    assert (await session.get(Member, nurse.id)).unit_id == office.id  # type: ignore[union-attr]
    assert (await session.get(Report, report.id)).unit_id == office.id  # type: ignore[union-attr]
    now_office = await tasks_of(session, office)
    assert set(now_office) == set(health_tasks) | set(office_tasks)
    for task_id, role in health_tasks.items():
        if role == TaskRole.LEAD:
            assert now_office[task_id] == TaskRole.LEAD  # it leads what either led
    assert (await find_unit(session, commune, "Trạm Y tế xã")).id == office.id
    # The seed plan still names "Trạm Y tế xã": loading it again recreates nothing.
    await load_plan(session, commune, plan_spec, year=2026)
    assert await units_count(session) == units - 1
    assert set(await tasks_of(session, office)) == set(now_office)
    assert (await actions(session))[-1] == "unit.merge"


async def test_a_merge_is_refused_when_both_units_reported_on_one_task(
    session: AsyncSession, commune: Commune
) -> None:
    health = await find_unit(session, commune, "Trạm Y tế xã")
    office = await find_unit(session, commune, "Văn phòng UBND xã")
    task_id = min(await tasks_of(session, health))
    # The office coordinates the task too, so both may report on it.
    session.add(TaskUnit(commune_id=commune.id or 0, task_id=task_id, unit_id=office.id or 0,
                         role=TaskRole.COORDINATING))  # fmt: skip
    await session.flush()
    await report_on(session, await member_of(session, commune, "Trạm Y tế xã"), task_id)
    await report_on(session, await member_of(session, commune, "Văn phòng UBND xã"), task_id)
    task = await session.get(Task, task_id)
    assert task is not None
    with pytest.raises(DomainError) as caught:
        await merge_units(session, commune, "Trạm Y tế xã", "Văn phòng UBND xã", actor=CLI,
                          now=NOW)  # fmt: skip
    assert (caught.value.reason, caught.value.detail) == ("both_reported", task.code)
    assert await session.get(Unit, health.id) is not None
    assert "unit.merge" not in await actions(session)


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("Trạm Y tế xã", "Trạm Y tế", "same_unit"),
        ("Ấp 3", "Trạm Y tế xã", "kinds_differ"),
        ("Ấp 3", "Ấp 4", "hamlet_in_settings"),
        ("Trạm Y tế xã", "Phòng Không Có", "unknown_unit"),
    ],
)
async def test_a_merge_that_cannot_be_is_refused(
    session: AsyncSession, commune: Commune, source: str, target: str, reason: str
) -> None:
    units = await units_count(session)
    with pytest.raises(DomainError) as caught:
        await merge_units(session, commune, source, target, actor=CLI, now=NOW, fixed_hamlets=9)
    assert caught.value.reason == reason
    assert await units_count(session) == units


async def test_the_list_gives_units_then_hamlets(session: AsyncSession, commune: Commune) -> None:
    await member_of(session, commune, "Công an xã")
    rows = await list_units(session, commune)
    assert rows[0].name == "Văn phòng UBND xã" and rows[0].kind == UnitKind.UNIT
    assert [r.name for r in rows if r.kind == UnitKind.HAMLET] == [f"Ấp {n}" for n in range(1, 10)]
    police = next(r for r in rows if r.name == "Công an xã")
    assert police.members == 1
    plan = await plan_for_year(session, commune, 2026)
    assert isinstance(plan, Plan)
