"""A plan naming units the commune does not have yet: they are proposed in the dry run with
their kind, created when the import is confirmed, and known from then on.
"""

import io

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.members import create_member, find_unit
from models.plan_data import PlanSpec, UnitSpec
from models.plan_file import PlanImportError
from models.plan_import import ImportCatalogue, catalogue_for, read_plan_table
from models.plan_sync import describe_changes, import_plan
from models.plans import plan_for_year, task_by_code
from models.reports import tasks_in_scope
from models.tables import Commune, Role, TaskRole, TaskUnit, Unit, UnitAlias, UnitKind
from models.unit_sync import commune_units, new_unit_lines
from tests.helpers import DEFAULT_NOW

HEADER = ("TT", "Nội dung", "Kết quả", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian")
AREA = ("1", "Tham gia của người dân ở cấp cơ sở", "", "", "", "")


def xlsx(*tasks: tuple[str, str]) -> bytes:
    """A plan with one area and a task per (lead, coordinating) pair."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Kế hoạch"
    sheet.append(HEADER)
    sheet.append(AREA)
    for n, (lead, coordinating) in enumerate(tasks, start=1):
        sheet.append(["", f"Nhiệm vụ {n}", "Báo cáo", lead, coordinating or None, "Năm 2026"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


DISTRICT = xlsx(
    ("Phòng Nội vụ", "UBND các xã, thị trấn; Sở Tài nguyên và Môi trường"),
    ("Thôn Đông", "Trưởng các ấp"),
    ("Hội Nông dân xã và Phòng Nội vụ", "Ấp 3"),
)


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


def read(content: bytes, catalogue: ImportCatalogue) -> PlanSpec:
    return read_plan_table(content, "kh.xlsx", catalogue, commune="Mỹ Hòa Hưng", year=2026)


async def count(session: AsyncSession, model: type) -> int:
    return int((await session.exec(select(func.count()).select_from(model))).one())


def test_units_no_one_knows_are_proposed_with_their_kind(catalogue: ImportCatalogue) -> None:
    spec = read(DISTRICT, catalogue)
    proposed = [(u.name, u.kind) for u in spec.units if u.proposed]
    assert proposed == [
        ("Phòng Nội vụ", "unit"),
        ("UBND các xã, thị trấn", "unit"),
        ("Sở Tài nguyên và Môi trường", "unit"),
        ("Thôn Đông", "hamlet"),
        ("Hội Nông dân xã", "unit"),  # not a slip of "Hội đồng nhân dân xã"
        ("Ấp 3", "hamlet"),  # the settings' hamlet: the database knows it (see below)
    ]
    first, second, third = spec.tasks
    assert first.lead_units == ("Phòng Nội vụ",)
    assert first.coordinating_units == ("UBND các xã, thị trấn", "Sở Tài nguyên và Môi trường")
    # A hamlet named is the task's unit; "Trưởng các ấp" makes it every hamlet's task.
    assert second.lead_units == ("Thôn Đông",) and second.involves_hamlets
    assert third.lead_units == ("Hội Nông dân xã", "Phòng Nội vụ")
    assert third.coordinating_units == ("Ấp 3",) and not third.involves_hamlets
    # The catalogue read against is unchanged: the next read proposes them again.
    assert not any(u.proposed for u in catalogue.units)
    assert next(u.name for u in read(DISTRICT, catalogue).units if u.proposed) == "Phòng Nội vụ"


def test_a_slip_of_a_known_unit_is_not_proposed(catalogue: ImportCatalogue) -> None:
    with pytest.raises(PlanImportError) as caught:
        read(xlsx(("Trạm Ytế xã", "")), catalogue)
    assert caught.value.reason == "unknown_unit"
    assert "Có phải «Trạm Y tế xã»?" in str(caught.value)
    assert "tệp dữ liệu kế hoạch" not in str(caught.value)


async def test_the_dry_run_lists_the_new_units_and_writes_nothing(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    units = await count(session, Unit)
    changes = await import_plan(session, commune, read(DISTRICT, catalogue), year=2027,
                                dry_run=True)  # fmt: skip
    line = (
        "Đơn vị mới sẽ được tạo: Phòng Nội vụ (đơn vị), UBND các xã, thị trấn (đơn vị), "
        "Sở Tài nguyên và Môi trường (đơn vị), Thôn Đông (thôn/ấp), Hội Nông dân xã (đơn vị)."
    )
    assert line in describe_changes(changes)
    assert "Ấp 3" not in line  # a hamlet the commune has
    assert await count(session, Unit) == units


async def test_confirmed_the_new_units_are_created_after_the_others(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    before = list(await session.exec(select(Unit).where(Unit.commune_id == commune.id)))
    last = max(u.position for u in before if u.kind == UnitKind.UNIT)
    changes = await import_plan(session, commune, read(DISTRICT, catalogue), year=2027,
                                dry_run=False)  # fmt: skip
    assert describe_changes(changes)[-1].startswith("Đã tạo đơn vị mới: Phòng Nội vụ (đơn vị)")
    office = await find_unit(session, commune, "phong noi vu")
    assert (office.key, office.kind, office.position) == ("phong noi vu", "unit", last + 1)
    east = await find_unit(session, commune, "Thôn Đông")
    assert (east.key, east.kind) == ("hamlet-10", "hamlet")
    districts = await find_unit(session, commune, "UBND các xã, thị trấn")
    assert districts.position == last + 2
    plan = await plan_for_year(session, commune, 2027)
    assert plan is not None
    task = await task_by_code(session, plan, "1.1")
    assert task is not None
    links = {
        (link.unit_id, link.role)
        for link in await session.exec(select(TaskUnit).where(TaskUnit.task_id == task.id))
    }
    assert links == {(office.id, TaskRole.LEAD), (districts.id, TaskRole.COORDINATING),
                     ((await find_unit(session, commune, "Sở Tài nguyên và Môi trường")).id,
                      TaskRole.COORDINATING)}  # fmt: skip
    # Imported again: nothing new, nothing changed.
    again = await import_plan(session, commune, read(DISTRICT, catalogue), year=2027,
                              dry_run=True)  # fmt: skip
    assert again.units_created == () and not again.changed
    assert not any("Đơn vị mới" in line for line in describe_changes(again))


async def test_a_unit_the_database_knows_by_another_spelling_is_not_new(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    office = await find_unit(session, commune, "Văn phòng UBND xã")
    session.add(UnitAlias(commune_id=commune.id or 0, unit_id=office.id or 0,
                          folded="van phong hdnd va ubnd phuong"))  # fmt: skip
    await session.flush()
    units = await count(session, Unit)
    changes = await import_plan(session, commune, read(xlsx(("Văn phòng HĐND và UBND phường",
                                "")), catalogue), year=2027, dry_run=False)  # fmt: skip
    assert changes.units_created == () and await count(session, Unit) == units
    plan = await plan_for_year(session, commune, 2027)
    assert plan is not None
    task = await task_by_code(session, plan, "1.1")
    assert task is not None
    statement = select(TaskUnit.unit_id).where(col(TaskUnit.task_id) == task.id)
    assert list(await session.exec(statement)) == [office.id]


def test_the_new_units_line_lists_forty_and_counts_the_rest() -> None:
    units = [UnitSpec(f"Phòng {n}", ()) for n in range(45)]
    (line,) = new_unit_lines(units, dry_run=True)
    assert line.count("(đơn vị)") == 40 and line.endswith("và 5 đơn vị khác.")
    assert new_unit_lines([], dry_run=True) == []


@pytest.mark.parametrize(
    "name",
    [
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",  # the seed knows "… Việt Nam xã"
        "Sở Tài nguyên và Môi trường",  # the seed knows "Tài nguyên và Môi trường"
        "Văn phòng HĐND và UBND phường",  # the seed knows "Văn phòng HĐND và UBND xã"
        "Ủy ban MTTQ Việt Nam thành phố",  # the seed knows "… Việt Nam xã phố"
        "Công chức Địa chính - Xây dựng",  # the seed knows "Công chức Địa chính xã"
    ],
)
def test_another_level_or_body_is_not_taken_for_a_slip(
    catalogue: ImportCatalogue, name: str
) -> None:
    assert catalogue.nearest(name) is None
    spec = read(xlsx((name, "")), catalogue)
    assert [u.name for u in spec.units if u.proposed] == [name]
    assert catalogue.nearest("Trạm Ytế xã") == "Trạm Y tế xã"


async def test_a_file_is_read_knowing_the_communes_own_units(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune, plan_spec: PlanSpec
) -> None:
    await import_plan(session, commune, read(DISTRICT, catalogue), year=2027, dry_run=False)
    office = await find_unit(session, commune, "Văn phòng UBND xã")
    session.add(UnitAlias(commune_id=commune.id or 0, unit_id=office.id or 0,
                          folded="van phong hdnd va ubnd phuong"))  # fmt: skip
    await session.flush()
    known = catalogue_for(plan_spec, await commune_units(session, commune))
    # A unit an earlier import created, an alias the office gave, a hamlet of the settings.
    spec = read(xlsx(("Phòng Nội vụ; Văn phòng HĐND và UBND phường", "Ấp 3")), known)
    assert not any(u.proposed for u in spec.units)
    assert spec.tasks[0].lead_units == ("Phòng Nội vụ", "Văn phòng UBND xã")
    assert spec.tasks[0].coordinating_units == ("Ấp 3",)
    # A slip of a unit only the database has is caught too.
    with pytest.raises(PlanImportError) as caught:
        read(xlsx(("Phòng Nộii vụ", "")), known)
    assert "Có phải «Phòng Nội vụ»?" in str(caught.value)


async def test_a_hamlet_named_reports_on_its_task_and_the_others_do_not(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    await import_plan(session, commune, read(DISTRICT, catalogue), year=2026, dry_run=False)
    plan = await plan_for_year(session, commune, 2026)
    assert plan is not None
    heads = {}
    for hamlet in ("Thôn Đông", "Ấp 3", "Ấp 4"):
        issued = await create_member(
            session, commune, role=Role.HAMLET_HEAD, name=f"Trưởng {hamlet}", unit_text=hamlet,
            now=DEFAULT_NOW,
        )  # fmt: skip
        heads[hamlet] = [t.code for t in await tasks_in_scope(session, issued.member, plan)]
    # 1.2 is every hamlet's ("Trưởng các ấp"); 1.3 names Ấp 3 only.
    assert heads == {"Thôn Đông": ["1.2"], "Ấp 3": ["1.2", "1.3"], "Ấp 4": ["1.2"]}
