"""A plan's targets column (Chỉ tiêu) is kept on each task, compared on re-import, and shown
in the workbook and the Word report; the empty plan template imports back once filled.
"""

import io

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models.exports import make_export
from models.members import create_member
from models.plan_file import PlanImportError
from models.plan_import import ImportCatalogue, catalogue_for, read_plan_import
from models.plan_reading import ImportReading
from models.plan_rollover import rollover
from models.plan_sync import describe_changes, import_plan
from models.plan_template import plan_template
from models.plans import plan_for_year, task_by_code
from models.reports import ReportInput, record_report
from models.tables import Commune, Plan, Role, Status
from tests.helpers import DEFAULT_NOW

TEMPLATE_HEADER = [
    "TT",
    "Lĩnh vực/Nhiệm vụ",
    "Chỉ tiêu",
    "Kết quả",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
]


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


def read(content: bytes, catalogue: ImportCatalogue, name: str = "k.xlsx") -> ImportReading:
    return read_plan_import(content, name, catalogue, commune="Mỹ Hòa Hưng", year=2026)


async def workbook_of(session: AsyncSession, commune: Commune) -> openpyxl.Workbook:
    plan = await plan_for_year(session, commune, 2026)
    assert plan is not None
    made = await make_export(session, commune, plan, kind="xlsx", now=DEFAULT_NOW)
    return openpyxl.load_workbook(io.BytesIO(made.content))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header(sheet: object) -> list[object]:
    return [cell.value for cell in next(sheet.iter_rows(max_row=1))]  # type: ignore[attr-defined]


async def the_plan(session: AsyncSession, commune: Commune) -> Plan:
    plan = await plan_for_year(session, commune, 2026)
    assert plan is not None
    return plan


async def test_a_target_is_kept_compared_and_shown_in_the_exports(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    book = await workbook_of(session, commune)
    sheet = book["Kế hoạch"]
    assert "Chỉ tiêu" not in header(sheet)  # a plan without targets keeps six columns
    sheet.insert_cols(3)
    sheet.cell(1, 3).value = "Chỉ tiêu năm 2026"
    first_task = next(
        row for row in range(2, sheet.max_row + 1) if sheet.cell(row, 1).value is None
    )
    sheet.cell(first_task, 3).value = "100% ấp tổ chức hội nghị"
    reading = read(saved(book), catalogue)
    assert reading.spec.tasks[0].target == "100% ấp tổ chức hội nghị"

    dry = await import_plan(session, commune, reading.spec, year=2026, dry_run=True)
    assert {change.code: change.fields for change in dry.updated} == {"1.1": ("target",)}
    assert "~ 1.1: sửa chỉ tiêu" in describe_changes(dry)
    await import_plan(session, commune, reading.spec, year=2026, dry_run=False)
    task = await task_by_code(session, await the_plan(session, commune), "1.1")
    assert task is not None and task.target == "100% ấp tổ chức hội nghị"

    again = await workbook_of(session, commune)
    assert header(again["Kế hoạch"])[2] == "Chỉ tiêu"
    cells = [c for row in again["Kế hoạch"].iter_rows(values_only=True) for c in row]
    assert "100% ấp tổ chức hội nghị" in cells
    # The workbook as exported reads back as the plan: nothing to change.
    unchanged = await import_plan(
        session, commune, read(saved(again), catalogue).spec, year=2026, dry_run=True
    )
    assert not unchanged.changed

    plan = await the_plan(session, commune)
    office = await create_member(
        session, commune, role=Role.OFFICER, name="Trần Bình", unit_text="Văn phòng UBND xã",
        now=DEFAULT_NOW,
    )  # fmt: skip
    report = ReportInput(Status.IN_PROGRESS, 50, "đang làm")
    await record_report(
        session, member=office.member, task=task, report=report, now=DEFAULT_NOW,
        timezone="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    made = await make_export(session, commune, plan, kind="docx", now=DEFAULT_NOW)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(made.content)).paragraphs)
    assert "Chỉ tiêu: 100% ấp tổ chức hội nghị." in text

    # Next year's plan, started from this one, keeps the target.
    await rollover(session, commune, from_year=2026, to_year=2027)
    next_plan = await plan_for_year(session, commune, 2027)
    assert next_plan is not None
    carried = await task_by_code(session, next_plan, "1.1")
    assert carried is not None and carried.target == "100% ấp tổ chức hội nghị"


def test_the_template_is_the_plan_sheet_empty_and_imports_back_when_filled(
    catalogue: ImportCatalogue,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(plan_template()))
    assert book.sheetnames == ["Kế hoạch", "Hướng dẫn"]
    sheet = book["Kế hoạch"]
    assert header(sheet) == TEMPLATE_HEADER
    areas = [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [number for number, _ in areas] == list(range(1, 9))
    assert areas[7] == (8, "Quản trị điện tử")

    with pytest.raises(PlanImportError) as caught:
        read(plan_template(), catalogue, "mau.xlsx")
    assert caught.value.reason == "no_tasks"

    # The office fills two tasks, under areas 1 and 7 (row 2 is area 1, row 8 area 7).
    sheet.insert_rows(9)
    for column, value in enumerate(
        ["", "Thu gom rác thải", "", "", "Cán bộ phụ trách Tài nguyên và Môi trường",
         "09 ấp", "Hằng tháng"], start=1,
    ):  # fmt: skip
        sheet.cell(9, column).value = value or None
    sheet.insert_rows(3)
    for column, value in enumerate(
        ["", "Họp dân bàn việc ấp", "100% ấp", "Biên bản", "Văn phòng UBND xã", "", "Quý I"],
        start=1,
    ):
        sheet.cell(3, column).value = value or None
    reading = read(saved(book), catalogue, "mau-da-dien.xlsx")
    assert [(t.code, t.text, t.target) for t in reading.spec.tasks] == [
        ("1.1", "Họp dân bàn việc ấp", "100% ấp"),
        ("7.1", "Thu gom rác thải", ""),
    ]
    assert [area.number for area in reading.spec.areas] == [1, 7]
    assert reading.spec.tasks[1].involves_hamlets
    assert reading.skipped == () and reading.unmapped == () and reading.guesses == ()
