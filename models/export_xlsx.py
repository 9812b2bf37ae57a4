"""The Excel workbook of a plan: summary, task status, report history, participation, and
the plan itself laid out like its appendix (so it can be edited and imported again).

Every sheet prints on A4 landscape, fitted to the page width, with its header row repeated
on every page.

A plan can hold hundreds of thousands of report versions, one row each in the history
sheet. openpyxl builds the workbook (styles, page setup, the small sheets) with one shared
set of style objects; the history's rows are written straight into the saved file as
sheet XML, with the same styles, strings in a shared table: the file looks the same and
takes a fraction of the time and memory. openpyxl is imported on first use: a bot that
never exports never loads it.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any, BinaryIO

from models.clock import format_date, format_datetime, quarter_label
from models.export_data import (
    EVIDENCE_LABELS,
    UNIT_KIND_LABELS,
    ExportData,
    review_label,
)
from models.summary import PlanSummary
from models.tables import UnitKind
from models.wording import shorten

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import (  # type: ignore[import-untyped, unused-ignore]
        Worksheet,
    )

SHEET_SUMMARY = "Tổng hợp"
SHEET_TASKS = "Nhiệm vụ"
SHEET_HISTORY = "Lịch sử báo cáo"
SHEET_PARTICIPATION = "Tham gia"
SHEET_PLAN = "Kế hoạch"

AGENCY = "ỦY BAN NHÂN DÂN XÃ {commune}"
SUMMARY_TITLE = "TỔNG HỢP KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ {number} NĂM {year}"
SUMMARY_PLAN = "Kế hoạch số: {number} — năm {year}"
SUMMARY_PERIOD = "Kỳ báo cáo: {period}"
SUMMARY_GENERATED = "Ngày lập: {date} (số liệu đến {time})"
SUMMARY_HEADERS = (
    ("TT", 6),
    ("Lĩnh vực", 44),
    ("Số nhiệm vụ", 11),
    ("Hoàn thành", 11),
    ("Đang thực hiện", 11),
    ("Gặp khó khăn", 11),
    ("Chưa thực hiện", 11),
    ("Chưa báo cáo", 11),
    ("Tỉ lệ hoàn thành (%)", 12),
)
SUMMARY_TOTAL = "Tổng cộng"
SUMMARY_NO_REPORTS = "Chưa có báo cáo nào: tất cả {total} nhiệm vụ đang ở tình trạng Chưa báo cáo."
SUMMARY_MISSING_UNITS = "Đơn vị chủ trì chưa báo cáo {quarter}: {names}"
SUMMARY_MISSING_HAMLETS = "Ấp chưa báo cáo {quarter}: {names}"
# Units that reported some of their tasks: named with how many (đã báo cáo/số nhiệm vụ).
SUMMARY_PARTLY_UNITS = "Đơn vị chủ trì chưa báo cáo đủ {quarter} (đã báo cáo/số nhiệm vụ): {names}"
SUMMARY_PARTLY_HAMLETS = "Ấp chưa báo cáo đủ {quarter} (đã báo cáo/số nhiệm vụ): {names}"
PARTLY_NAME = "{name} ({reported}/{total})"
SUMMARY_BLOCKED = "Nhiệm vụ gặp khó khăn: {items}"

# One row per task and reporting unit, readable on A4 landscape at close to full size: what
# the plan says of a task beyond its text and lead (result, coordinating units, timeframe)
# is on the "Kế hoạch" sheet, who reported and which version on "Lịch sử báo cáo".
TASK_HEADERS = (
    ("Mã", 6),
    ("Nhiệm vụ", 44),
    ("Cơ quan chủ trì", 16),
    ("Đơn vị báo cáo", 16),
    ("Tình trạng", 12),
    ("Tỉ lệ (%)", 7),
    ("Ghi chú", 32),
    ("Ngày báo cáo", 11),
    ("Duyệt", 10),
)

HISTORY_HEADERS = (
    ("Thời gian", 15),
    ("Quý", 9),
    ("Mã", 6),
    ("Nhiệm vụ", 34),
    ("Đơn vị báo cáo", 18),
    ("Người báo cáo", 15),
    ("Người nhập hộ", 15),
    ("Lần", 5),
    ("Tình trạng", 13),
    ("Tỉ lệ (%)", 7),
    ("Ghi chú", 34),
    ("Minh chứng", 10),
    ("Duyệt", 10),
    ("Ý kiến duyệt", 22),
)
HISTORY_EMPTY = "Chưa có báo cáo nào trong kỳ ({period})."

PARTICIPATION_HEADERS = (
    ("Đơn vị / Ấp", 30),
    ("Loại", 8),
    ("Thành viên", 30),
    ("Đã kích hoạt", 10),
    ("NV chủ trì", 9),
    ("NV phối hợp", 9),
    ("NV phải báo cáo", 16),
    ("NV đã báo cáo trong kỳ", 11),
    ("Tỉ lệ (%)", 8),
    ("Báo cáo gần nhất", 15),
)
NO_MEMBERS = "(chưa có)"
# A hamlet neither leads nor coordinates: it answers for the tasks that involve hamlets.
HAMLET_ROLE = "—"
HAMLET_SCOPE = "{count} (NV có sự tham gia của các ấp)"

# The plan's appendix, column for column: the plan importer reads these titles.
PLAN_HEADERS = (
    ("TT", 6),
    ("Lĩnh vực/Nhiệm vụ", 60),
    ("Kết quả", 12),
    ("Cơ quan chủ trì", 24),
    ("Cơ quan phối hợp", 28),
    ("Thời gian thực hiện", 12),
)

# Between the task and its result, when the plan has targets ("Chỉ tiêu năm 2024").
PLAN_TARGET_HEADER = ("Chỉ tiêu", 20)
SHEET_GUIDE = "Hướng dẫn"

PAGE_HEADER = "Kế hoạch {number} — {sheet}"
PAGE_FOOTER = "Trang &P/&N"

FONT_NAME = "Times New Roman"
# Times New Roman 11 pt fits about 1.1 characters of Vietnamese text per unit of Excel's
# column width (the width of a "0" in Calibri 11), in lines about 13 pt apart.
CHARS_PER_WIDTH = 1.1
LINE_HEIGHT = 13
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Rows of the streamed history sheet joined into one write.
_ROWS_PER_WRITE = 2_000
# Texts remembered per column with their number and lines (the repeated ones: units,
# statuses, tasks); notes are mostly each their own, and are not all kept twice.
_KNOWN_PER_COLUMN = 10_000


@dataclass
class _Styles:
    """The workbook's style objects, made once: openpyxl keeps one copy of each look."""

    cell: Any
    header: Any
    bold: Any
    border: Any
    header_fill: Any
    area_fill: Any
    wrap: Any
    center: Any
    center_top: Any
    fonts: dict[tuple[bool, bool, int], Any] = field(default_factory=dict)
    alignments: dict[str, Any] = field(default_factory=dict)
    # The looks of data cells, as openpyxl stores a cell's style (indexes into the
    # workbook's fonts, borders…): made once, copied into each cell.
    looks: dict[tuple[bool, int, str], Any] = field(default_factory=dict)
    # The width of each column of the sheet being written (set by its header).
    widths: dict[int, float] = field(default_factory=dict)

    @classmethod
    def make(cls) -> "_Styles":
        from openpyxl.styles import (  # type: ignore[import-untyped, unused-ignore]
            Alignment,
            Border,
            PatternFill,
            Side,
        )

        thin = Side(style="thin", color="808080")
        made = cls(
            cell=None,
            header=None,
            bold=None,
            border=Border(left=thin, right=thin, top=thin, bottom=thin),
            header_fill=PatternFill("solid", start_color="D9E2F3"),
            area_fill=PatternFill("solid", start_color="F2F2F2"),
            wrap=Alignment(wrap_text=True, vertical="top"),
            center=Alignment(wrap_text=True, vertical="center", horizontal="center"),
            center_top=Alignment(wrap_text=True, vertical="top", horizontal="center"),
        )
        made.cell = made.font(size=11)
        made.header = made.bold = made.font(size=11, bold=True)
        return made

    def font(self, *, size: int, bold: bool = False, italic: bool = False) -> Any:
        """The Times New Roman font of this size and weight (one object per look)."""
        key = (bold, italic, size)
        found = self.fonts.get(key)
        if found is None:
            from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

            found = self.fonts[key] = Font(name=FONT_NAME, bold=bold, size=size, italic=italic)
        return found

    def look(self, sheet: "Worksheet", *, bold: bool, alignment: Any, number_format: str) -> Any:
        """The style of a data cell (a font, an alignment, the border, a number format)."""
        key = (bold, id(alignment), number_format)
        found = self.looks.get(key)
        if found is None:
            from openpyxl.cell.cell import Cell  # type: ignore[import-untyped, unused-ignore]

            template = Cell(sheet)
            template.font = self.bold if bold else self.cell
            template.alignment = alignment
            template.border = self.border
            template.number_format = number_format
            found = self.looks[key] = template._style
        return found

    def alignment(self, horizontal: str) -> Any:
        """A plain alignment (the title lines)."""
        found = self.alignments.get(horizontal)
        if found is None:
            from openpyxl.styles import Alignment  # type: ignore[import-untyped, unused-ignore]

            found = self.alignments[horizontal] = Alignment(horizontal=horizontal)
        return found


def export_xlsx(data: ExportData) -> bytes:
    """The plan as an Excel workbook, ready to print (see :func:`write_xlsx`): its bytes."""
    out = BytesIO()
    write_xlsx(data, out)
    return out.getvalue()


def write_xlsx(data: ExportData, target: BinaryIO) -> None:
    """The plan as an Excel workbook, ready to print, written to ``target`` (a file: a big
    plan's workbook is then never held whole in memory, nor copied).

    Sheets: "Tổng hợp" (counts by area), "Nhiệm vụ" (every task with each reporting unit's
    latest status), "Lịch sử báo cáo" (every version reported in the period), "Tham gia"
    (hamlets and units), "Kế hoạch" (the plan as its appendix lays it out).

    Args:
        data: what :func:`models.export_data.gather_export` read.
        target: a binary file open for writing (seekable).
    """
    from openpyxl import Workbook

    styles = _Styles.make()
    book = Workbook()
    _summary_sheet(book.active, data, styles)
    _tasks_sheet(book.create_sheet(SHEET_TASKS), data, styles)
    history = book.create_sheet(SHEET_HISTORY)
    streamed = _history_sheet(history, data, styles)
    _participation_sheet(book.create_sheet(SHEET_PARTICIPATION), data, styles)
    _plan_sheet(book.create_sheet(SHEET_PLAN), data, styles)
    if streamed is None:
        book.save(target)
        return
    # The workbook without the history's rows (small), then copied into ``target`` with
    # the rows streamed into their sheet.
    index = book.worksheets.index(history) + 1
    buffer = BytesIO()
    book.save(buffer)
    del book, history
    _splice(buffer, f"xl/worksheets/sheet{index}.xml", streamed, target)


def _summary_sheet(sheet: "Worksheet", data: ExportData, styles: _Styles) -> None:
    sheet.title = SHEET_SUMMARY
    width = len(SUMMARY_HEADERS)
    summary = data.summary
    title_lines = [
        (AGENCY.format(commune=data.commune_name.upper()), True, 12),
        (SUMMARY_TITLE.format(number=data.plan_number, year=data.year), True, 14),
        (SUMMARY_PLAN.format(number=data.plan_number, year=data.year), False, 12),
        (SUMMARY_PERIOD.format(period=data.period_label), False, 12),
        (
            SUMMARY_GENERATED.format(
                date=format_date(data.generated.date()),
                time=format_datetime(data.generated, data.timezone),
            ),
            False,
            12,
        ),
    ]
    for row, (text, bold, size) in enumerate(title_lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = _put(sheet, row, 1, text)
        cell.font = styles.font(size=size, bold=bold)
        cell.alignment = styles.alignment("left" if row == 1 else "center")
    header_row = len(title_lines) + 2
    _header(sheet, header_row, SUMMARY_HEADERS, styles)
    row = header_row
    centered = (1, *range(3, width + 1))
    for area in data.areas:
        row += 1
        counts = (area.total, area.done, area.in_progress, area.blocked, area.not_started)
        values = (area.number, area.name, *counts, area.not_reported, area.percent)
        _row(sheet, row, values, styles, centered=centered, align=styles.center)
    row += 1
    totals = [sum(getattr(a, name) for a in data.areas) for name in _COUNT_FIELDS]
    values = ("", SUMMARY_TOTAL, *totals, summary.percent)
    _row(sheet, row, values, styles, bold=True, centered=centered, align=styles.center)

    notes = []
    if not data.has_reports:
        notes.append(SUMMARY_NO_REPORTS.format(total=summary.total))
    notes.extend(_missing_notes(summary))
    if summary.blocked:
        items = "; ".join(f"{b.task_code} ({b.unit_name}): {b.note}" for b in summary.blocked)
        notes.append(SUMMARY_BLOCKED.format(items=items))
    row += 1
    total_width = sum(width for _, width in SUMMARY_HEADERS)
    for text in notes:
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = _put(sheet, row, 1, text)
        cell.font = styles.font(size=12, italic=True)
        cell.alignment = styles.wrap
        sheet.row_dimensions[row].height = (LINE_HEIGHT + 1) * _lines(text, total_width) + 3
    _print_setup(sheet, data, header_row, len(SUMMARY_HEADERS), header_row)


def _missing_notes(summary: PlanSummary) -> list[str]:
    """Who has not reported in the quarter: none of their tasks, or only some (a unit that
    reported part of its work is "chưa báo cáo đủ", as the chat says, never "chưa báo cáo").
    """
    quarter = quarter_label(summary.quarter)
    notes = []
    for kind, missing_line, partly_line in (
        (UnitKind.UNIT, SUMMARY_MISSING_UNITS, SUMMARY_PARTLY_UNITS),
        (UnitKind.HAMLET, SUMMARY_MISSING_HAMLETS, SUMMARY_PARTLY_HAMLETS),
    ):
        owing = [p for p in summary.participation if p.kind == kind and p.reported < p.in_scope]
        silent = [p.name for p in owing if not p.reported]
        partly = [
            PARTLY_NAME.format(name=p.name, reported=p.reported, total=p.in_scope)
            for p in owing
            if p.reported
        ]
        if silent:
            notes.append(missing_line.format(quarter=quarter, names=", ".join(silent)))
        if partly:
            notes.append(partly_line.format(quarter=quarter, names=", ".join(partly)))
    return notes


_COUNT_FIELDS = ("total", "done", "in_progress", "blocked", "not_started", "not_reported")
TASK_CENTERED = (1, 5, 6, 8, 9)
HISTORY_CENTERED = (1, 2, 3, 8, 9, 10, 12, 13)
PARTICIPATION_CENTERED = (2, 4, 5, 6, 7, 8, 9, 10)
PLAN_CENTERED = (1, 3, 6)
PLAN_CENTERED_WITH_TARGETS = (1, 4, 7)


def _tasks_sheet(sheet: "Worksheet", data: ExportData, styles: _Styles) -> None:
    _header(sheet, 1, TASK_HEADERS, styles)
    row = 1
    for item in data.status_rows():
        row += 1
        task, report = item.task, item.report
        _row(
            sheet,
            row,
            (
                task.code,
                task.text,
                ", ".join(task.lead_units) or task.lead_text,
                report.unit_name if report else "",
                item.status_label,
                report.percent if report else None,
                report.note if report else "",
                report.time.date() if report else None,
                review_label(report, data) if report else "",
            ),
            styles,
            centered=TASK_CENTERED,
        )
    _print_setup(sheet, data, 1, len(TASK_HEADERS), row)


def _history_sheet(sheet: "Worksheet", data: ExportData, styles: _Styles) -> "_Rows | None":
    """The history's header and page setup; its rows, to be streamed into the saved file
    (None when there are none: the sheet then says so).
    """
    _header(sheet, 1, HISTORY_HEADERS, styles)
    if not data.history:
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
        cell = _put(sheet, 2, 1, HISTORY_EMPTY.format(period=data.period_label))
        cell.font = styles.font(size=11, italic=True)
        for column in HISTORY_CENTERED:
            sheet.cell(2, column).alignment = styles.center_top
        _print_setup(sheet, data, 1, len(HISTORY_HEADERS), 2)
        return None
    last_row = 1 + len(data.history)
    _print_setup(sheet, data, 1, len(HISTORY_HEADERS), last_row)
    # A log row names its task by code; the text is a reminder, kept short so a version
    # takes one or two lines (the whole text is on the "Nhiệm vụ" and "Kế hoạch" sheets).
    texts = {task.id: shorten(task.text, 120) for task in data.tasks}
    quarters: dict[str, str] = {}

    def values() -> Iterator[tuple[Any, ...]]:
        for report in data.history:
            quarter = quarters.get(report.quarter)
            if quarter is None:
                quarter = quarters[report.quarter] = quarter_label(report.quarter)
            yield (
                report.time,
                quarter,
                report.task_code,
                texts.get(report.task_id, ""),
                report.unit_name,
                report.member_name,
                report.entered_by_name or "",
                report.version,
                report.status_label,
                report.percent,
                report.note,
                EVIDENCE_LABELS.get(report.evidence_kind or "", ""),
                review_label(report, data),
                report.review_comment or "",
            )

    count = len(data.history)
    return _Rows.styled(sheet, styles, HISTORY_HEADERS, HISTORY_CENTERED, 2, count, values())


def _participation_sheet(sheet: "Worksheet", data: ExportData, styles: _Styles) -> None:
    headers = list(PARTICIPATION_HEADERS)
    label, width = headers[7]
    headers[7] = (f"{label} ({data.period_label})", width)
    _header(sheet, 1, headers, styles)
    row = 1
    for item in data.participation:
        row += 1
        scope = item.tasks_in_scope
        hamlet = item.kind == UnitKind.HAMLET
        _row(
            sheet,
            row,
            (
                item.unit_name,
                UNIT_KIND_LABELS.get(item.kind, item.kind),
                ", ".join(item.members) or NO_MEMBERS,
                f"{item.members_linked}/{len(item.members)}",
                HAMLET_ROLE if hamlet else item.tasks_led,
                HAMLET_ROLE if hamlet else item.tasks_coordinated,
                HAMLET_SCOPE.format(count=scope) if hamlet else scope,
                item.tasks_reported,
                round(100 * item.tasks_reported / scope) if scope else None,
                item.last_report,
            ),
            styles,
            centered=PARTICIPATION_CENTERED,
        )
    _print_setup(sheet, data, 1, len(PARTICIPATION_HEADERS), row)


@dataclass(frozen=True)
class PlanSheet:
    """What the "Kế hoạch" sheet shows, for a sheet made without a plan's export data
    (the empty template): the plan's number, its areas and tasks, whether to add the
    targets column.
    """

    plan_number: str
    areas: Sequence[Any]
    tasks: Sequence[Any]
    targets: bool


def _plan_sheet(sheet: "Worksheet", data: "ExportData | PlanSheet", styles: _Styles) -> None:
    # The targets column only when the plan has targets (or the template asks for it): a
    # plan without them keeps the appendix's own six columns.
    targets = data.targets if isinstance(data, PlanSheet) else any(t.target for t in data.tasks)
    headers: Sequence[tuple[str, int]] = PLAN_HEADERS
    if targets:
        headers = (*PLAN_HEADERS[:2], PLAN_TARGET_HEADER, *PLAN_HEADERS[2:])
    centered = PLAN_CENTERED_WITH_TARGETS if targets else PLAN_CENTERED
    _header(sheet, 1, headers, styles)
    row = 1
    for area in data.areas:
        row += 1
        values = (area.number, area.name, *[""] * (len(headers) - 2))
        _row(sheet, row, values, styles, bold=True, centered=centered)
        for column in range(1, len(headers) + 1):
            sheet.cell(row, column).fill = styles.area_fill
        for task in data.tasks:
            if task.area_number != area.number:
                continue
            row += 1
            cells = (task.result, task.lead_text, task.coordinating_text, task.timeframe_text)
            texts = (task.text, task.target) if targets else (task.text,)
            _row(sheet, row, ("", *texts, *cells), styles, centered=centered)
    _print_setup(sheet, data, 1, len(headers), row)


def plan_template_xlsx(areas: Sequence[tuple[int, str]], guide: Sequence[str]) -> bytes:
    """An empty plan: the "Kế hoạch" sheet as an export lays it out (header, area rows, no
    task), with the targets column, and a "Hướng dẫn" sheet of ``guide`` lines. Filled in,
    it imports as any plan file does.
    """
    from openpyxl import Workbook

    styles = _Styles.make()
    book = Workbook()
    rows = [_TemplateArea(number, name) for number, name in areas]
    _plan_sheet(book.active, PlanSheet("", rows, [], targets=True), styles)
    book.active.title = SHEET_PLAN
    notes = book.create_sheet(SHEET_GUIDE)
    notes.column_dimensions["A"].width = 110
    for line in guide:
        notes.append([line])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class _TemplateArea:
    number: int
    name: str


def _put(sheet: "Worksheet", row: int, column: int, value: Any) -> Any:
    cell = sheet.cell(row, column)
    if isinstance(value, datetime):
        # Excel has no time zones: the time is written as the commune reads its clock.
        cell.value = value.replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            # A note typed as "=..." is text, never a formula.
            cell.data_type = "s"
    return cell


def _header(
    sheet: "Worksheet", row: int, headers: Sequence[tuple[str, int]], styles: _Styles
) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    for column, (title, width) in enumerate(headers, start=1):
        cell = _put(sheet, row, column, title)
        cell.font = styles.header
        cell.alignment = styles.center
        cell.fill = styles.header_fill
        cell.border = styles.border
        sheet.column_dimensions[get_column_letter(column)].width = width
        styles.widths[column] = width
    _fit_height(sheet, row, [(title, width) for title, width in headers])


def _row(
    sheet: "Worksheet",
    row: int,
    values: Iterable[Any],
    styles: _Styles,
    *,
    bold: bool = False,
    centered: Sequence[int] = (),
    align: Any = None,
) -> None:
    """One data row: Times New Roman 11 in thin borders, wrapped at the top, or centred
    (``align``, by default at the top) in the ``centered`` columns.
    """
    middle = align or styles.center_top
    texts = []
    for column, value in enumerate(values, start=1):
        cell = _put(sheet, row, column, value)
        look = styles.look(
            sheet, bold=bold, alignment=middle if column in centered else styles.wrap,
            number_format=cell.number_format,
        )  # fmt: skip
        cell._style = copy(look)
        texts.append((value if isinstance(value, str) else "", styles.widths[column]))
    _fit_height(sheet, row, texts)


def _fit_height(sheet: "Worksheet", row: int, cells: Sequence[tuple[str, float]]) -> None:
    """Make a row tall enough for its wrapped text. Excel and LibreOffice do not measure
    rows of a file they open, so a row left at its default height shows one line only.
    """
    lines = max((_lines(text, width) for text, width in cells), default=1)
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines + 3


def _lines(text: str, width: float) -> int:
    per_line = max(int(width * CHARS_PER_WIDTH), 1)
    return sum(max(-(-len(part) // per_line), 1) for part in text.split("\n"))


def _print_setup(
    sheet: "Worksheet",
    data: "ExportData | PlanSheet",
    header_row: int,
    columns: int,
    last_row: int,
) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.oddHeader.center.text = PAGE_HEADER.format(number=data.plan_number, sheet=sheet.title)
    sheet.oddHeader.center.font = FONT_NAME
    sheet.oddFooter.center.text = PAGE_FOOTER
    sheet.oddFooter.center.font = FONT_NAME
    if last_row > header_row:
        last = get_column_letter(columns)
        sheet.auto_filter.ref = f"A{header_row}:{last}{last_row}"


# --- The streamed rows ----------------------------------------------------------------------


@dataclass
class _Rows:
    """Data rows to write into a saved sheet as XML: the look :func:`_row` gives, each
    style registered with the workbook (so openpyxl writes it into styles.xml).
    """

    first_row: int
    count: int
    columns: int
    widths: list[float]
    # Per column: the style id of a plain value, a date, a date and time.
    plain: list[int]
    dated: list[int]
    timed: list[int]
    values: Iterator[tuple[Any, ...]]

    @classmethod
    def styled(
        cls,
        sheet: "Worksheet",
        styles: _Styles,
        headers: Sequence[tuple[str, int]],
        centered: Sequence[int],
        first_row: int,
        count: int,
        values: Iterator[tuple[Any, ...]],
    ) -> "_Rows":
        from openpyxl.cell.cell import Cell  # type: ignore[import-untyped, unused-ignore]

        book = sheet.parent
        ids: dict[tuple[int, str | None], int] = {}

        def style_id(column: int, number_format: str | None) -> int:
            centre = column in centered
            key = (centre, number_format)
            if key not in ids:
                template = Cell(sheet)
                template.font = styles.cell
                template.alignment = styles.center_top if centre else styles.wrap
                template.border = styles.border
                if number_format is not None:
                    template.number_format = number_format
                ids[key] = book._cell_styles.add(template._style)
            return ids[key]

        columns = len(headers)
        return cls(
            first_row=first_row,
            count=count,
            columns=columns,
            widths=[float(width) for _, width in headers],
            plain=[style_id(c, None) for c in range(1, columns + 1)],
            dated=[style_id(c, DATE_FORMAT) for c in range(1, columns + 1)],
            timed=[style_id(c, DATETIME_FORMAT) for c in range(1, columns + 1)],
            values=values,
        )


@dataclass
class _Strings:
    """The workbook's shared strings: each text once, cells refer to it by number."""

    index: dict[str, int] = field(default_factory=dict)
    uses: int = 0

    def xml(self) -> Iterator[bytes]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{_MAIN_NS}" count="{self.uses}" uniqueCount="{len(self.index)}">'
        ).encode()
        batch = []
        for text in self.index:
            clean = _xml_text(text)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            batch.append(f"<si><t{space}>{clean}</t></si>")
            if len(batch) >= _ROWS_PER_WRITE:
                yield "".join(batch).encode()
                batch = []
        batch.append("</sst>")
        yield "".join(batch).encode()


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRINGS_PART = "xl/sharedStrings.xml"
_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_STRINGS_REL = (
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSharedStrings"/>'
)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _xml_text(text: str) -> str:
    # Control characters cannot be in an XML file at all (openpyxl refuses them too).
    text = _ILLEGAL.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _splice(saved: BinaryIO, sheet_path: str, rows: _Rows, out: BinaryIO) -> None:
    """``saved`` written to ``out`` with ``rows`` in the sheet at ``sheet_path`` after its
    header, and the shared strings they use.
    """
    strings = _Strings()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == sheet_path:
                with target.open(_fresh(info), "w") as stream:
                    _write_sheet(stream, content.decode("utf-8"), rows, strings)
            elif info.filename == "[Content_Types].xml":
                text = content.decode("utf-8").replace("</Types>", _STRINGS_TYPE + "</Types>")
                target.writestr(_fresh(info), text)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                text = content.decode("utf-8")
                text = text.replace("</Relationships>", _STRINGS_REL + "</Relationships>")
                target.writestr(_fresh(info), text)
            else:
                target.writestr(info, content)
        with target.open(_fresh(zipfile.ZipInfo(_STRINGS_PART)), "w") as stream:
            for chunk in strings.xml():
                stream.write(chunk)


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """An entry named like ``info``, compressed, its sizes still to be found."""
    made = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    made.compress_type = zipfile.ZIP_DEFLATED
    return made


def _write_sheet(stream: Any, saved: str, rows: _Rows, strings: _Strings) -> None:
    """The saved sheet (its header row only) with ``rows`` after the header."""
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils.datetime import to_excel  # type: ignore[import-untyped, unused-ignore]

    head, tail = saved.split("</sheetData>", 1)
    letters = [get_column_letter(c) for c in range(1, rows.columns + 1)]
    last = f"{letters[-1]}{rows.first_row + rows.count - 1}"
    stream.write(_DIMENSION.sub(f'<dimension ref="A1:{last}"/>', head, count=1).encode())
    # Per column: the start of its cells' tags and their style attributes.
    starts = [f'<c r="{letter}' for letter in letters]
    plain = [f'" s="{style}"' for style in rows.plain]
    dated = [f'" s="{style}" t="n"><v>' for style in rows.dated]
    timed = [f'" s="{style}" t="n"><v>' for style in rows.timed]
    per_line = [max(int(width * CHARS_PER_WIDTH), 1) for width in rows.widths]
    # Per column: each text's number in the shared table and the lines it wraps to there.
    known: list[dict[str, tuple[int, int]]] = [{} for _ in letters]
    index = strings.index
    uses = 0
    batch: list[str] = []
    for row_number, values in enumerate(rows.values, start=rows.first_row):
        cells: list[str] = []
        add = cells.append
        lines = 1
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                found = known[column].get(value)
                if found is None:
                    if not value:
                        # As openpyxl writes an empty text.
                        add(f'{starts[column]}{row_number}{plain[column]} t="inlineStr"/>')
                        continue
                    number = index.get(value)
                    if number is None:
                        number = index[value] = len(index)
                    width = per_line[column]
                    wrapped = sum(max(-(-len(part) // width), 1) for part in value.split("\n"))
                    found = (number, wrapped)
                    if len(known[column]) < _KNOWN_PER_COLUMN:
                        known[column][value] = found
                uses += 1
                add(f'{starts[column]}{row_number}{plain[column]} t="s"><v>{found[0]}</v></c>')
                if found[1] > lines:
                    lines = found[1]
            elif value is None:
                add(f"{starts[column]}{row_number}{plain[column]}/>")
            elif kind is int or kind is float:
                add(f'{starts[column]}{row_number}{plain[column]} t="n"><v>{value:.16g}</v></c>')
            elif isinstance(value, datetime):
                # Excel has no time zones: the time as the commune reads its clock.
                serial = to_excel(value.replace(tzinfo=None))
                add(f"{starts[column]}{row_number}{timed[column]}{serial:.16g}</v></c>")
            elif isinstance(value, date):
                serial = to_excel(value)
                add(f"{starts[column]}{row_number}{dated[column]}{serial:.16g}</v></c>")
            else:
                raise TypeError(f"cannot write {value!r} in a cell")
        batch.append(f'<row r="{row_number}" ht="{LINE_HEIGHT * lines + 3}" customHeight="1">')
        batch.append("".join(cells))
        batch.append("</row>")
        if len(batch) >= 3 * _ROWS_PER_WRITE:
            stream.write("".join(batch).encode())
            batch = []
    stream.write("".join(batch).encode())
    stream.write(("</sheetData>" + tail).encode())
    strings.uses += uses
