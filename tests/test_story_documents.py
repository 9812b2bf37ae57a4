"""The files the office prints, read as the office reads them (issue 10): a unit that
reported part of its tasks is not "not reported", a task's line agrees with its units',
task texts are whole, the workbook prints on A4, and the Word report is ready to sign.
"""

import io

from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.export_data import ExportData
from models.export_docx import export_anticorruption_report, export_year_report
from models.export_xlsx import export_xlsx
from models.tables import Commune, Role, Status, Task
from tests.test_exports import all_paragraphs, gathered, make, open_docx, report


def summary_notes(data: ExportData) -> list[str]:
    sheet = load_workbook(io.BytesIO(export_xlsx(data)))["Tổng hợp"]
    return [str(row[0]) for row in sheet.iter_rows(values_only=True) if row[0]]


def document_text(raw: bytes) -> str:
    return "\n".join(p.text for p in all_paragraphs(open_docx(raw)))


async def test_a_unit_that_reported_part_of_its_tasks_is_not_listed_as_not_reported(
    session: AsyncSession, commune: Commune
) -> None:
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    health = await make(session, commune, Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    await report(session, hamlet, "4.1", Status.DONE, 100, "Họp dân")
    await report(session, health, "6.1", Status.DONE, 100, "Đã khám")

    notes = summary_notes(await gathered(session, commune))
    partly = [n for n in notes if "chưa báo cáo đủ" in n]
    none = [n for n in notes if "chưa báo cáo" in n and "chưa báo cáo đủ" not in n]
    assert any("Ấp 1 (1/" in n for n in partly), notes
    assert any("Trạm Y tế xã (1/" in n for n in partly), notes
    assert not any("Ấp 1" in n or "Trạm Y tế xã" in n for n in none), notes
    assert any("Ấp 2" in n for n in none), notes


async def test_a_tasks_overall_line_agrees_with_its_units(
    session: AsyncSession, commune: Commune
) -> None:
    # 2.1 is led by a unit that has not reported; a hamlet says it is blocked at 50%.
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    await report(session, hamlet, "2.1", Status.BLOCKED, 50, "Thiếu kinh phí")

    text = document_text(export_year_report(await gathered(session, commune)))
    line = next(p for p in text.split("\n") if p.startswith("2.1. "))
    assert "đạt 0%" not in line, line
    assert "- Ấp 1: gặp khó khăn, 50%" in text


async def test_the_word_report_cites_the_plan_and_is_ready_to_sign(
    session: AsyncSession, commune: Commune
) -> None:
    await make(session, commune, Role.CHAIRMAN, "Võ Văn Chủ", None)
    data = await gathered(session, commune)
    for raw in (export_year_report(data), export_anticorruption_report(data, "2026Q4")):
        text = document_text(raw)
        assert "Kế hoạch số 965/KH-UBND ngày 30/6/2023" in text
        assert "Võ Văn Chủ" in text


async def test_task_texts_are_whole_in_the_documents(
    session: AsyncSession, commune: Commune
) -> None:
    tasks = list(await session.exec(select(Task)))
    longest = max((t for t in tasks if t.involves_hamlets), key=lambda t: len(t.text))
    assert len(longest.text) > 220  # the documents cut tasks at 220 characters
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    await report(session, hamlet, longest.code, Status.IN_PROGRESS, 30, "Đang làm")
    data = await gathered(session, commune)
    whole = " ".join(longest.text.split()).rstrip(".;,")
    assert whole in document_text(export_year_report(data))
    sheet = load_workbook(io.BytesIO(export_xlsx(data)))["Nhiệm vụ"]
    assert longest.text in [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


async def test_the_task_sheet_prints_readably_on_a4(
    session: AsyncSession, commune: Commune
) -> None:
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    await report(session, hamlet, "4.1", Status.DONE, 100, "Họp dân")
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, commune))))
    sheet = book["Nhiệm vụ"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    # A4 landscape holds about 150 width units at 11 pt: fit to width then keeps it
    # near full size (the old 14 columns summed to 226, printing at about 6 pt).
    assert sum(widths) <= 160, widths
    # A row is no taller than its longest text needs, even at one character per unit.
    for row in sheet.iter_rows(min_row=2):
        needed = max(
            -(-len(str(c.value or "")) // int(sheet.column_dimensions[c.column_letter].width))
            for c in row
        )
        height = sheet.row_dimensions[row[0].row].height
        assert height is not None and height <= 13 * max(needed, 1) + 3


async def test_a_report_under_review_shows_waiting(
    session: AsyncSession, commune: Commune
) -> None:
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 1")
    await report(session, hamlet, "4.1", Status.DONE, 100, "Họp dân")
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, commune))))
    sheet = book["Lịch sử báo cáo"]
    titles = [c.value for c in sheet[1]]
    [row] = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[titles.index("Duyệt")] == "Chờ duyệt"


async def test_a_hamlet_says_what_it_answers_for(session: AsyncSession, commune: Commune) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, commune))))
    sheet = book["Tham gia"]
    titles = [c.value for c in sheet[1]]
    hamlet = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Ấp 1")
    led, coordinated = titles.index("NV chủ trì"), titles.index("NV phối hợp")
    assert hamlet[led] != 0 and hamlet[coordinated] != 0
    scope = str(hamlet[titles.index("NV phải báo cáo")])
    assert "có sự tham gia của các ấp" in scope


async def test_the_2026_plan_is_due_in_2026(session: AsyncSession, commune: Commune) -> None:
    data = await gathered(session, commune)
    assert not any("2023" in t.timeframe_text for t in data.tasks)
    assert any(t.timeframe_text == "Năm 2026" for t in data.tasks)
    book = load_workbook(io.BytesIO(export_xlsx(data)))
    cells = [c for row in book["Kế hoạch"].iter_rows(values_only=True) for c in row]
    assert "Năm 2023" not in cells
