"""The Excel workbook of a plan: summary, task status, report history, participation, and
the plan itself laid out like its appendix (so it can be edited and imported again).

Every sheet prints on A4 landscape, fitted to the page width, with its header row repeated
on every page.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import (  # type: ignore[import-untyped, unused-ignore]
    Alignment,
    Border,
    Font,
    PatternFill,
    Side,
)
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]
from openpyxl.worksheet.worksheet import (  # type: ignore[import-untyped, unused-ignore]
    Worksheet,
)

from models.clock import format_date, format_datetime, quarter_label
from models.export_data import (
    EVIDENCE_LABELS,
    REVIEW_LABELS,
    UNIT_KIND_LABELS,
    ExportData,
)
from models.wording import shorten

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
SUMMARY_BLOCKED = "Nhiệm vụ gặp khó khăn: {items}"

TASK_HEADERS = (
    ("Mã", 6),
    ("Lĩnh vực", 16),
    ("Nhiệm vụ", 48),
    ("Kết quả", 11),
    ("Cơ quan chủ trì", 18),
    ("Cơ quan phối hợp", 20),
    ("Thời gian thực hiện", 11),
    ("Đơn vị báo cáo", 18),
    ("Người báo cáo", 15),
    ("Tình trạng", 13),
    ("Tỉ lệ (%)", 7),
    ("Ghi chú", 32),
    ("Ngày báo cáo", 11),
    ("Lần", 5),
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
    ("NV trong phạm vi", 10),
    ("NV đã báo cáo trong kỳ", 11),
    ("Tỉ lệ (%)", 8),
    ("Báo cáo gần nhất", 15),
)
NO_MEMBERS = "(chưa có)"

# The plan's appendix, column for column: the plan importer reads these titles.
PLAN_HEADERS = (
    ("TT", 6),
    ("Lĩnh vực/Nhiệm vụ", 60),
    ("Kết quả", 12),
    ("Cơ quan chủ trì", 24),
    ("Cơ quan phối hợp", 28),
    ("Thời gian thực hiện", 12),
)

PAGE_HEADER = "Kế hoạch {number} — {sheet}"
PAGE_FOOTER = "Trang &P/&N"

FONT_NAME = "Times New Roman"
# Times New Roman 11 pt fits about 1.1 characters of Vietnamese text per unit of Excel's
# column width (the width of a "0" in Calibri 11), in lines about 13 pt apart.
CHARS_PER_WIDTH = 1.1
LINE_HEIGHT = 13
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="D9E2F3")
_AREA_FILL = PatternFill("solid", start_color="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_CENTER_TOP = Alignment(wrap_text=True, vertical="top", horizontal="center")


def export_xlsx(data: ExportData) -> bytes:
    """The plan as an Excel workbook, ready to print.

    Sheets: "Tổng hợp" (counts by area), "Nhiệm vụ" (every task with each reporting unit's
    latest status), "Lịch sử báo cáo" (every version reported in the period), "Tham gia"
    (hamlets and units), "Kế hoạch" (the plan as its appendix lays it out).

    Args:
        data: what :func:`models.export_data.gather_export` read.

    Returns:
        The .xlsx file's bytes.
    """
    book = Workbook()
    _summary_sheet(book.active, data)
    _tasks_sheet(book.create_sheet(SHEET_TASKS), data)
    _history_sheet(book.create_sheet(SHEET_HISTORY), data)
    _participation_sheet(book.create_sheet(SHEET_PARTICIPATION), data)
    _plan_sheet(book.create_sheet(SHEET_PLAN), data)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet: Worksheet, data: ExportData) -> None:
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
        cell.font = Font(name=FONT_NAME, bold=bold, size=size)
        cell.alignment = Alignment(horizontal="left" if row == 1 else "center")
    header_row = len(title_lines) + 2
    _header(sheet, header_row, SUMMARY_HEADERS)
    row = header_row
    for area in data.areas:
        row += 1
        counts = (area.total, area.done, area.in_progress, area.blocked, area.not_started)
        _row(sheet, row, (area.number, area.name, *counts, area.not_reported, area.percent))
    row += 1
    totals = [sum(getattr(a, name) for a in data.areas) for name in _COUNT_FIELDS]
    _row(sheet, row, ("", SUMMARY_TOTAL, *totals, summary.percent), bold=True)
    for column in (1, *range(3, width + 1)):
        for r in range(header_row + 1, row + 1):
            sheet.cell(r, column).alignment = _CENTER

    notes = []
    if not data.has_reports:
        notes.append(SUMMARY_NO_REPORTS.format(total=summary.total))
    quarter = quarter_label(summary.quarter)
    if summary.missing_units:
        names = ", ".join(summary.missing_units)
        notes.append(SUMMARY_MISSING_UNITS.format(quarter=quarter, names=names))
    if summary.missing_hamlets:
        names = ", ".join(summary.missing_hamlets)
        notes.append(SUMMARY_MISSING_HAMLETS.format(quarter=quarter, names=names))
    if summary.blocked:
        items = "; ".join(f"{b.task_code} ({b.unit_name}): {b.note}" for b in summary.blocked)
        notes.append(SUMMARY_BLOCKED.format(items=items))
    row += 1
    for text in notes:
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = _put(sheet, row, 1, text)
        cell.font = Font(name=FONT_NAME, size=12, italic=True)
        cell.alignment = _WRAP
        total_width = sum(width for _, width in SUMMARY_HEADERS)
        sheet.row_dimensions[row].height = (LINE_HEIGHT + 1) * _lines(text, total_width) + 3
    _print_setup(sheet, data, header_row, len(SUMMARY_HEADERS), header_row)


_COUNT_FIELDS = ("total", "done", "in_progress", "blocked", "not_started", "not_reported")


def _tasks_sheet(sheet: Worksheet, data: ExportData) -> None:
    _header(sheet, 1, TASK_HEADERS)
    row = 1
    for item in data.status_rows():
        row += 1
        task, report = item.task, item.report
        _row(
            sheet,
            row,
            (
                task.code,
                task.area_name,
                task.text,
                task.result,
                task.lead_text,
                task.coordinating_text,
                task.timeframe_text,
                report.unit_name if report else "",
                report.member_name if report else "",
                item.status_label,
                report.percent if report else None,
                report.note if report else "",
                report.time.date() if report else None,
                report.version if report else None,
            ),
        )
    _center(sheet, (1, 7, 10, 11, 13, 14), 2, row)
    _print_setup(sheet, data, 1, len(TASK_HEADERS), row)


def _history_sheet(sheet: Worksheet, data: ExportData) -> None:
    _header(sheet, 1, HISTORY_HEADERS)
    texts = {task.id: task.text for task in data.tasks}
    row = 1
    for report in data.history:
        row += 1
        _row(
            sheet,
            row,
            (
                report.time,
                quarter_label(report.quarter),
                report.task_code,
                shorten(texts.get(report.task_id, ""), 120),
                report.unit_name,
                report.member_name,
                report.entered_by_name or "",
                report.version,
                report.status_label,
                report.percent,
                report.note,
                EVIDENCE_LABELS.get(report.evidence_kind or "", ""),
                REVIEW_LABELS.get(report.review_status or "", ""),
                report.review_comment or "",
            ),
        )
    if not data.history:
        row += 1
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        cell = _put(sheet, row, 1, HISTORY_EMPTY.format(period=data.period_label))
        cell.font = Font(name=FONT_NAME, size=11, italic=True)
    _center(sheet, (1, 2, 3, 8, 9, 10, 12, 13), 2, row)
    _print_setup(sheet, data, 1, len(HISTORY_HEADERS), row)


def _participation_sheet(sheet: Worksheet, data: ExportData) -> None:
    headers = list(PARTICIPATION_HEADERS)
    label, width = headers[7]
    headers[7] = (f"{label} ({data.period_label})", width)
    _header(sheet, 1, headers)
    row = 1
    for item in data.participation:
        row += 1
        scope = item.tasks_in_scope
        _row(
            sheet,
            row,
            (
                item.unit_name,
                UNIT_KIND_LABELS.get(item.kind, item.kind),
                ", ".join(item.members) or NO_MEMBERS,
                f"{item.members_linked}/{len(item.members)}",
                item.tasks_led,
                item.tasks_coordinated,
                scope,
                item.tasks_reported,
                round(100 * item.tasks_reported / scope) if scope else None,
                item.last_report,
            ),
        )
    _center(sheet, (2, 4, 5, 6, 7, 8, 9, 10), 2, row)
    _print_setup(sheet, data, 1, len(PARTICIPATION_HEADERS), row)


def _plan_sheet(sheet: Worksheet, data: ExportData) -> None:
    _header(sheet, 1, PLAN_HEADERS)
    row = 1
    for area in data.areas:
        row += 1
        _row(sheet, row, (area.number, area.name, "", "", "", ""), bold=True)
        for column in range(1, len(PLAN_HEADERS) + 1):
            sheet.cell(row, column).fill = _AREA_FILL
        for task in data.tasks:
            if task.area_number != area.number:
                continue
            row += 1
            cells = (task.result, task.lead_text, task.coordinating_text, task.timeframe_text)
            _row(sheet, row, ("", task.text, *cells))
    _center(sheet, (1, 3, 6), 2, row)
    _print_setup(sheet, data, 1, len(PLAN_HEADERS), row)


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
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


def _header(sheet: Worksheet, row: int, headers: Sequence[tuple[str, int]]) -> None:
    for column, (title, width) in enumerate(headers, start=1):
        cell = _put(sheet, row, column, title)
        cell.font = Font(name=FONT_NAME, bold=True, size=11)
        cell.alignment = _CENTER
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(column)].width = width
    _fit_height(sheet, row, [(title, width) for title, width in headers])


def _row(sheet: Worksheet, row: int, values: Iterable[Any], *, bold: bool = False) -> None:
    texts = []
    for column, value in enumerate(values, start=1):
        cell = _put(sheet, row, column, value)
        cell.font = Font(name=FONT_NAME, bold=bold, size=11)
        cell.alignment = _WRAP
        cell.border = _BORDER
        width = sheet.column_dimensions[get_column_letter(column)].width
        texts.append((value if isinstance(value, str) else "", width))
    _fit_height(sheet, row, texts)


def _fit_height(sheet: Worksheet, row: int, cells: Sequence[tuple[str, float]]) -> None:
    """Make a row tall enough for its wrapped text. Excel and LibreOffice do not measure
    rows of a file they open, so a row left at its default height shows one line only.
    """
    lines = max((_lines(text, width) for text, width in cells), default=1)
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines + 3


def _lines(text: str, width: float) -> int:
    per_line = max(int(width * CHARS_PER_WIDTH), 1)
    return sum(max(-(-len(part) // per_line), 1) for part in text.split("\n"))


def _center(sheet: Worksheet, columns: Iterable[int], first: int, last: int) -> None:
    for column in columns:
        for row in range(first, last + 1):
            sheet.cell(row, column).alignment = _CENTER_TOP


def _print_setup(
    sheet: Worksheet, data: ExportData, header_row: int, columns: int, last_row: int
) -> None:
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
