"""The office's plan file as a file: its size and zip package checked before any parser
sees it, the limits on what is read, and the error every reading problem raises.

A file over a limit is refused, never cut short. The limits keep what a parser can be made
to hold in memory bounded (peak under 200 MB for any accepted file of 10 MB or less).
"""

import io
import re
import zipfile

MAX_FILE_BYTES = 10 * 1024 * 1024
# What the whole zip may unpack to, every member counted as its header declares it (media
# too: python-docx holds every part in memory). A small file that inflates to gigabytes (a
# zip bomb) stops here, before a parser sees it; zipfile never inflates a member past its
# declared size, so the declared sizes bound what the parsers can get. The seed's appendix
# is well under 1 MB.
# 40 MB: python-docx reads a part whole (briefly twice over), so one part this size peaks
# near 150 MB; at 60 MB it came to 180 MB, too near the 200 MB the bot allows a file.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
# Elements in all XML parts together (counted by a streaming scan before any parser runs):
# memory follows the number of elements more than the bytes (about 130 bytes an element in
# python-docx's tree). A Word plan of 500 tasks should stay well under 150 000.
MAX_XML_ELEMENTS = 500_000
# Elements in an Excel stylesheet: openpyxl makes an object of each font, fill, border
# (about 1 kB apiece). Real workbooks have a few hundred to a few thousand.
MAX_STYLE_ELEMENTS = 120_000
# Parts in the zip: a document has tens (a few hundred with many pictures).
MAX_ZIP_MEMBERS = 2000
# Compression methods Office writes; another (bzip2, lzma) is not an Office file.
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# Rows with content in a Word file's tables (all together) or in an Excel sheet. A plan has
# tens to a few hundred; a larger file is refused, never cut short. Empty rows (a sheet
# "used" to row 1 048 576 by stray formatting) do not count.
MAX_TABLE_ROWS = 2000
# Tasks in a plan.
MAX_PLAN_TASKS = 500
_MB = 1024 * 1024
_SCAN_CHUNK = 1024 * 1024
# A row of a Word table, as Word writes it (the defensive count in _read_docx backs it up).
_WORD_ROW = re.compile(rb"<w:tr[\s>/]")
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Office writes password-protected .docx/.xlsx (and the old .doc/.xls) as OLE compound files.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


class PlanImportError(ValueError):
    """A plan file that cannot be imported; nothing was changed.

    The message is Vietnamese and names the place in the file (table or sheet, row, column).

    Attributes:
        reason: machine-readable: ``too_large``, ``too_many_rows``, ``too_many_tasks``,
            ``empty_file``, ``unsupported_format``, ``encrypted``, ``corrupt``,
            ``unreadable``, ``no_table``, ``prose_plan`` (a Word plan written as numbered
            paragraphs, with no task table), ``missing_columns``, ``task_before_area``,
            ``empty_task``, ``missing_lead``, ``unknown_unit``, ``no_areas`` (no heading
            names a PAPI area), ``no_tasks``.
        row: the row (1-based: the sheet's row number in Excel, the row within its table in
            Word), when the problem is in a row.
        column: the column's header as the plan writes it (``"Cơ quan chủ trì"``), if any.
        table: the Word table (1-based, in document order), for a .docx.
        sheet: the Excel sheet's name, for a .xlsx.
        suggestion: for ``unknown_unit``, the nearest known unit, if any is close.
        missing: for ``missing_columns``, the headers not found.
        problems: every row-level problem found (this one first), when several were.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        table: int | None = None,
        sheet: str | None = None,
        suggestion: str | None = None,
        missing: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.row = row
        self.column = column
        self.table = table
        self.sheet = sheet
        self.suggestion = suggestion
        self.missing = missing
        self.problems: tuple[PlanImportError, ...] = (self,)


def check_file_size(size: int, file_name: str = "") -> None:
    """Refuse a file over :data:`MAX_FILE_BYTES` before anything reads it (the chat side
    checks the size Telegram announces, before downloading).

    Raises:
        PlanImportError: ``too_large``.
    """
    if size > MAX_FILE_BYTES:
        raise PlanImportError(
            "too_large",
            f"Tệp «{file_name}» quá lớn ({size / 1024 / 1024:.1f} MB); "
            f"chỉ nhận tệp đến {MAX_FILE_BYTES // 1024 // 1024} MB.",
        )


def vn_count(number: int) -> str:
    """A count as Vietnamese writes it: 2.000."""
    return f"{number:,}".replace(",", ".")


def too_many_rows(file_name: str, where: str = "") -> PlanImportError:
    """The error for a table over :data:`MAX_TABLE_ROWS` rows (``where``: which table)."""
    return PlanImportError(
        "too_many_rows",
        f"Tệp «{file_name}» có hơn {vn_count(MAX_TABLE_ROWS)} dòng{where}: chỉ nhận bảng đến "
        f"{vn_count(MAX_TABLE_ROWS)} dòng. Hãy xóa các dòng thừa rồi gửi lại.",
    )


def too_many_tasks(file_name: str) -> PlanImportError:
    """The error for a plan over :data:`MAX_PLAN_TASKS` tasks."""
    return PlanImportError(
        "too_many_tasks",
        f"Tệp «{file_name}» có hơn {vn_count(MAX_PLAN_TASKS)} nhiệm vụ: mỗi kế hoạch chỉ nhận "
        f"đến {vn_count(MAX_PLAN_TASKS)} nhiệm vụ.",
    )


def check_package(content: bytes, file_name: str, extension: str) -> None:
    """Check the zip container before a parser sees it: its kind, encryption, unpacked size.

    Raises:
        PlanImportError: ``encrypted``, ``unsupported_format``, ``corrupt``, ``too_large``
            or ``too_many_rows``.
    """
    kind = "Word (.docx)" if extension == ".docx" else "Excel (.xlsx)"
    if content.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in content:
            raise PlanImportError(
                "encrypted",
                f"Tệp «{file_name}» có đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.",
            )
        raise PlanImportError(
            "unsupported_format",
            f"Tệp «{file_name}» là tệp Word/Excel đời cũ (.doc/.xls) dù mang đuôi {extension}: "
            "hãy mở tệp và lưu lại thành .docx hoặc .xlsx.",
        )
    corrupt = PlanImportError("corrupt", f"Tệp «{file_name}» bị hỏng hoặc không phải tệp {kind}.")
    if not content.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        raise corrupt
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise corrupt from exc
    if any(member.flag_bits & 0x1 for member in members):
        raise PlanImportError(
            "encrypted", f"Tệp «{file_name}» có đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại."
        )
    names = {member.filename for member in members}
    expected = "word/document.xml" if extension == ".docx" else "xl/workbook.xml"
    if expected not in names:
        other = "xl/workbook.xml" if extension == ".docx" else "word/document.xml"
        if other in names:
            actual = "Excel (.xlsx)" if extension == ".docx" else "Word (.docx)"
            raise PlanImportError(
                "corrupt",
                f"Tệp «{file_name}» mang đuôi {extension} nhưng thật ra là tệp {actual}: "
                "hãy đặt lại đúng đuôi tệp.",
            )
        raise corrupt
    too_large = PlanImportError(
        "too_large",
        f"Tệp «{file_name}» quá lớn khi giải nén (chỉ nhận đến {MAX_UNPACKED_BYTES // _MB} MB "
        "khi giải nén): hãy bỏ bớt hình ảnh, hoặc gửi tệp chỉ có bảng nhiệm vụ.",
    )
    if len(members) > MAX_ZIP_MEMBERS:
        raise too_large
    if any(member.compress_type not in _ZIP_METHODS for member in members):
        raise corrupt
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise too_large
    xml_parts = [m for m in members if m.filename.lower().endswith((".xml", ".rels"))]
    _scan_xml(content, xml_parts, file_name, extension, corrupt)


def _scan_xml(
    content: bytes,
    parts: list[zipfile.ZipInfo],
    file_name: str,
    extension: str,
    corrupt: PlanImportError,
) -> None:
    """Inflate the XML parts a chunk at a time (their total is bounded above) and refuse a
    file with more elements, or a Word file with more table rows, than is read: before any
    parser holds them in memory. This also checks every part's CRC.
    """
    too_complex = PlanImportError(
        "too_large",
        f"Tệp «{file_name}» quá phức tạp (hơn {vn_count(MAX_XML_ELEMENTS)} thành phần): "
        "hãy gửi tệp chỉ có bảng nhiệm vụ.",
    )
    elements = 0
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            for part in parts:
                is_document = extension == ".docx" and part.filename == "word/document.xml"
                in_part, rows, tail = 0, 0, b""
                with package.open(part) as stream:
                    while chunk := stream.read(_SCAN_CHUNK):
                        found = (
                            chunk.count(b"<")
                            - chunk.count(b"</")
                            - chunk.count(b"<?")
                            - chunk.count(b"<!")
                        )
                        in_part += found
                        if not part.filename.startswith("xl/worksheets/"):
                            elements += found  # a sheet is streamed: its size is not held
                        if elements > MAX_XML_ELEMENTS:
                            raise too_complex
                        if part.filename == "xl/styles.xml" and in_part > MAX_STYLE_ELEMENTS:
                            raise too_complex
                        if is_document:
                            # The tail is shorter than a match: none is counted twice.
                            rows += len(_WORD_ROW.findall(tail + chunk))
                            tail = chunk[-5:]
                            if rows > MAX_TABLE_ROWS:
                                raise too_many_rows(file_name, " trong các bảng")
    except PlanImportError:
        raise
    except Exception as exc:  # a damaged stream: zlib.error, BadZipFile (CRC), EOFError
        raise corrupt from exc
