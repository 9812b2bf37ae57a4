"""The task × unit status table as CSV, for any spreadsheet or script."""

import csv
from io import StringIO

from models.clock import format_datetime
from models.export_data import ExportData

CSV_HEADERS = (
    "Mã",
    "Lĩnh vực",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời gian thực hiện",
    "Đơn vị báo cáo",
    "Người báo cáo",
    "Tình trạng",
    "Tỉ lệ (%)",
    "Ghi chú",
    "Thời điểm báo cáo",
    "Lần",
)

# A cell starting with one of these is a formula to Excel: "-Kế toán" would show #NAME?, and
# "=HYPERLINK(...)" typed as a note would run. Such cells get a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_csv(data: ExportData) -> bytes:
    """The status table: one row per task and unit that reported on it, one row "Chưa báo
    cáo" for each task nobody has reported on.

    UTF-8 with a byte order mark and CRLF line ends, so Excel opens the Vietnamese text
    right with a double click. Lead units are named as the unit catalogue names them (the
    plan's own spelling is in the Excel file's "Kế hoạch" sheet).

    Args:
        data: what :func:`models.export_data.gather_export` read.

    Returns:
        The .csv file's bytes.
    """
    out = StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in data.status_rows():
        task, report = row.task, row.report
        writer.writerow(
            _safe(value)
            for value in (
                task.code,
                task.area_name,
                task.text,
                "; ".join(task.lead_units) or task.lead_text,
                task.timeframe_text,
                report.unit_name if report else "",
                report.member_name if report else "",
                row.status_label,
                str(report.percent) if report else "",
                report.note if report else "",
                format_datetime(report.time, data.timezone) if report else "",
                str(report.version) if report else "",
            )
        )
    return out.getvalue().encode("utf-8-sig")


def _safe(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
