"""The office imports its plan from its own Word or Excel file, edits it, imports it again,
and at the year's end starts next year's plan from this one.

The files are built here, in the layout of the seed's appendix (PHỤ LỤC), from the bundled
data file's cells as the appendix spells them.
"""

import io
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from docx.shared import Pt
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import create_engine, session_factory, transaction
from models.errors import DomainError
from models.members import create_member, find_unit
from models.plan_data import BUNDLED_PLAN, PlanSpec
from models.plan_file import MAX_FILE_BYTES, PlanImportError, check_file_size
from models.plan_import import (
    ImportCatalogue,
    catalogue_for,
    read_plan_table,
    read_plan_table_file,
)
from models.plan_loader import ensure_commune, load_plan
from models.plan_rollover import describe_rollover, rollover
from models.plan_sync import describe_changes, import_plan
from models.plans import plan_for_year, plan_tasks, task_by_code
from models.reports import ReportInput, record_report, tasks_in_scope
from models.tables import (
    Area,
    Commune,
    Member,
    Plan,
    Report,
    Role,
    Status,
    Task,
    TaskRole,
    TaskUnit,
    Timeframe,
    Unit,
)
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW
TZ = "Asia/Ho_Chi_Minh"
HEADER = (
    "TT",
    "Lĩnh vực/Nhiệm vụ",
    "Kết quả",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
)
TITLE = (
    "Thực hiện các giải pháp nâng cao hiệu quả quản trị và hành chính công xã Mỹ Hòa Hưng năm 2023"
)


# -- the plan as rows of the appendix ---------------------------------------------------------


@dataclass(frozen=True)
class AreaRow:
    number: int
    name: str


TaskRow = tuple[str, ...]
Row = AreaRow | TaskRow


def appendix_rows() -> list[Row]:
    """The appendix, row by row, with the cells exactly as the data file writes them."""
    raw = tomllib.loads(BUNDLED_PLAN.read_text(encoding="utf-8"))
    rows: list[Row] = []
    for area in raw["areas"]:
        rows.append(AreaRow(area["number"], area["name"]))
        rows.extend(
            ("", t["text"], t["result"], t["lead"], t["coordinating"], t["timeframe"])
            for t in area["tasks"]
        )
    return rows


def spec_rows(spec: PlanSpec) -> list[Row]:
    """A plan's rows as an export would write them (codes in TT)."""
    rows: list[Row] = []
    for area in spec.areas:
        rows.append(AreaRow(area.number, area.name))
        rows.extend(
            (t.code, t.text, t.result, t.lead_text, t.coordinating_text, t.timeframe_text)
            for t in area.tasks
        )
    return rows


def edit(rows: list[Row], code: str, column: int, value: str) -> list[Row]:
    """``rows`` with one cell of the task ``code`` changed."""
    out: list[Row] = []
    area, position = 0, 0
    for row in rows:
        if isinstance(row, AreaRow):
            area, position = row.number, 0
            out.append(row)
            continue
        position += 1
        if f"{area}.{position}" == code:
            row = (*row[:column], value, *row[column + 1 :])
        out.append(row)
    return out


def drop(rows: list[Row], code: str) -> list[Row]:
    """``rows`` without the task ``code``."""
    out: list[Row] = []
    area, position = 0, 0
    for row in rows:
        if isinstance(row, AreaRow):
            area, position = row.number, 0
        else:
            position += 1
            if f"{area}.{position}" == code:
                continue
        out.append(row)
    return out


def pages(rows: Sequence[Row], size: int) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def make_docx(
    rows: Sequence[Row],
    *,
    per_page: int = 8,
    header: Sequence[str] = HEADER,
    heading: bool = True,
    header_on_later_pages: bool = True,
) -> bytes:
    """A Word file like the seed: a letterhead table, the appendix heading, then the task
    table as one Word table per page, the header row repeated on each, area rows bold with
    the name merged across the row.
    """
    document = docx.Document()
    if heading:
        letterhead = document.add_table(rows=2, cols=2)
        letterhead.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nXÃ MỸ HÒA HƯNG"
        letterhead.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        letterhead.cell(1, 0).text = "Số: 965/KH-UBND"
        letterhead.cell(1, 1).text = "Mỹ Hòa Hưng, ngày 30 tháng 6 năm 2023"
        document.add_paragraph("PHỤ LỤC")
        document.add_paragraph(TITLE)
        document.add_paragraph(
            "(Ban hành kèm theo Kế hoạch số 965/KH-UBND ngày 30 tháng 6 năm 2023 "
            "của UBND xã Mỹ Hòa Hưng)"
        )
    for index, page in enumerate(pages(rows, per_page)):
        if index:
            document.add_page_break()
        with_header = index == 0 or header_on_later_pages
        table = document.add_table(rows=1 if with_header else 0, cols=len(header))
        if with_header:
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
                _bold(cell)
        for row in page:
            cells = table.add_row().cells
            if isinstance(row, AreaRow):
                cells[0].text = str(row.number)
                name = cells[1].merge(cells[len(header) - 1])
                name.text = row.name
                _bold(cells[0])
                _bold(name)
            else:
                for cell, text in zip(cells, row, strict=False):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _bold(cell: Any) -> None:
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.bold = True
            run.font.size = Pt(12)


def make_xlsx(
    rows: Sequence[Row],
    *,
    sheet: str = "Kế hoạch",
    header: Sequence[str] = HEADER,
    order: Sequence[int] = (0, 1, 2, 3, 4, 5),
    before: Sequence[str] = (),
    title_rows: bool = True,
) -> bytes:
    """An Excel file: optionally other sheets first, then the task table, area rows with
    the name merged across the row. ``order`` puts the columns in another order.
    """
    workbook = openpyxl.Workbook()
    first = workbook.active
    for name in before:
        other = workbook.create_sheet(name)
        other.append(["Ghi chú", "Nội dung"])
        other.append(["1", "Bảng này không phải kế hoạch"])
    ws = workbook.create_sheet(sheet)
    workbook.remove(first)
    if title_rows:
        ws.append(["PHỤ LỤC"])
        ws.append([TITLE])
        ws.append(["(Ban hành kèm theo Kế hoạch số 965/KH-UBND ngày 30 tháng 6 năm 2023)"])
    ws.append([header[i] for i in order])
    for row in rows:
        if isinstance(row, AreaRow):
            cells: list[object] = [row.number, row.name, "", "", "", ""]
            ws.append([cells[i] for i in order])
            number_at, name_at = order.index(0) + 1, order.index(1) + 1
            if name_at == 2 and number_at == 1:
                ws.merge_cells(
                    start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=6
                )
            ws.cell(ws.max_row, name_at).font = openpyxl.styles.Font(bold=True)
        else:
            ws.append([row[i] or None for i in order])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


def read(content: bytes, name: str, catalogue: ImportCatalogue, year: int = 2026) -> PlanSpec:
    return read_plan_table(content, name, catalogue, commune="Mỹ Hòa Hưng", year=year)


# -- reading the office's files ---------------------------------------------------------------


def test_a_word_file_laid_out_like_the_appendix_reads_as_the_bundled_plan(
    catalogue: ImportCatalogue, plan_spec: PlanSpec
) -> None:
    spec = read(make_docx(appendix_rows()), "Phu luc KH 965.docx", catalogue, year=2023)
    assert len(spec.tasks) == 46 and len(spec.areas) == 8
    assert spec.areas == plan_spec.areas  # every cell read as the data file's loader reads it
    by_code = {task.code: task for task in spec.tasks}
    assert by_code["3.1"].lead_text == "VP UBND xã"
    assert by_code["3.1"].lead_units == ("Văn phòng UBND xã",)
    assert by_code["2.2"].lead_units == ("Kế toán ngân sách xã", "Công chức Địa chính xã")
    assert by_code["6.3"].involves_hamlets
    assert by_code["1.2"].coordinating_units == ()  # "Các đơn vị liên quan"
    assert spec.number == "965/KH-UBND" and spec.title == TITLE
    assert spec.units == plan_spec.units and spec.year == 2023


def test_an_excel_file_with_the_same_columns_reads_as_the_bundled_plan(
    catalogue: ImportCatalogue, plan_spec: PlanSpec
) -> None:
    # No sheet is called "Kế hoạch": the first sheet whose header matches is read.
    content = make_xlsx(appendix_rows(), sheet="Phụ lục", before=["Ghi chú"])
    spec = read(content, "ke-hoach.xlsx", catalogue)
    assert spec.areas == plan_spec.areas
    assert spec.number == "965/KH-UBND" and spec.title == TITLE


def test_headers_without_diacritics_in_another_order_are_found(
    catalogue: ImportCatalogue, plan_spec: PlanSpec
) -> None:
    header = (
        "tt",
        "LINH VUC / NHIEM VU",
        "ket qua",
        "Co quan chu tri",
        "co quan phoi hop",
        "Thoi gian thuc hien",
    )
    content = make_xlsx(appendix_rows(), header=header, order=(0, 1, 5, 3, 4, 2))
    assert read(content, "a.xlsx", catalogue).areas == plan_spec.areas


def test_an_excel_plan_sheet_written_from_the_plan_reads_back_the_same(
    catalogue: ImportCatalogue, plan_spec: PlanSpec
) -> None:
    content = make_xlsx(spec_rows(plan_spec), sheet="Kế hoạch", before=["Tổng hợp", "Nhiệm vụ"])
    again = read(content, "xuat.xlsx", catalogue)
    assert again.areas == plan_spec.areas and again.units == plan_spec.units


def test_a_table_that_goes_on_without_its_header_and_other_word_habits(
    catalogue: ImportCatalogue, plan_spec: PlanSpec
) -> None:
    # Page tables after the first without the header; a header pasted again mid-table; the
    # row numbering the columns; an area written "I." in one merged cell; a lead cell in two
    # paragraphs; a task code in TT.
    document = docx.Document()
    table = document.add_table(rows=0, cols=6)

    def add(texts: Sequence[str]) -> Any:
        cells = table.add_row().cells
        for cell, text in zip(cells, texts, strict=False):
            cell.text = text
        return cells

    add(HEADER)
    add(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"])
    whole = add([])
    whole[0].merge(whole[5]).text = "I. Công khai, minh bạch"
    add(["1.1", "Nhiệm vụ một", "Kế hoạch", "Văn phòng UBND xã", "09 ấp", "Năm 2026"])
    add(HEADER)
    lead = add(["", "Nhiệm vụ hai", "Kế hoạch", "", "Các đơn vị liên quan", "Thường xuyên"])[3]
    lead.text = "- Kế toán ngân sách xã"
    lead.add_paragraph("- Công chức Địa chính xã")
    document.add_page_break()
    table = document.add_table(rows=0, cols=6)
    add(["II", "Trách nhiệm giải trình với người dân", "", "", "", ""])
    add(["", "Nhiệm vụ ba", "Kế hoạch", "VP  UBND\u00a0xã", "", "Năm 2026"])
    out = io.BytesIO()
    document.save(out)
    spec = read(out.getvalue(), "x.docx", catalogue)
    # The areas are the PAPI areas their names say, whatever the file numbers them.
    assert [(a.number, a.name, len(a.tasks)) for a in spec.areas] == [
        (2, "Công khai, minh bạch", 2),
        (3, "Trách nhiệm giải trình với người dân", 1),
    ]
    second = spec.areas[0].tasks[1]
    assert second.lead_text == "- Kế toán ngân sách xã - Công chức Địa chính xã"
    assert second.lead_units == plan_spec.tasks[6].lead_units  # as 2.2 in the seed
    assert spec.areas[0].tasks[0].involves_hamlets
    assert spec.areas[1].tasks[0].lead_units == ("Văn phòng UBND xã",)
    assert spec.areas[1].tasks[0].timeframe == Timeframe.YEAR
    assert spec.areas[0].tasks[1].timeframe == Timeframe.ONGOING
    assert spec.number == "" and spec.title == ""


# -- bad files: a clear error, naming the row and column, and nothing changed -----------------


def small_rows() -> list[Row]:
    return [
        AreaRow(1, "Tham gia của người dân ở cấp cơ sở"),
        ("", "Nhiệm vụ một", "Kế hoạch", "Văn phòng UBND xã", "", "Năm 2026"),
        ("", "Nhiệm vụ hai", "Kế hoạch", "Trạm Y tế xã", "09 ấp", "Thường xuyên"),
    ]


def docx_without_table() -> bytes:
    document = docx.Document()
    document.add_paragraph("Kế hoạch không có phụ lục")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fake_encrypted_workbook() -> bytes:
    """What Excel writes for a workbook with a password: an OLE compound file holding the
    streams EncryptionInfo and EncryptedPackage, not a zip.
    """
    directory = "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + directory + bytes(2048)


def zip_with_password_flag(content: bytes) -> bytes:
    """``content`` (a zip) with every entry marked encrypted, as a zip password does."""
    data = bytearray(content)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) != -1:
        data[at + 8] |= 0x1
        start = at + 4
    return bytes(data)


def damaged_document_xml() -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(small_rows()))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = b"<w:document><broken"
            target.writestr(item, data)
    return out.getvalue()


@dataclass(frozen=True)
class Bad:
    name: str
    make: Callable[[], bytes]
    reason: str
    row: int | None = None
    column: str | None = None
    says: tuple[str, ...] = ()


def bad_files() -> list[Bad]:
    def good() -> bytes:
        return make_docx(small_rows())

    wrong_columns = ("TT", "Ghi chú", "Cơ quan chủ trì", "Cơ quan phối hợp")
    task_first = [small_rows()[1], *small_rows()]
    return [
        Bad("khong-bang.docx", docx_without_table, "no_table", says=("không có bảng",)),
        Bad(
            "sai-cot.docx",
            lambda: make_docx(
                [("", "x", "Văn phòng UBND xã", "")], header=wrong_columns, heading=False
            ),
            "missing_columns",
            row=1,
            says=("Bảng 1, dòng 1", "«Lĩnh vực/Nhiệm vụ»", "Các cột đã thấy", "«Ghi chú»"),
        ),
        Bad(
            "sai-cot.xlsx",
            lambda: make_xlsx([], header=("TT", "Nhiệm vụ", "Kết quả", "Ghi chú", "A", "B")),
            "missing_columns",
            row=4,
            says=("Trang tính «Kế hoạch», dòng 4", "«Cơ quan chủ trì»", "«Đơn vị thực hiện»"),
        ),
        Bad("rong.docx", lambda: b"", "empty_file", says=("rỗng",)),
        Bad("ke-hoach.pdf", lambda: b"%PDF-1.7", "unsupported_format", says=(".docx", ".xlsx")),
        Bad(
            "ke-hoach.xls",
            lambda: b"\xd0\xcf\x11\xe0",
            "unsupported_format",
            says=("định dạng cũ",),
        ),
        Bad("mat-khau.xlsx", fake_encrypted_workbook, "encrypted", says=("mật khẩu",)),
        Bad(
            "cu.xlsx",
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "unsupported_format",
        ),
        Bad("mat-khau-zip.docx", lambda: zip_with_password_flag(good()), "encrypted"),
        Bad("hong.docx", lambda: b"PK\x03\x04 not really a zip", "corrupt", says=("bị hỏng",)),
        Bad("cut.docx", lambda: good()[:3000], "corrupt"),
        Bad("rac.xlsx", lambda: bytes(range(256)) * 10, "corrupt"),
        Bad("hong-xml.docx", damaged_document_xml, "corrupt"),
        Bad("doi-duoi.xlsx", good, "corrupt", says=("thật ra là tệp Word",)),
        Bad(
            "truoc.docx",
            lambda: make_docx(task_first, heading=False),
            "task_before_area",
            row=2,
            column="TT",
            says=("Bảng 1, dòng 2, cột «TT»", "trước dòng lĩnh vực"),
        ),
        Bad(
            "don-vi.docx",
            lambda: make_docx(edit(small_rows(), "1.2", 3, "Trạm Ytế xã"), heading=False),
            "unknown_unit",
            row=4,
            column="Cơ quan chủ trì",
            says=(
                "Bảng 1, dòng 4 (nhiệm vụ 1.2), cột «Cơ quan chủ trì»",
                "«Trạm Ytế xã»",
                "Có phải «Trạm Y tế xã»?",
            ),
        ),
        Bad(
            "don-vi.xlsx",
            # A unit no one knows is proposed (tests/test_units_import.py); a slip is not.
            lambda: make_xlsx(edit(small_rows(), "1.1", 4, "Văn phòng UBND xã; Công an xãa")),
            "unknown_unit",
            row=6,
            column="Cơ quan phối hợp",
            says=(
                "Trang tính «Kế hoạch», dòng 6 (nhiệm vụ 1.1)",
                "«Công an xãa»",
                "Có phải «Công an xã»?",
            ),
        ),
        Bad(
            "trong.docx",
            lambda: make_docx(edit(small_rows(), "1.2", 1, ""), heading=False),
            "empty_task",
            row=4,
            column="Lĩnh vực/Nhiệm vụ",
        ),
        Bad(
            "chu-tri.xlsx",
            lambda: make_xlsx(edit(small_rows(), "1.2", 3, "")),
            "missing_lead",
            row=7,
            column="Cơ quan chủ trì",
        ),
        Bad(
            "khong-linh-vuc.docx",
            lambda: make_docx([AreaRow(9, "Phát triển kinh tế"), *small_rows()[1:]]),
            "no_areas",
            says=("không đề mục nào là lĩnh vực PAPI", "«9 Phát triển kinh tế»"),
        ),
        Bad(
            "khong-nv.docx",
            lambda: make_docx([AreaRow(1, "Một"), AreaRow(2, "Hai")], heading=False),
            "no_tasks",
        ),
    ]


async def count_rows(session: AsyncSession) -> list[int]:
    counts = []
    for model in (Plan, Area, Task, TaskUnit, Unit, Report):
        counts.append(int((await session.exec(select(func.count()).select_from(model))).one()))
    return counts


@pytest.mark.parametrize("bad", bad_files(), ids=lambda bad: bad.name)
async def test_a_bad_file_is_refused_clearly_and_changes_nothing(
    bad: Bad, catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    before = await count_rows(session)

    async def read_and_import() -> None:
        spec = read(bad.make(), bad.name, catalogue)
        await import_plan(session, commune, spec, year=2026, dry_run=False)

    with pytest.raises(PlanImportError) as caught:
        await read_and_import()
    error = caught.value
    assert error.reason == bad.reason, str(error)
    assert (error.row, error.column) == (bad.row, bad.column), str(error)
    if bad.row is not None:
        assert f"dòng {bad.row}" in str(error)
    if bad.column is not None:
        assert f"«{bad.column}»" in str(error)
    for phrase in bad.says:
        assert phrase in str(error), str(error)
    assert await count_rows(session) == before


def test_every_problem_in_the_file_is_listed_at_once(catalogue: ImportCatalogue) -> None:
    rows = edit(edit(small_rows(), "1.1", 3, "Trạm Ytế xã"), "1.2", 4, "Công an xãa")
    with pytest.raises(PlanImportError) as caught:
        read(make_docx(rows, heading=False), "a.docx", catalogue)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (3, "Cơ quan chủ trì"),
        (4, "Cơ quan phối hợp"),
    ]
    assert "Còn 1 lỗi khác" in str(caught.value) and "dòng 4" in str(caught.value)


def test_a_file_over_10_mb_is_refused_before_it_is_parsed(
    catalogue: ImportCatalogue, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a file over the limit must not be opened")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    monkeypatch.setattr(docx, "Document", never)
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    huge = b"PK\x03\x04" + bytes(50 * 1024 * 1024)
    started = time.perf_counter()
    for name in ("lon.docx", "lon.xlsx"):
        with pytest.raises(PlanImportError) as caught:
            read(huge, name, catalogue)
        assert caught.value.reason == "too_large" and "50.0 MB" in str(caught.value)
    assert time.perf_counter() - started < 0.5

    # On disk, the size is checked before a byte is read.
    path = tmp_path / "lon.xlsx"
    with path.open("wb") as sparse:
        sparse.truncate(50 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(PlanImportError, match="quá lớn"):
        read_plan_table_file(path, catalogue, commune="Mỹ Hòa Hưng", year=2026)
    check_file_size(MAX_FILE_BYTES)  # exactly the limit is allowed
    with pytest.raises(PlanImportError):
        check_file_size(MAX_FILE_BYTES + 1, "a.docx")


def test_a_file_that_unpacks_to_too_much_is_refused(catalogue: ImportCatalogue) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("word/document.xml", b" " * (60 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_FILE_BYTES
    with pytest.raises(PlanImportError) as caught:
        read(out.getvalue(), "bom.docx", catalogue)
    assert caught.value.reason == "too_large"


# -- importing over the plan in the database --------------------------------------------------


async def officer(session: AsyncSession, commune: Commune, unit: str) -> Member:
    issued = await create_member(
        session, commune, role=Role.OFFICER, name=f"Cán bộ {unit}", unit_text=unit, now=NOW
    )
    return issued.member


async def report(
    session: AsyncSession, member: Member, plan: Plan, code: str, status: Status, percent: int
) -> Report:
    task = await task_by_code(session, plan, code)
    assert task is not None
    return await record_report(
        session,
        member=member,
        task=task,
        report=ReportInput(status, percent, "ghi chú"),
        now=NOW,
        timezone=TZ,
    )


async def task_id(session: AsyncSession, plan: Plan, code: str) -> int:
    task = await task_by_code(session, plan, code)
    assert task is not None and task.id is not None
    return task.id


async def the_plan(session: AsyncSession, year: int = 2026) -> Plan:
    plan = (await session.exec(select(Plan).where(Plan.year == year))).one()
    return plan


async def test_importing_the_plan_as_it_is_changes_nothing(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    spec = read(make_docx(appendix_rows()), "a.docx", catalogue)
    before = await count_rows(session)
    changes = await import_plan(session, commune, spec, year=2026, dry_run=False)
    assert not changes.changed and len(changes.unchanged) == 46
    assert await count_rows(session) == before
    assert describe_changes(changes)[-1] == "Không có gì cần thay đổi."


async def test_reimporting_an_edited_file_updates_in_place_and_keeps_every_report(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    plan = await the_plan(session)
    office = await officer(session, commune, "Văn phòng UBND xã")
    health = await officer(session, commune, "Trạm Y tế xã")
    await report(session, office, plan, "3.1", Status.IN_PROGRESS, 40)
    await report(session, office, plan, "3.1", Status.IN_PROGRESS, 60)
    await report(session, health, plan, "6.1", Status.DONE, 100)
    await report(session, office, plan, "8.4", Status.IN_PROGRESS, 10)
    old_31 = await task_by_code(session, plan, "3.1")
    assert old_31 is not None
    ids = {code: await task_id(session, plan, code) for code in ("3.1", "6.1", "8.4")}

    rows = appendix_rows()
    rows = edit(rows, "3.1", 1, "Chủ trì, phối hợp với MTTQ: nội dung đã sửa.")
    rows = edit(rows, "6.1", 3, "Công an xã")
    rows = edit(rows, "1.1", 5, "Thường xuyên")
    rows = drop(drop(rows, "8.5"), "8.4")  # 8.5 has no report; 8.4 has one
    spec = read(make_xlsx(rows), "ke-hoach-sua.xlsx", catalogue)

    before = await count_rows(session)
    dry = await import_plan(session, commune, spec, year=2026, dry_run=True)
    assert await count_rows(session) == before  # a dry run writes nothing
    unchanged = await task_by_code(session, plan, "3.1")
    assert unchanged is not None and unchanged.text == old_31.text
    assert dry.dry_run and not dry.plan_created and dry.created == ()
    assert {c.code: c.fields for c in dry.updated} == {
        "1.1": ("timeframe",),
        "3.1": ("text",),
        "6.1": ("lead",),
    }
    assert {c.code: c.reports for c in dry.updated} == {"1.1": 0, "3.1": 2, "6.1": 1}
    assert [t.code for t in dry.removed] == ["8.5"]
    assert [(t.code, t.reports) for t in dry.kept] == [("8.4", 1)]
    assert "Chạy thử: chưa ghi gì." in describe_changes(dry)

    done = await import_plan(session, commune, spec, year=2026, dry_run=False)
    assert {c.code for c in done.updated} == {"1.1", "3.1", "6.1"} and not done.dry_run
    plans, areas, tasks, task_units, units, reports_count = before
    # One task fewer (8.5) and its one link; not one report fewer.
    assert await count_rows(session) == [
        plans,
        areas,
        tasks - 1,
        task_units - 1,
        units,
        reports_count,
    ]
    task_31 = await task_by_code(session, plan, "3.1")
    assert task_31 is not None and task_31.id == ids["3.1"]
    assert task_31.text == "Chủ trì, phối hợp với MTTQ: nội dung đã sửa."
    reports = list(await session.exec(select(Report).order_by(col(Report.id))))
    assert [r.task_id for r in reports] == [ids["3.1"], ids["3.1"], ids["6.1"], ids["8.4"]]
    assert await task_by_code(session, plan, "8.5") is None
    assert await task_by_code(session, plan, "8.4") is not None  # kept: it has a report
    police = await find_unit(session, commune, "Công an xã")
    links = list(await session.exec(select(TaskUnit).where(TaskUnit.task_id == ids["6.1"])))
    assert [(link.unit_id, link.role) for link in links] == [(police.id, TaskRole.LEAD)]
    again = await import_plan(session, commune, spec, year=2026, dry_run=False)
    assert not again.changed and [t.code for t in again.kept] == ["8.4"]


async def test_a_row_deleted_mid_area_is_flagged_as_shifting_the_codes(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    spec = read(make_docx(drop(appendix_rows(), "1.3")), "a.docx", catalogue)
    changes = await import_plan(session, commune, spec, year=2026, dry_run=True)
    assert changes.shifted == (("1.3", "1.4"), ("1.4", "1.5"))
    assert [t.code for t in changes.removed] == ["1.5"]
    assert any("làm lệch mã" in line for line in describe_changes(changes))


async def test_a_file_for_a_new_year_makes_a_new_plan(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    spec = read(make_docx(appendix_rows()), "a.docx", catalogue, year=2027)
    dry = await import_plan(session, commune, spec, year=2027, dry_run=True)
    assert dry.plan_created and len(dry.created) == 46 and dry.plan_id is None
    assert await plan_for_year(session, commune, 2027) is None
    changes = await import_plan(session, commune, spec, year=2027, dry_run=False)
    plan = await plan_for_year(session, commune, 2027)
    assert plan is not None and plan.id == changes.plan_id
    assert (plan.number, plan.title, plan.source_year) == ("965/KH-UBND", TITLE, None)
    assert plan.report_deadline.isoformat() == "2027-12-20"
    assert len(await plan_tasks(session, plan)) == 46


async def test_an_import_that_fails_midway_leaves_nothing_half_done(
    catalogue: ImportCatalogue, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(database)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            commune = await ensure_commune(session, "Mỹ Hòa Hưng", TZ, ["Ấp 1", "Ấp 2"])
            await load_plan(session, commune, catalogue_spec(catalogue), year=2026)
        rows = drop(edit(appendix_rows(), "2.1", 1, "Sửa"), "8.5")
        spec = read(make_docx(rows), "a.docx", catalogue)

        async def broken(*_args: object) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr("models.plan_sync._remove", broken)

        async def import_in_a_transaction() -> None:
            async with transaction(sessions) as session:
                commune_row = (await session.exec(select(Commune))).one()
                await import_plan(session, commune_row, spec, year=2026, dry_run=False)

        with pytest.raises(RuntimeError, match="disk is full"):
            await import_in_a_transaction()
        async with transaction(sessions) as session:
            plan = await the_plan(session)
            task = await task_by_code(session, plan, "2.1")
            assert task is not None and task.text != "Sửa"
            assert len(await plan_tasks(session, plan)) == 46
    finally:
        await engine.dispose()


def catalogue_spec(catalogue: ImportCatalogue) -> PlanSpec:
    return read(make_docx(appendix_rows()), "a.docx", catalogue)


# -- rollover ---------------------------------------------------------------------------------


async def test_rollover_carries_ongoing_and_unfinished_tasks_and_leaves_done_ones(
    session: AsyncSession, commune: Commune
) -> None:
    old = await the_plan(session)
    health = await officer(session, commune, "Trạm Y tế xã")
    social = await officer(session, commune, "LĐTBXH")
    await report(session, health, old, "6.1", Status.DONE, 100)  # year task, done
    await report(session, health, old, "6.2", Status.IN_PROGRESS, 70)  # year task, not done
    await report(session, health, old, "6.3", Status.DONE, 100)  # the lead says done, but
    await report(session, social, old, "6.3", Status.BLOCKED, 50)  # blocked: as /tonghop
    await report(session, social, old, "6.10", Status.DONE, 100)  # ongoing: copied anyway
    reports_before = await count_rows(session)

    result = await rollover(session, commune, from_year=2026, to_year=2027)

    new = await plan_for_year(session, commune, 2027)
    assert new is not None and result.plan.id == new.id
    assert (new.number, new.title, new.source_year) == (old.number, old.title, 2026)
    assert new.report_deadline.isoformat() == "2027-12-20"
    assert result.done == ("6.1",) and result.areas == 8
    old_tasks = {t.code: t for t in await plan_tasks(session, old)}
    new_tasks = await plan_tasks(session, new)
    assert len(new_tasks) == 45 == result.tasks
    by_old = {item.old_code: item for item in (*result.ongoing, *result.carried)}
    assert "6.1" not in by_old
    # Area 6 renumbered in its old order: 6.2 is now 6.1, 6.10 is now 6.9.
    assert [t.code for t in new_tasks if t.area_number == 6] == [f"6.{n}" for n in range(1, 10)]
    assert by_old["6.2"].new_code == "6.1" and by_old["6.10"].new_code == "6.9"
    new_by_code = {t.code: t for t in new_tasks}
    carried = new_by_code["6.1"]
    assert carried.text == old_tasks["6.2"].text
    assert carried.carried_from_id == old_tasks["6.2"].id
    assert carried.timeframe_text == "Năm 2027"
    assert by_old["6.2"].status == Status.IN_PROGRESS and by_old["6.2"].percent == 70
    assert by_old["6.3"].status == Status.BLOCKED and not by_old["6.3"].ongoing
    ongoing = new_by_code["6.9"]
    assert ongoing.timeframe == Timeframe.ONGOING and ongoing.carried_from_id is None
    assert ongoing.timeframe_text == "Thường xuyên"
    assert new_by_code["1.1"].carried_from_id == old_tasks["1.1"].id  # not reported: carried
    assert {item.old_code for item in result.ongoing} == {
        code for code, t in old_tasks.items() if t.timeframe == Timeframe.ONGOING
    }
    # Unit links come along: the health station leads what it led, hamlets are still in.
    links = list(await session.exec(select(TaskUnit).where(TaskUnit.task_id == carried.id)))
    assert [(link.unit_id, link.role) for link in links] == [(health.unit_id, TaskRole.LEAD)]
    scope = [t.code for t in await tasks_in_scope(session, health, new)]
    assert scope == ["6.1", "6.2", "6.3"]  # the old 6.2, 6.3, 6.4
    assert new_by_code["6.2"].involves_hamlets  # the old 6.3 ("09 ấp")
    # Reports stay with the old plan; the new one starts clean.
    after = await count_rows(session)
    assert after[5] == reports_before[5]
    assert not list(await session.exec(select(Report).where(Report.plan_id == new.id)))
    lines = describe_rollover(result)
    assert lines[0].endswith(
        f"45 nhiệm vụ trong 8 lĩnh vực ({len(result.ongoing)} thường xuyên, "
        f"{len(result.carried)} chuyển tiếp, 1 đã xong không chép)."
    )
    assert "= 6.1: đã xong năm 2026, không chép" in lines


async def test_rollover_as_of_the_years_end_ignores_later_reports(
    session: AsyncSession, commune: Commune
) -> None:
    old = await the_plan(session)
    health = await officer(session, commune, "Trạm Y tế xã")
    await report(session, health, old, "6.1", Status.DONE, 100)  # made at NOW (November)
    result = await rollover(
        session, commune, from_year=2026, to_year=2027, as_of=NOW.replace(month=1)
    )
    assert result.done == () and any(item.old_code == "6.1" for item in result.carried)


@pytest.mark.parametrize(
    ("from_year", "to_year", "reason"),
    [(2026, 2026, "bad_year"), (2027, 2026, "bad_year"), (2025, 2027, "no_plan")],
)
async def test_rollover_refuses_what_cannot_be(
    session: AsyncSession, commune: Commune, from_year: int, to_year: int, reason: str
) -> None:
    before = await count_rows(session)
    with pytest.raises(DomainError) as caught:
        await rollover(session, commune, from_year=from_year, to_year=to_year)
    assert caught.value.reason == reason
    assert await count_rows(session) == before


async def test_rollover_refuses_a_year_that_has_a_plan(
    session: AsyncSession, commune: Commune
) -> None:
    await rollover(session, commune, from_year=2026, to_year=2027)
    before = await count_rows(session)
    with pytest.raises(DomainError) as caught:
        await rollover(session, commune, from_year=2026, to_year=2027)
    assert caught.value.reason == "plan_exists" and caught.value.detail == "2027"
    assert await count_rows(session) == before
