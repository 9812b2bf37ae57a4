"""The commune's official reports as Word documents, in the form Nghị định 30/2020/NĐ-CP
sets for administrative documents: the year-end report on the plan, and the quarterly
anti-corruption report to the inspectorate above the commune.

What the documents say about the commune (its name, place, recipients, signer, the plan's
number and date) comes from its profile (:mod:`models.commune_profile`), never from here.

The form: A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; the
issuing body and the national motto side by side at the top, each with a short rule under
it; the number on the left and the place and date (italic) on the right; the title in
capitals with the subject under it; the body justified, 14 pt, first lines indented; the
recipients ("Nơi nhận:") and the signature at the end; page numbers from page 2.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from models.breathing import Breather
from models.clock import format_date, quarter_label
from models.commune_profile import Profile, default_profile, recipient_lines
from models.errors import DomainError
from models.export_data import (
    STATUS_LABELS,
    ExportArea,
    ExportData,
    ExportReport,
    ExportTask,
    check_period,
    is_anti_corruption_area,
)
from models.tables import Status
from models.textfold import fold

# --- The form (Nghị định 30/2020/NĐ-CP) --------------------------------------------------
AGENCY_PARENT = "ỦY BAN NHÂN DÂN"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER = "Số: {number}/BC-UBND"
PLACE_DATE = "{place}, ngày {day} tháng {month} năm {year}"
REPORT = "BÁO CÁO"
RECIPIENTS = "Nơi nhận:"
ON_BEHALF = "TM. ỦY BAN NHÂN DÂN"
# A deputy signs for the chairman ("ký thay"): this line goes above the deputy's title.
FOR_CHAIRMAN = "KT. CHỦ TỊCH"
CLOSING = "Trên đây là báo cáo {what} của Ủy ban nhân dân {commune}./."

# --- The year-end report ------------------------------------------------------------------
YEAR_SUBJECT = "Kết quả thực hiện Kế hoạch số {number}{issued} về {title}"
YEAR_ISSUED = " ngày {date}"
# A plan whose date is not known: left to be written in by hand.
YEAR_ISSUED_BLANK = " ngày …/…/…"
YEAR_INTRO = (
    "Thực hiện Kế hoạch số {number}{issued} của Ủy ban nhân dân {commune} về {title}, "
    "Ủy ban nhân dân {kind} báo cáo kết quả thực hiện {period} như sau:"
)
YEAR_CLOSING_WHAT = "kết quả thực hiện Kế hoạch số {number}"
SECTION_OVERALL = "I. KẾT QUẢ THỰC HIỆN CHUNG"
SECTION_BY_AREA = "II. KẾT QUẢ THỰC HIỆN THEO TỪNG LĨNH VỰC, NHIỆM VỤ"
SECTION_DIFFICULTIES = "III. KHÓ KHĂN, VƯỚNG MẮC"
SECTION_NEXT = "IV. NHIỆM VỤ, GIẢI PHÁP THỜI GIAN TỚI"
OVERALL = (
    "Kế hoạch gồm {total} nhiệm vụ thuộc {areas} lĩnh vực. Tính đến ngày {date}, theo báo cáo "
    "của các cơ quan, đơn vị và các ấp: đã hoàn thành {done} nhiệm vụ; đang thực hiện "
    "{in_progress} nhiệm vụ; gặp khó khăn, vướng mắc {blocked} nhiệm vụ; chưa thực hiện "
    "{not_started} nhiệm vụ; chưa có báo cáo {not_reported} nhiệm vụ. "
    "Tỉ lệ hoàn thành chung đạt {percent}%."
)
OVERALL_EMPTY = (
    "Kế hoạch gồm {total} nhiệm vụ thuộc {areas} lĩnh vực. Tính đến ngày {date}, chưa có "
    "báo cáo nào của các cơ quan, đơn vị và các ấp về kết quả thực hiện Kế hoạch; "
    "cả {total} nhiệm vụ đều chưa có báo cáo."
)
PARTICIPATION = (
    "Trong {period}, có {hamlets}/{hamlets_total} ấp và {units}/{units_total} "
    "cơ quan, đơn vị chủ trì đã gửi báo cáo qua hệ thống."
)
OVERALL_TABLE_INTRO = "Kết quả cụ thể theo từng lĩnh vực:"
TABLE_HEADERS = (
    ("TT", 10),
    ("Lĩnh vực", 51),
    ("Số NV", 13),
    ("Hoàn thành", 15),
    ("Đang thực hiện", 16),
    ("Gặp khó khăn", 15),
    ("Chưa thực hiện", 15),
    ("Chưa báo cáo", 15),
    ("Tỉ lệ (%)", 15),
)
TABLE_TOTAL = "Tổng cộng"
AREA_HEADING = "{number}. {name}"
BY_AREA_EMPTY = (
    "Chưa có cơ quan, đơn vị, ấp nào báo cáo kết quả thực hiện {total} nhiệm vụ của Kế hoạch."
)
TASK_LINE = "{code}. "
TASK_LEAD = " (chủ trì: {lead})."
TASK_TARGET = " Chỉ tiêu: {target}."
TASK_STATE = " Kết quả: {status}, đạt {percent}%."
TASK_NOT_REPORTED = " Kết quả: chưa có báo cáo."
# The task's percent is its lead units': while none of them has reported, the line says so
# rather than "đạt 0%" above a coordinating unit's or a hamlet's 50%.
TASK_STATE_NO_LEAD = " Kết quả: {status}; cơ quan chủ trì chưa báo cáo."
UNIT_LINE = "- {unit}: {status}, {percent}% (báo cáo ngày {date})."
UNIT_NOTE = " {note}"
UNIT_RETURNED = " (Báo cáo này đã được trả lại để bổ sung.)"
DIFFICULTY_LINE = "- Nhiệm vụ {code} ({unit}): {note}"
DIFFICULTY_NO_NOTE = "chưa ghi rõ vướng mắc."
NO_DIFFICULTIES = "Trong kỳ, các cơ quan, đơn vị và các ấp chưa báo cáo khó khăn, vướng mắc."
UNREPORTED_TASKS = (
    "- Còn {count}/{total} nhiệm vụ chưa có cơ quan, đơn vị, ấp nào báo cáo kết quả."
)
YEAR_NEXT_STEPS = (
    "Tiếp tục triển khai đồng bộ các nhiệm vụ, giải pháp của Kế hoạch; các cơ quan, đơn vị "
    "và các ấp tập trung hoàn thành các nhiệm vụ đang thực hiện, chủ động tháo gỡ khó khăn, "
    "vướng mắc; thường xuyên cập nhật, báo cáo tiến độ để Ủy ban nhân dân {kind} theo dõi, "
    "chỉ đạo kịp thời, góp phần nâng cao Chỉ số PAPI của {province}."
)

# --- The quarterly anti-corruption report -------------------------------------------------
AC_SUBJECT = "Kết quả công tác phòng, chống tham nhũng {quarter}"
AC_INTRO = (
    "Ủy ban nhân dân {commune} báo cáo kết quả công tác phòng, chống tham nhũng {quarter} "
    "(các nhiệm vụ thuộc lĩnh vực “{area}” của Kế hoạch số {number}{issued}) như sau:"
)
AC_CLOSING_WHAT = "kết quả công tác phòng, chống tham nhũng {quarter}"
AC_OVERALL = (
    "Lĩnh vực “{area}” gồm {total} nhiệm vụ. Trong {quarter}, có {reported}/{total} nhiệm vụ "
    "được các cơ quan, đơn vị và các ấp báo cáo ({count} lượt báo cáo). Tính đến ngày "
    "{date}: đã hoàn thành {done} nhiệm vụ; đang thực hiện {in_progress} nhiệm vụ; gặp khó "
    "khăn, vướng mắc {blocked} nhiệm vụ; chưa thực hiện {not_started} nhiệm vụ; chưa có báo "
    "cáo {not_reported} nhiệm vụ. Tỉ lệ hoàn thành của lĩnh vực đạt {percent}%."
)
AC_OVERALL_EMPTY = (
    "Lĩnh vực “{area}” gồm {total} nhiệm vụ. Trong {quarter}, chưa có báo cáo nào của các cơ "
    "quan, đơn vị và các ấp về các nhiệm vụ này."
)
AC_SECTION_TASKS = "II. KẾT QUẢ THỰC HIỆN TỪNG NHIỆM VỤ"
AC_TASK_NONE = "Chưa có báo cáo trong quý."
AC_NO_AREA = "Kế hoạch không có lĩnh vực kiểm soát tham nhũng trong khu vực công."
AC_NEXT_STEPS = (
    "Tiếp tục quán triệt, thực hiện nghiêm các quy định về phòng, chống tham nhũng; công khai, "
    "minh bạch trong hoạt động của cơ quan, đơn vị; tăng cường kiểm tra, giám sát, kịp thời "
    "phát hiện, xử lý các hành vi tiêu cực, tham nhũng; các cơ quan, đơn vị và các ấp báo cáo "
    "kết quả đầy đủ, đúng hạn trong quý tiếp theo."
)

FONT = "Times New Roman"
BODY_SIZE = 14
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP = MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT, MARGIN_RIGHT = Mm(30), Mm(15)
TEXT_WIDTH_MM = 210 - 30 - 15
FIRST_LINE_INDENT = Cm(1.27)
LINE_SPACING = 1.15

# Where w:pBdr and w:tblBorders go among their siblings (Word rejects them out of order).
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_AFTER_TBLBORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip


def export_year_report(
    data: ExportData,
    *,
    number: str = "…",
    place: str | None = None,
    signer: str | None = None,
) -> bytes:
    """The year-end report on the plan: overall results, results by area and task, the
    difficulties, the next steps.

    Args:
        data: what :func:`models.export_data.gather_export` read; its period is the report's.
        number: the report's number in the register ("Số: 12/BC-UBND"); "…" leaves it to be
            written in by hand.
        place: the place in the date line; the profile's place name by default.
        signer: the name under the signature; by default the profile's signer, else the
            commune's chairman on the bot (blank, to be written by hand, when there is none).

    Returns:
        The .docx file's bytes.
    """
    doc = _Form(data, number=number, place=place)
    profile = doc.profile
    plan_number, issued = _plan_number(data, profile), _issued(data, profile)
    title = _plan_title(data)
    doc.title(YEAR_SUBJECT.format(number=plan_number, issued=issued, title=title))
    doc.body(
        YEAR_INTRO.format(
            number=plan_number,
            issued=issued,
            commune=profile.display_name,
            kind=profile.kind,
            title=title,
            period=_lower_first(data.period_label),
        )
    )

    doc.heading(SECTION_OVERALL)
    summary = data.summary
    when = format_date(data.generated.date())
    if data.has_reports:
        doc.body(
            OVERALL.format(
                total=summary.total,
                areas=len(data.areas),
                date=when,
                **_counts(data.areas),
                percent=summary.percent,
            )
        )
        doc.body(_participation_line(data))
        doc.body(OVERALL_TABLE_INTRO)
        doc.area_table(data.areas, summary.percent)
    else:
        doc.body(OVERALL_EMPTY.format(total=summary.total, areas=len(data.areas), date=when))

    doc.heading(SECTION_BY_AREA)
    if not data.has_reports:
        doc.body(BY_AREA_EMPTY.format(total=summary.total))
    else:
        for area in data.areas:
            doc.heading(AREA_HEADING.format(number=area.number, name=area.name))
            for task in data.tasks:
                if task.area_number == area.number:
                    doc.task(task, data.latest_for(task))

    doc.heading(SECTION_DIFFICULTIES)
    blocked = [r for r in data.latest if r.status == Status.BLOCKED]
    _difficulties(doc, blocked)
    if summary.total and any(a.not_reported for a in data.areas):
        unreported = sum(a.not_reported for a in data.areas)
        doc.body(UNREPORTED_TASKS.format(count=unreported, total=summary.total))

    doc.heading(SECTION_NEXT)
    doc.body(YEAR_NEXT_STEPS.format(kind=profile.kind, province=profile.province))
    doc.body(
        CLOSING.format(
            what=YEAR_CLOSING_WHAT.format(number=plan_number), commune=profile.display_name
        )
    )
    doc.signature(profile.year_report_recipients, signer)
    return doc.save()


def export_anticorruption_report(
    data: ExportData,
    quarter: str,
    *,
    number: str = "…",
    place: str | None = None,
    signer: str | None = None,
) -> bytes:
    """The quarterly anti-corruption report to the inspectorate, from the reports on
    the plan's "Kiểm soát tham nhũng trong khu vực công" tasks in ``quarter``.

    Args:
        data: what :func:`models.export_data.gather_export` read, for the whole year or for
            ``quarter``.
        quarter: the quarter, written like ``"2026Q4"``.
        number: the report's number in the register; "…" leaves it to be written by hand.
        place: the place in the date line; the profile's place name by default.
        signer: the name under the signature; by default the profile's signer, else the
            commune's chairman on the bot (blank, to be written by hand, when there is none).

    Returns:
        The .docx file's bytes.

    Raises:
        DomainError: ``bad_period`` when ``quarter`` is not a quarter, or when ``data`` was
            gathered for another quarter (its history would not hold this one).
    """
    checked = check_period(quarter)
    if checked is None or data.period not in (None, checked):
        raise DomainError("bad_period", quarter)
    label = quarter_label(checked)
    doc = _Form(data, number=number, place=place)
    doc.title(AC_SUBJECT.format(quarter=label))
    area = next((a for a in data.areas if is_anti_corruption_area(a)), None)
    if area is None:
        doc.body(AC_NO_AREA)
        doc.signature(doc.profile.anti_corruption_recipients, signer)
        return doc.save()
    tasks = [task for task in data.tasks if task.area_number == area.number]
    task_ids = {task.id for task in tasks}
    in_quarter = [r for r in data.history if r.quarter == checked and r.task_id in task_ids]
    doc.body(
        AC_INTRO.format(
            commune=doc.profile.display_name,
            quarter=label,
            area=area.name,
            number=_plan_number(data, doc.profile),
            issued=_issued(data, doc.profile),
        )
    )

    doc.heading(SECTION_OVERALL)
    if in_quarter:
        doc.body(
            AC_OVERALL.format(
                area=area.name,
                total=area.total,
                quarter=label,
                reported=len({r.task_id for r in in_quarter}),
                count=len(in_quarter),
                date=format_date(data.generated.date()),
                **_counts([area]),
                percent=area.percent,
            )
        )
    else:
        doc.body(AC_OVERALL_EMPTY.format(area=area.name, total=area.total, quarter=label))

    doc.heading(AC_SECTION_TASKS)
    latest_in_quarter = _latest(in_quarter)
    for task in tasks:
        reports = [r for r in latest_in_quarter if r.task_id == task.id]
        doc.task(task, reports, missing=AC_TASK_NONE)

    doc.heading(SECTION_DIFFICULTIES)
    _difficulties(doc, [r for r in latest_in_quarter if r.status == Status.BLOCKED])

    doc.heading(SECTION_NEXT)
    doc.body(AC_NEXT_STEPS)
    closing_what = AC_CLOSING_WHAT.format(quarter=label)
    doc.body(CLOSING.format(what=closing_what, commune=doc.profile.display_name))
    doc.signature(doc.profile.anti_corruption_recipients, signer)
    return doc.save()


@dataclass
class _Form:
    """A document in the Nghị định 30 form, written top to bottom."""

    data: ExportData
    number: str
    place: str | None

    def __post_init__(self) -> None:
        self.profile: Profile = self.data.profile or default_profile(self.data.commune_name)
        # Every paragraph goes through _paragraph or line: the places to let the loop in.
        self.breathe = Breather()
        self.doc: DocumentObject = Document()
        self._page_setup()
        self._heading_block()

    def save(self) -> bytes:
        buffer = BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    # --- Page and defaults -----------------------------------------------------------------
    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        section.header_distance = section.footer_distance = Mm(10)
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_SIZE)
        _east_asian(normal.element.get_or_add_rPr())
        # The page number, centred at the top, from the second page on.
        section.different_first_page_header_footer = True
        number = section.header.paragraphs[0]
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(number)

    def _heading_block(self) -> None:
        data = self.data
        table = self._layout_table(2, (62, TEXT_WIDTH_MM - 62))
        left, right = table.cell(0, 0), table.cell(0, 1)
        self.line(left, AGENCY_PARENT, size=13, bold=True, first=True)
        self.line(left, self.profile.display_name.upper(), size=13, bold=True)
        _rule(self.line(left, "", size=4), width_mm=22, cell_mm=62)
        self.line(right, NATION, size=12, bold=True, first=True)
        self.line(right, MOTTO, size=13, bold=True)
        _rule(self.line(right, "", size=4), width_mm=60, cell_mm=TEXT_WIDTH_MM - 62)
        self.line(table.cell(1, 0), NUMBER.format(number=self.number), size=13, first=True)
        self.line(
            table.cell(1, 1),
            _place_date(self.place or self.profile.place_name, data.generated.date()),
            size=14,
            italic=True,
            first=True,
        )

    # --- Building blocks -------------------------------------------------------------------
    def line(
        self,
        cell: _Cell,
        text: str,
        *,
        size: float,
        bold: bool = False,
        italic: bool = False,
        first: bool = False,
        align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    ) -> Paragraph:
        """A single-spaced line in a layout table's cell."""
        self.breathe()
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        _format(paragraph, align=align, after=0, spacing=1.0)
        if text:
            _run(paragraph, text, size=size, bold=bold, italic=italic)
        else:
            paragraph.paragraph_format.line_spacing = Pt(size)
        return paragraph

    def title(self, subject: str) -> None:
        """The kind of document in capitals, the subject under it, and a short rule."""
        heading = self.doc.add_paragraph()
        _format(heading, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0, spacing=1.0)
        _run(heading, REPORT, size=14, bold=True)
        paragraph = self.doc.add_paragraph()
        _format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, after=0, spacing=1.0)
        _run(paragraph, subject, size=14, bold=True)
        rule = self.doc.add_paragraph()
        _format(rule, align=WD_ALIGN_PARAGRAPH.CENTER, after=12, spacing=Pt(4))
        _rule(rule, width_mm=50, cell_mm=TEXT_WIDTH_MM)

    def heading(self, text: str) -> None:
        """A section heading: bold, set in like the body."""
        paragraph = self._paragraph()
        paragraph.paragraph_format.keep_with_next = True
        _run(paragraph, text, size=BODY_SIZE, bold=True)

    def body(self, text: str) -> Paragraph:
        """A body paragraph: justified, first line indented."""
        paragraph = self._paragraph()
        _run(paragraph, text, size=BODY_SIZE)
        return paragraph

    def task(
        self, task: ExportTask, reports: Sequence[ExportReport], missing: str | None = None
    ) -> None:
        """One task: its code and short text, its lead unit, its state, then each unit's
        latest report with its note.
        """
        paragraph = self._paragraph()
        _run(paragraph, TASK_LINE.format(code=task.code), size=BODY_SIZE, bold=True)
        # The whole text: a report quotes the plan's task, never half a sentence.
        _run(paragraph, " ".join(task.text.split()).rstrip(".;,"), size=BODY_SIZE)
        lead = ", ".join(task.lead_units) or task.lead_text
        _run(paragraph, TASK_LEAD.format(lead=lead), size=BODY_SIZE)
        if task.target:
            target = " ".join(task.target.split()).rstrip(".;,")
            _run(paragraph, TASK_TARGET.format(target=target), size=BODY_SIZE)
        if missing is None:
            _run(paragraph, _task_state(task, reports), size=BODY_SIZE, italic=True)
        elif not reports:
            _run(paragraph, " " + missing, size=BODY_SIZE, italic=True)
        for report in reports:
            line = UNIT_LINE.format(
                unit=report.unit_name,
                status=report.status_label.lower(),
                percent=report.percent,
                date=format_date(report.time.date()),
            )
            if report.note:
                line += UNIT_NOTE.format(note=_sentence(report.note))
            if report.review_status == "returned":
                # Returned for completion: the office has not accepted it as a result.
                line += UNIT_RETURNED
            self.body(line)

    def area_table(self, areas: Sequence[ExportArea], percent: int) -> None:
        """The counts by area, with a total row."""
        widths = [width for _, width in TABLE_HEADERS]
        table = self.doc.add_table(rows=1, cols=len(TABLE_HEADERS))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _fixed(table, widths)
        for cell, (title, _) in zip(table.rows[0].cells, TABLE_HEADERS, strict=True):
            self.line(cell, title, size=11, bold=True, first=True)
        _row_property(table.rows[0], "w:tblHeader")
        for area in areas:
            values = (area.number, area.name, *_counts_tuple(area), area.percent)
            self._table_row(table, values, widths)
        totals = [sum(getattr(a, name) for a in areas) for name in _COUNT_FIELDS]
        self._table_row(table, ("", TABLE_TOTAL, *totals, percent), widths, bold=True)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def signature(self, recipients: Sequence[str], signer: str | None) -> None:
        """Who receives it (left) and the signature (right), kept on one page with the
        closing paragraph. The signer is ``signer`` if given, else the profile's, else the
        chairman on the bot (blank when there is none).
        """
        name = signer if signer is not None else (self.profile.signer_name or self.data.signer)
        title = self.profile.signer_title.upper()
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        spacer = self.doc.add_paragraph().paragraph_format
        spacer.space_after = Pt(0)
        spacer.keep_with_next = True
        table = self._layout_table(1, (80, TEXT_WIDTH_MM - 80))
        _row_property(table.rows[0], "w:cantSplit")
        left, right = table.cell(0, 0), table.cell(0, 1)
        left_align = WD_ALIGN_PARAGRAPH.LEFT
        self.line(left, RECIPIENTS, size=12, bold=True, italic=True, first=True, align=left_align)
        for line in recipient_lines(recipients):
            self.line(left, line, size=11, align=left_align)
        self.line(right, ON_BEHALF, size=13, bold=True, first=True)
        if fold(title).startswith("pho "):
            self.line(right, FOR_CHAIRMAN, size=13, bold=True)
        self.line(right, title, size=13, bold=True)
        for _ in range(6):  # room for the signature and the seal
            self.line(right, "", size=14)
        self.line(right, name, size=14, bold=True)

    # --- Internals -------------------------------------------------------------------------
    def _paragraph(self) -> Paragraph:
        self.breathe()
        paragraph = self.doc.add_paragraph()
        _format(
            paragraph,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            after=6,
            spacing=LINE_SPACING,
            indent=FIRST_LINE_INDENT,
        )
        return paragraph

    def _layout_table(self, rows: int, widths_mm: tuple[int, int]) -> Table:
        table = self.doc.add_table(rows=rows, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _no_borders(table)
        _fixed(table, widths_mm)
        return table

    def _table_row(
        self, table: Table, values: Sequence[Any], widths: Sequence[int], *, bold: bool = False
    ) -> None:
        cells = table.add_row().cells
        for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.width = Mm(widths[column])
            align = WD_ALIGN_PARAGRAPH.LEFT if column == 1 else WD_ALIGN_PARAGRAPH.CENTER
            self.line(cell, str(value), size=12, bold=bold, first=True, align=align)


_COUNT_FIELDS = ("total", "done", "in_progress", "blocked", "not_started", "not_reported")


def _task_state(task: ExportTask, reports: Sequence[ExportReport]) -> str:
    """The task's overall result, worded so it agrees with its units' lines below it."""
    if task.status is None:
        return TASK_NOT_REPORTED
    status = STATUS_LABELS[task.status]
    leads = set(task.lead_units)
    if leads and not any(r.unit_name in leads for r in reports):
        return TASK_STATE_NO_LEAD.format(status=status)
    return TASK_STATE.format(status=status, percent=task.percent)


def _counts(areas: Sequence[ExportArea]) -> dict[str, int]:
    return {name: sum(getattr(a, name) for a in areas) for name in _COUNT_FIELDS[1:]}


def _counts_tuple(area: ExportArea) -> tuple[int, ...]:
    return tuple(getattr(area, name) for name in _COUNT_FIELDS)


def _latest(reports: Sequence[ExportReport]) -> list[ExportReport]:
    """The latest of ``reports`` for each task and unit, in their first-seen order."""
    latest: dict[tuple[int, str], ExportReport] = {}
    for report in reports:
        key = (report.task_id, report.unit_name)
        if key not in latest or latest[key].version < report.version:
            latest[key] = report
    return list(latest.values())


def _sentence(note: str) -> str:
    """A person's note as a sentence of the report: one line, ending in a full stop."""
    note = " ".join(note.split()).rstrip(" ;,")
    return note if note.endswith((".", "!", "?", "…")) else note + "."


def _difficulties(doc: _Form, blocked: Sequence[ExportReport]) -> None:
    if not blocked:
        doc.body(NO_DIFFICULTIES)
    for report in blocked:
        note = _sentence(report.note) if report.note else DIFFICULTY_NO_NOTE
        doc.body(DIFFICULTY_LINE.format(code=report.task_code, unit=report.unit_name, note=note))


def _participation_line(data: ExportData) -> str:
    hamlets = [p for p in data.participation if p.kind == "hamlet"]
    leads = [p for p in data.participation if p.kind == "unit" and p.tasks_led]
    return PARTICIPATION.format(
        period=_lower_first(data.period_label),
        hamlets=sum(1 for p in hamlets if p.tasks_reported),
        hamlets_total=len(hamlets),
        units=sum(1 for p in leads if p.tasks_reported),
        units_total=len(leads),
    )


def _plan_title(data: ExportData) -> str:
    """The plan's title as a subject ("thực hiện các giải pháp … năm 2026"): lower-cased
    first letter, and the plan's own year where a copied plan still names its source's.
    """
    title = data.plan_title.strip().rstrip(".")
    title = _lower_first(title)
    if data.source_year and title.endswith(f"năm {data.source_year}"):
        title = title[: -len(str(data.source_year))] + str(data.year)
    return title


def _lower_first(text: str) -> str:
    """A label inside a sentence: "Quý IV/2026" becomes "quý IV/2026", numerals kept."""
    return text[:1].lower() + text[1:]


def _place_date(place: str, day: date) -> str:
    # Nghị định 30: days below 10 and the months 1 and 2 take a leading zero.
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return PLACE_DATE.format(place=place, day=f"{day.day:02d}", month=month, year=day.year)


def _plan_number(data: ExportData, profile: Profile) -> str:
    """The plan's number as the documents cite it: the profile's, else the plan's own."""
    return profile.plan_number or data.plan_number


def _issued(data: ExportData, profile: Profile) -> str:
    """The plan's date as the opening cites it (" ngày 30/6/2023"): the profile's, else the
    plan file's (a plan carried over from another year keeps its file's date, the commune's
    to correct with `hamlet-bot commune set plan_date`).
    """
    issued = profile.plan_date or data.issued
    return YEAR_ISSUED.format(date=_short_date(issued)) if issued else YEAR_ISSUED_BLANK


def _short_date(day: date) -> str:
    """30/6/2023, as a plan's date is cited."""
    return f"{day.day}/{day.month}/{day.year}"


def _format(
    paragraph: Paragraph,
    *,
    align: WD_ALIGN_PARAGRAPH,
    before: float = 0,
    after: float = 6,
    spacing: float | Length = LINE_SPACING,
    indent: Length | None = None,
) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if isinstance(spacing, Length):
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = spacing
    else:
        fmt.line_spacing = spacing
    if indent is not None:
        fmt.first_line_indent = indent


def _run(
    paragraph: Paragraph, text: str, *, size: float, bold: bool = False, italic: bool = False
) -> None:
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    _east_asian(run._element.get_or_add_rPr())


def _east_asian(rpr: Any) -> None:
    """Name the font for every script: Word picks w:eastAsia for some Vietnamese letters."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _rule(paragraph: Paragraph, *, width_mm: float, cell_mm: float) -> None:
    """A horizontal line ``width_mm`` long, centred: the top border of an empty paragraph
    indented from both sides, a little below the line above so it clears its descenders.
    """
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)
    # A cell's text area is narrower than the cell by its margins (0.19 cm a side).
    side = max((cell_mm - 3.8 - width_mm) / 2, 0)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    paragraph.paragraph_format.space_before = Pt(5)


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBLBORDERS)


def _fixed(table: Table, widths_mm: Sequence[int]) -> None:
    """Column widths that Word and LibreOffice both keep."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _row_property(row: Any, tag: str) -> None:
    """Switch on a row property: w:cantSplit (keep the row on one page) or w:tblHeader
    (repeat the row at the top of every page).
    """
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _page_field(paragraph: Paragraph) -> None:
    run = paragraph.add_run()
    run.font.name = FONT
    run.font.size = Pt(13)
    _east_asian(run._element.get_or_add_rPr())
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
