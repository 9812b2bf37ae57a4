"""The export files: the office pulls the plan's state as Excel, CSV and the official Word
reports, and what it opens says what the hamlets and units reported.
"""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, Twips
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.errors import DomainError
from models.export_csv import export_csv
from models.export_data import ExportData, gather_export
from models.export_docx import export_anticorruption_report, export_year_report
from models.export_xlsx import export_xlsx
from models.members import create_member
from models.plan_data import PlanSpec, parse_task
from models.plans import task_by_code
from models.reports import ReportInput, record_report
from models.tables import Commune, Member, Plan, Role, Status
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW  # 26/11/2026, Quý IV
IN_Q3 = datetime(2026, 8, 10, 2, 0, tzinfo=UTC)
TZ = "Asia/Ho_Chi_Minh"
SHEETS = ["Tổng hợp", "Nhiệm vụ", "Lịch sử báo cáo", "Tham gia", "Kế hoạch"]
PLAN_COLUMNS = [
    "TT", "Lĩnh vực/Nhiệm vụ", "Kết quả", "Cơ quan chủ trì", "Cơ quan phối hợp",
    "Thời gian thực hiện",
]  # fmt: skip


async def make(
    session: AsyncSession, commune: Commune, role: Role, name: str, unit: str | None
) -> Member:
    issued = await create_member(session, commune, role=role, name=name, unit_text=unit, now=NOW)
    return issued.member


async def report(
    session: AsyncSession,
    member: Member,
    code: str,
    status: Status,
    percent: int,
    note: str = "",
    *,
    now: datetime = NOW,
    entered_by: Member | None = None,
) -> None:
    plan = (await session.exec(select(Plan))).one()
    task = await task_by_code(session, plan, code)
    assert task is not None
    await record_report(
        session, member=member, task=task, report=ReportInput(status, percent, note),
        now=now, timezone=TZ, entered_by=entered_by,
    )  # fmt: skip


async def the_plan(session: AsyncSession) -> Plan:
    return (await session.exec(select(Plan))).one()


@pytest.fixture
async def reported(session: AsyncSession, commune: Commune) -> Commune:
    """A commune where a few hamlets and units have reported during the year."""
    health = await make(session, commune, Role.OFFICER, "Lê Thị Hoa", "Trạm Y tế xã")
    builder = await make(session, commune, Role.OFFICER, "Trần Văn Xây", "Cán bộ XD CB xã")
    office = await make(session, commune, Role.OFFICE, "Phạm Văn Phòng", "VP UBND xã")
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Nguyễn Văn Ba", "Ấp 2")
    await report(session, health, "6.1", Status.DONE, 100, "Đã khám cho 1.200 lượt người")
    await report(session, health, "6.2", Status.IN_PROGRESS, 40, now=IN_Q3)
    await report(session, health, "6.2", Status.IN_PROGRESS, 60, "Đã dùng hồ sơ sức khỏe điện tử")
    await report(session, builder, "6.6", Status.BLOCKED, 30, "Thiếu kinh phí kéo điện")
    # The office types in what the hamlet head said on the phone.
    await report(
        session, hamlet, "6.7", Status.IN_PROGRESS, 80, "Đã nối ống nước", entered_by=office
    )
    await report(session, office, "4.1", Status.IN_PROGRESS, 50, "Đã kiểm tra 3 đơn vị")
    await report(session, hamlet, "4.1", Status.DONE, 100, "Họp dân công khai tài chính ấp")
    await report(session, office, "4.7", Status.DONE, 100, "Đã công khai trong quý 3", now=IN_Q3)
    await report(session, office, "1.1", Status.IN_PROGRESS, 20, "=1+1")
    return commune


async def gathered(
    session: AsyncSession, commune: Commune, period: str | None = None
) -> ExportData:
    return await gather_export(session, commune, await the_plan(session), NOW, period)


# --- What is gathered ---------------------------------------------------------------------


async def test_gathered_data_follows_the_summary(session: AsyncSession, reported: Commune) -> None:
    data = await gathered(session, reported)
    assert (data.plan_number, data.year, data.period_label) == ("965/KH-UBND", 2026, "Năm 2026")
    assert data.generated.utcoffset() is not None and data.generated.hour == 10
    assert [a.number for a in data.areas] == list(range(1, 9))
    services = data.areas[5]
    assert (services.done, services.in_progress, services.blocked) == (1, 2, 1)
    assert len(data.tasks) == 46
    task_62 = next(t for t in data.tasks if t.code == "6.2")
    assert (task_62.status, task_62.percent, task_62.lead_units) == (
        Status.IN_PROGRESS, 60, ("Trạm Y tế xã",),
    )  # fmt: skip
    # The latest per task and unit; the full history keeps both versions of 6.2.
    assert [r.percent for r in data.latest if r.task_code == "6.2"] == [60]
    assert [r.version for r in data.history if r.task_code == "6.2"] == [1, 2]
    phoned = next(r for r in data.history if r.task_code == "6.7")
    assert (phoned.member_name, phoned.entered_by_name) == ("Nguyễn Văn Ba", "Phạm Văn Phòng")
    hamlet_2 = next(p for p in data.participation if p.unit_name == "Ấp 2")
    assert (hamlet_2.kind, hamlet_2.members, hamlet_2.tasks_reported) == (
        "hamlet", ("Nguyễn Văn Ba",), 2,
    )  # fmt: skip
    assert hamlet_2.tasks_in_scope == sum(t.involves_hamlets for t in data.tasks)
    assert hamlet_2.members_linked == 0  # the invite is not opened yet


async def test_a_quarter_limits_the_history_not_the_state(
    session: AsyncSession, reported: Commune
) -> None:
    data = await gathered(session, reported, "2026q3")
    assert (data.period, data.period_label) == ("2026Q3", "Quý III/2026")
    assert {r.task_code for r in data.history} == {"6.2", "4.7"}
    assert len(data.latest) == 8  # every unit's latest report, whatever the quarter
    office = next(p for p in data.participation if p.unit_name == "Văn phòng UBND xã")
    assert office.tasks_reported == 1 and office.last_report is not None
    assert office.last_report.date().isoformat() == "2026-11-26"


async def test_a_period_that_is_not_a_quarter_is_refused(
    session: AsyncSession, commune: Commune
) -> None:
    with pytest.raises(DomainError) as error:
        await gathered(session, commune, "2026-12")
    assert error.value.reason == "bad_period"


# --- Excel ---------------------------------------------------------------------------------


def header(sheet: object, row: int = 1) -> list[object]:
    return [cell.value for cell in sheet[row]]  # type: ignore[index]


def rows_of(sheet: object, code: str) -> list[list[object]]:
    return [
        [cell.value for cell in row]
        for row in sheet.iter_rows(min_row=2)  # type: ignore[attr-defined]
        if row[0].value == code
    ]


async def test_the_workbook_shows_each_units_latest_status(
    session: AsyncSession, reported: Commune
) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, reported, "2026Q4"))))
    assert book.sheetnames == SHEETS

    tasks = book["Nhiệm vụ"]
    assert header(tasks) == [
        "Mã", "Nhiệm vụ", "Cơ quan chủ trì", "Đơn vị báo cáo", "Tình trạng", "Tỉ lệ (%)",
        "Ghi chú", "Ngày báo cáo", "Duyệt",
    ]  # fmt: skip
    titles = header(tasks)
    (row_66,) = rows_of(tasks, "6.6")
    assert row_66[titles.index("Tình trạng")] == "Gặp khó khăn"
    assert row_66[titles.index("Tỉ lệ (%)")] == 30
    assert row_66[titles.index("Ghi chú")] == "Thiếu kinh phí kéo điện"
    assert row_66[titles.index("Đơn vị báo cáo")] == "Cán bộ Xây dựng cơ bản xã"
    assert row_66[titles.index("Ngày báo cáo")].date().isoformat() == "2026-11-26"  # type: ignore[attr-defined]
    # Two units reported on 4.1: two rows. Nobody reported on 1.2: one row that says so.
    assert [r[titles.index("Đơn vị báo cáo")] for r in rows_of(tasks, "4.1")] == [
        "Văn phòng UBND xã", "Ấp 2",
    ]  # fmt: skip
    (row_12,) = rows_of(tasks, "1.2")
    assert row_12[titles.index("Tình trạng")] == "Chưa báo cáo"
    assert tasks.max_row == 1 + 46 + 1  # 4.1 takes two rows
    # A note typed as a formula stays text.
    (row_11,) = rows_of(tasks, "1.1")
    assert row_11[titles.index("Ghi chú")] == "=1+1"
    assert tasks.cell(row=2, column=8).number_format == "dd/mm/yyyy"

    for name in SHEETS:
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows is not None
    assert tasks.freeze_panes == "A2"
    assert tasks.print_title_rows == "$1:$1"
    assert tasks["A1"].font.b and tasks["B2"].alignment.wrap_text
    assert tasks.column_dimensions["B"].width > 30


async def test_the_summary_sheet_counts_by_area(session: AsyncSession, reported: Commune) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, reported, "2026Q4"))))
    sheet = book["Tổng hợp"]
    title = [sheet.cell(row, 1).value for row in range(1, 6)]
    assert "965/KH-UBND" in str(title[1]) and "2026" in str(title[1])
    assert title[3] == "Kỳ báo cáo: Quý IV/2026"
    assert str(title[4]).startswith("Ngày lập: 26/11/2026")
    assert header(sheet, 7) == [
        "TT", "Lĩnh vực", "Số nhiệm vụ", "Hoàn thành", "Đang thực hiện", "Gặp khó khăn",
        "Chưa thực hiện", "Chưa báo cáo", "Tỉ lệ hoàn thành (%)",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A8"
    assert header(sheet, 8 + 5) == [6, "Cung ứng dịch vụ công", 10, 1, 2, 1, 0, 6, 19]
    total = header(sheet, 8 + 8)
    assert total[1] == "Tổng cộng" and total[2] == 46 and sheet.cell(16, 2).font.b


async def test_the_history_and_participation_sheets(
    session: AsyncSession, reported: Commune
) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, reported))))
    history = book["Lịch sử báo cáo"]
    titles = header(history)
    assert titles[:3] == ["Thời gian", "Quý", "Mã"]
    assert history.max_row == 1 + 9
    by_code = [row for row in history.iter_rows(min_row=2, values_only=True) if row[2] == "6.2"]
    assert [(row[1], row[7], row[9]) for row in by_code] == [
        ("Quý III/2026", 1, 40), ("Quý IV/2026", 2, 60),
    ]  # fmt: skip
    phoned = next(row for row in history.iter_rows(min_row=2, values_only=True) if row[2] == "6.7")
    assert phoned[titles.index("Người nhập hộ")] == "Phạm Văn Phòng"
    assert history.cell(2, 1).number_format == "dd/mm/yyyy hh:mm"

    participation = book["Tham gia"]
    assert header(participation)[0] == "Đơn vị / Ấp"
    names = [row[0] for row in participation.iter_rows(min_row=2, values_only=True)]
    assert names[:9] == [f"Ấp {n}" for n in range(1, 10)]
    assert "Trạm Y tế xã" in names


async def test_the_plan_sheet_reads_back_as_the_plan(
    session: AsyncSession, reported: Commune, plan_spec: PlanSpec
) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, reported))))
    sheet = book["Kế hoạch"]
    assert header(sheet) == PLAN_COLUMNS
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 8 + 46
    assert rows[0][:2] == (1, "Tham gia của người dân ở cấp cơ sở") and sheet["B2"].font.b
    # Read the rows the way a plan file is read: the same tasks come back.
    area, position, read = 0, 0, []
    for tt, text, result, lead, coordinating, timeframe in rows:
        if tt is not None:
            area, position = int(str(tt)), 0
            continue
        position += 1
        cells = {
            "text": text, "result": result, "lead": lead or "",
            "coordinating": coordinating or "", "timeframe": timeframe,
        }  # fmt: skip
        read.append(parse_task(plan_spec.catalogue, area, position, cells))
    # The seed's "Năm 2023" reads as the plan's year.
    assert read == [
        replace(task, timeframe_text=task.timeframe_text.replace("2023", "2026"))
        for task in plan_spec.tasks
    ]
    task_22 = next(task for task in read if task.code == "2.2")
    assert next(r for r in rows if r[1] == task_22.text)[3] == (
        "- Kế toán ngân sách xã - Công chức Địa chính xã"
    )


async def test_an_empty_plan_is_a_workbook_that_says_so(
    session: AsyncSession, commune: Commune
) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(await gathered(session, commune))))
    assert book.sheetnames == SHEETS
    summary = [str(c.value) for row in book["Tổng hợp"].iter_rows() for c in row if c.value]
    assert any(text.startswith("Chưa có báo cáo nào") for text in summary)
    statuses = [row[4] for row in book["Nhiệm vụ"].iter_rows(min_row=2, values_only=True)]
    assert statuses == ["Chưa báo cáo"] * 46
    history = book["Lịch sử báo cáo"]
    assert history.cell(2, 1).value == "Chưa có báo cáo nào trong kỳ (Năm 2026)."


# --- CSV -----------------------------------------------------------------------------------


async def test_the_csv_opens_in_excel_with_vietnamese(
    session: AsyncSession, reported: Commune
) -> None:
    data = await gathered(session, reported)
    raw = export_csv(data)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Mã", "Lĩnh vực", "Nhiệm vụ", "Cơ quan chủ trì"]
    assert len(rows) - 1 == sum(max(1, len(data.latest_for(t))) for t in data.tasks) == 47
    row_66 = next(r for r in rows if r[0] == "6.6")
    assert row_66[7:10] == ["Gặp khó khăn", "30", "Thiếu kinh phí kéo điện"]
    assert row_66[10] == "10:00 26/11/2026"
    assert next(r for r in rows if r[0] == "1.2")[7] == "Chưa báo cáo"
    # Cells that Excel would take for a formula start with an apostrophe.
    assert next(r for r in rows if r[0] == "1.1")[9] == "'=1+1"
    assert next(r for r in rows if r[0] == "2.2")[3] == (
        "Kế toán ngân sách xã; Công chức Địa chính xã"
    )


# --- Word ----------------------------------------------------------------------------------


def open_docx(raw: bytes) -> DocumentObject:
    return Document(io.BytesIO(raw))


def all_paragraphs(doc: DocumentObject) -> list[Paragraph]:
    found = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
    return found


def find(doc: DocumentObject, text: str) -> Paragraph:
    return next(p for p in all_paragraphs(doc) if text in p.text)


def subject_of(doc: DocumentObject) -> Paragraph:
    """The paragraph under the title "BÁO CÁO"."""
    texts = [p.text for p in doc.paragraphs]
    return doc.paragraphs[texts.index("BÁO CÁO") + 1]


TWIP = Twips(1)  # Word's unit: 15 mm is 850.4 of them, kept as 850


def check_form(doc: DocumentObject) -> None:
    """The Nghị định 30 form, as far as a file can show it."""
    section = doc.sections[0]
    # Word keeps lengths in twentieths of a point: 210 mm is 11906 of them.
    assert abs(section.page_width - Mm(210)) < Mm(0.1)  # type: ignore[operator]
    assert abs(section.page_height - Mm(297)) < Mm(0.1)  # type: ignore[operator]
    for margin, low, high in (
        (section.top_margin, 20, 25), (section.bottom_margin, 20, 25),
        (section.left_margin, 30, 35), (section.right_margin, 15, 20),
    ):  # fmt: skip
        assert Mm(low) - TWIP <= margin <= Mm(high) + TWIP  # type: ignore[operator]
    runs = [run for p in all_paragraphs(doc) for run in p.runs if run.text.strip()]
    assert {run.font.name for run in runs} == {"Times New Roman"}
    east_asian = set()
    for run in runs:
        properties = run._element.rPr
        assert properties is not None and properties.rFonts is not None
        east_asian.add(properties.rFonts.get(qn("w:eastAsia")))
    assert east_asian == {"Times New Roman"}
    header_table = doc.tables[0]
    agency = header_table.cell(0, 0).paragraphs
    assert [p.text for p in agency[:2]] == ["ỦY BAN NHÂN DÂN", "XÃ MỸ HÒA HƯNG"]
    assert all(p.runs[0].font.bold and p.runs[0].font.size in (Pt(12), Pt(13)) for p in agency[:2])
    nation = header_table.cell(0, 1).paragraphs
    assert nation[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and nation[0].runs[0].font.bold
    assert nation[1].text == "Độc lập - Tự do - Hạnh phúc"
    assert nation[1].runs[0].font.bold and nation[1].runs[0].font.size in (Pt(13), Pt(14))
    assert header_table.cell(1, 0).paragraphs[0].text == "Số: …/BC-UBND"
    date_line = header_table.cell(1, 1).paragraphs[0]
    assert date_line.text == "Mỹ Hòa Hưng, ngày 26 tháng 11 năm 2026"
    assert date_line.runs[0].font.italic
    title = find(doc, "BÁO CÁO")
    assert title.text == "BÁO CÁO" and title.runs[0].font.bold
    assert title.runs[0].font.size == Pt(14)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    recipients = find(doc, "Nơi nhận:")
    assert recipients.runs[0].font.bold and recipients.runs[0].font.italic
    assert find(doc, "CHỦ TỊCH").runs[0].font.bold


def check_body(paragraph: Paragraph) -> None:
    fmt = paragraph.paragraph_format
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert Cm(1) <= fmt.first_line_indent <= Cm(1.27)
    assert 1.15 <= fmt.line_spacing <= 1.5
    assert all(run.font.size in (Pt(13), Pt(14)) for run in paragraph.runs)


async def test_the_year_report_is_in_the_official_form(
    session: AsyncSession, reported: Commune
) -> None:
    doc = open_docx(export_year_report(await gathered(session, reported)))
    check_form(doc)
    subject = subject_of(doc)
    assert subject.text.startswith(
        "Kết quả thực hiện Kế hoạch số 965/KH-UBND ngày 30/6/2023 về thực hiện"
    )
    assert subject.text.endswith("năm 2026") and subject.runs[0].font.bold
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in ("I. KẾT QUẢ", "II. KẾT QUẢ", "III. KHÓ KHĂN", "IV. NHIỆM VỤ"):
        assert heading in text
    assert "Tỉ lệ hoàn thành chung đạt " in text
    assert "Trong năm 2026, có 1/9 ấp và 3/" in text
    # A task with its lead unit, state and the units' notes.
    check_body(find(doc, "6.2. "))
    assert "(chủ trì: Trạm Y tế xã). Kết quả: Đang thực hiện, đạt 60%." in find(doc, "6.2. ").text
    note = find(doc, "Đã dùng hồ sơ sức khỏe điện tử")
    check_body(note)
    assert note.text == (
        "- Trạm Y tế xã: đang thực hiện, 60% (báo cáo ngày 26/11/2026). "
        "Đã dùng hồ sơ sức khỏe điện tử."
    )
    check_body(find(doc, "Nhiệm vụ 6.6 (Cán bộ Xây dựng cơ bản xã): Thiếu kinh phí kéo điện."))
    assert "Trên đây là báo cáo" in text and text.rstrip().endswith("./.")
    assert [p.text for p in doc.tables[-1].cell(0, 0).paragraphs] == [
        "Nơi nhận:", "- UBND tỉnh An Giang;", "- Sở Nội vụ tỉnh An Giang;", "- Lưu: VT.",
    ]  # fmt: skip
    # The counts by area, in a table with its header repeated on each page.
    counts = doc.tables[1]
    assert counts.rows[0].cells[1].text == "Lĩnh vực" and len(counts.rows) == 1 + 8 + 1


async def test_the_year_report_takes_a_number_place_and_signer(
    session: AsyncSession, commune: Commune
) -> None:
    raw = export_year_report(
        await gathered(session, commune, "2026Q4"),
        number="125",
        place="Long Xuyên",
        signer="Võ Văn A",
    )
    doc = open_docx(raw)
    assert find(doc, "Thực hiện Kế hoạch số").text.endswith(
        "báo cáo kết quả thực hiện quý IV/2026 như sau:"
    )
    assert find(doc, "Số: ").text == "Số: 125/BC-UBND"
    assert find(doc, "ngày 26 tháng 11").text.startswith("Long Xuyên, ")
    assert find(doc, "Võ Văn A").runs[0].font.bold


async def test_an_empty_plan_still_makes_a_report(session: AsyncSession, commune: Commune) -> None:
    data = await gathered(session, commune)
    doc = open_docx(export_year_report(data))
    check_form(doc)
    overall = find(doc, "Kế hoạch gồm 46 nhiệm vụ")
    assert "chưa có báo cáo nào" in overall.text
    check_body(overall)
    assert len(doc.tables) == 2  # the heading block and the signature: no counts table
    check_body(find(doc, "Chưa có cơ quan, đơn vị, ấp nào báo cáo kết quả thực hiện 46 nhiệm vụ"))

    doc = open_docx(export_anticorruption_report(data, "2026Q4"))
    check_form(doc)
    assert "chưa có báo cáo nào" in find(doc, "Lĩnh vực “Kiểm soát tham nhũng").text


async def test_the_anticorruption_report_covers_area_4_in_the_quarter(
    session: AsyncSession, reported: Commune
) -> None:
    doc = open_docx(export_anticorruption_report(await gathered(session, reported), "2026Q4"))
    check_form(doc)
    subject = subject_of(doc)
    assert subject.text == "Kết quả công tác phòng, chống tham nhũng Quý IV/2026"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "có 1/7 nhiệm vụ được các cơ quan, đơn vị và các ấp báo cáo (2 lượt báo cáo)" in text
    check_body(find(doc, "Họp dân công khai tài chính ấp"))
    assert "Đã kiểm tra 3 đơn vị" in text
    # Another quarter's report, and other areas' reports, are not in it.
    assert "Đã công khai trong quý 3" not in text
    assert "Thiếu kinh phí" not in text
    assert find(doc, "4.7. ").text.endswith("Chưa có báo cáo trong quý.")
    assert [p.text for p in doc.tables[-1].cell(0, 0).paragraphs] == [
        "Nơi nhận:", "- Thanh tra tỉnh An Giang;", "- Lưu: VT.",
    ]  # fmt: skip

    with pytest.raises(DomainError):
        export_anticorruption_report(await gathered(session, reported, "2026Q3"), "2026Q4")
