"""Reading an office's plan file into grids of cell texts: each Word table, or an Excel
sheet, as rows of text, merged cells read as Word and Excel show them. What the columns are
is :mod:`models.plan_headers`'; what the rows mean, :mod:`models.plan_import`'s.

The file has passed :func:`models.plan_file.check_package` (size, zip, XML counts) first.
"""

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.plan_file import _SCAN_CHUNK, MAX_TABLE_ROWS, PlanImportError, too_many_rows
from models.textfold import fold

MAX_SHEET_COLUMNS = 50
# Merged ranges in an Excel sheet (an area row or a lead unit spanning rows make one each).
MAX_SHEET_MERGES = 2 * MAX_TABLE_ROWS
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref=\"([A-Za-z]{1,3}\d{1,7}):([A-Za-z]{1,3}\d{1,7})\""
)
# The paragraphs of a Word file read for its number and title (they head the document), and
# to tell a plan written as prose.
_HEADING_PARAGRAPHS = 500
# A paragraph numbered by hand: "1.", "1.1.", "II.", "a)".
_NUMBERED = re.compile(
    r"(?:\d{1,2}(?:\.\d{1,2})*\.|\d{1,2}(?:\.\d{1,2})+|[IVX]{1,5}\.|[a-zđ]\))\s+\S"
)


@dataclass(frozen=True)
class Row:
    """One row: its number (in the sheet, or in its Word table) and its cells' texts."""

    number: int
    # Cell texts by layout column; a cell that continues a merge from its left is "".
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """One Word table or one Excel sheet, as rows of text."""

    rows: tuple[Row, ...]
    table: int | None = None
    sheet: str | None = None
    # The header's own title of each column, once the header is found (for messages).
    titles: tuple[tuple[str, str], ...] = ()

    @property
    def width(self) -> int:
        """The number of columns of its widest row."""
        return max((len(row.texts) for row in self.rows), default=0)

    def title(self, column: str, default: str) -> str:
        """The file's own title of ``column``, else ``default``."""
        return dict(self.titles).get(column, default)


@dataclass(frozen=True)
class WordFile:
    """A Word file's tables, and its first paragraphs: where its number and title are."""

    grids: list[Grid]
    lines: list[str]
    # Of those paragraphs, how many are numbered (by Word, or "1." / "a)" typed): a plan
    # written as prose has many, and no task table.
    numbered: int


def read_docx_grids(content: bytes, file_name: str) -> WordFile:
    """The document's top-level tables as grids, and its first paragraphs.

    Raises:
        PlanImportError: ``too_many_rows`` or ``corrupt``.
    """
    import docx  # imported here: only an import needs it, and it is slow to load

    try:
        document = docx.Document(io.BytesIO(content))
        grids: list[Grid] = []
        total = 0
        for index, table in enumerate(document.tables, start=1):
            rows = []
            for number, row in enumerate(table.rows, start=1):
                total += 1
                if total > MAX_TABLE_ROWS:
                    raise too_many_rows(file_name, " trong các bảng")
                texts = [""] * row.grid_cols_before
                previous = None
                for cell in row.cells:
                    # python-docx repeats a horizontally merged cell once per column it spans:
                    # its text belongs to the first of them.
                    texts.append("" if cell is previous else clean(cell.text))
                    previous = cell
                rows.append(Row(number, tuple(texts)))
            grids.append(Grid(tuple(rows), table=index))
        lines, numbered = _heading_lines(document)
    except PlanImportError:
        raise
    except Exception as exc:  # a damaged part can fail anywhere in python-docx or lxml
        raise PlanImportError(
            "corrupt", f"Tệp «{file_name}» bị hỏng hoặc không phải tệp Word (.docx)."
        ) from exc
    return WordFile(grids, lines, numbered)


def _heading_lines(document: Any) -> tuple[list[str], int]:
    """The text of the document's first paragraphs (not every paragraph: a proxy object
    each would cost more memory than the document), and how many of them are numbered.
    """
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    numbered = 0
    for seen, element in enumerate(document.element.body.iterchildren(qn("w:p"))):
        if seen >= _HEADING_PARAGRAPHS:
            break
        text = clean(Paragraph(element, document).text)
        if text:
            lines.append(text)
            if element.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None or _NUMBERED.match(text):
                numbered += 1
    return lines, numbered


def read_xlsx_grids(content: bytes, file_name: str, is_plan: Callable[[Grid], bool]) -> list[Grid]:
    """The sheets to read: those named "Kế hoạch" if any; else the first sheet
    ``is_plan`` accepts; else every sheet (so that an error can name the nearest miss).
    Sheets are read one at a time, and no further than needed.

    Raises:
        PlanImportError: ``no_table`` (no sheet has data), ``too_many_rows``, ``too_large``
            or ``corrupt``.
    """
    import openpyxl  # type: ignore[import-untyped, unused-ignore]  # slow: load when used

    corrupt = PlanImportError(
        "corrupt", f"Tệp «{file_name}» bị hỏng hoặc không phải tệp Excel (.xlsx)."
    )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation, styles): harmless here.
            warnings.simplefilter("ignore")
            # Read-only: rows are streamed from the XML, never held as cells, so a sheet
            # too long is found by counting, and stray formatting costs nothing.
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged part can fail anywhere in openpyxl or its XML parser
        raise corrupt from exc
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return _read_sheets(workbook, package, file_name, is_plan)
    except PlanImportError:
        raise
    except Exception as exc:
        raise corrupt from exc
    finally:
        workbook.close()


def _read_sheets(
    workbook: Any, package: zipfile.ZipFile, file_name: str, is_plan: Callable[[Grid], bool]
) -> list[Grid]:
    sheets = list(workbook.worksheets)
    named = [sheet for sheet in sheets if fold(sheet.title) == "ke hoach"]
    if named:
        grids = [_sheet_grid(sheet, package, file_name) for sheet in named]
        if not any(grid.rows for grid in grids):
            raise _no_sheet(file_name)
        return grids
    grids = []
    for sheet in sheets:
        grid = _sheet_grid(sheet, package, file_name)
        if grid.rows and is_plan(grid):
            return [grid]
        grids.append(grid)
    if not any(grid.rows for grid in grids):
        raise _no_sheet(file_name)
    return grids  # no sheet matches: all of them, so that the error names the nearest miss


def _no_sheet(file_name: str) -> PlanImportError:
    return PlanImportError("no_table", f"Tệp «{file_name}» không có trang tính nào có dữ liệu.")


def _sheet_grid(sheet: Any, package: zipfile.ZipFile, file_name: str) -> Grid:
    """The rows with content of a read-only sheet, merged cells applied as Excel shows
    them. Refuses a sheet with more than :data:`MAX_TABLE_ROWS` rows with content, reading
    no further than the row after the limit.
    """
    where = f" (trang tính «{sheet.title}»)"
    sheet.reset_dimensions()  # the stored dimension may be wrong: read the rows there are
    values: dict[int, list[str]] = {}
    rows = sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True)
    for number, row in enumerate(rows, start=1):
        if row.count(None) == len(row):
            continue  # an empty row, or one only formatted
        texts = [_cell_text(value) for value in row]
        if any(texts):
            values[number] = texts
            if len(values) > MAX_TABLE_ROWS:
                raise too_many_rows(file_name, where)
    for min_col, min_row, max_col, max_row in _merged_ranges(sheet, package, file_name):
        if min_col > MAX_SHEET_COLUMNS:
            continue
        max_col = min(max_col, MAX_SHEET_COLUMNS)
        origin = values.get(min_row, [])
        text = origin[min_col - 1] if min_col <= len(origin) else ""
        # A merge continued from the left: its text is in its first cell.
        for number in [n for n in values if min_row <= n <= max_row] if max_col > min_col else []:
            for column in range(min_col + 1, max_col + 1):
                if column <= len(values[number]):
                    values[number][column - 1] = ""
        if not text:
            continue
        if max_row - min_row >= MAX_TABLE_ROWS:
            raise too_many_rows(file_name, where)  # each row it spans has the text
        # A merge from above repeats its text in each row it spans.
        for number in range(min_row + 1, max_row + 1):
            spanned = values.get(number)
            if spanned is None:
                spanned = values[number] = [""] * MAX_SHEET_COLUMNS
                if len(values) > MAX_TABLE_ROWS:
                    raise too_many_rows(file_name, where)
            spanned[min_col - 1] = text
    grid_rows = []
    for number in sorted(values):
        texts = values[number]
        while texts and not texts[-1]:
            texts.pop()
        if texts:
            grid_rows.append(Row(number, tuple(texts)))
    return Grid(tuple(grid_rows), sheet=sheet.title)


def _merged_ranges(
    sheet: Any, package: zipfile.ZipFile, file_name: str
) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (min_col, min_row, max_col, max_row), found by scanning
    its XML a chunk at a time (openpyxl's read-only mode does not read them).
    """
    from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped, unused-ignore]

    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    merges: list[tuple[int, int, int, int]] = []
    tail = b""
    with package.open(path.lstrip("/")) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            text = tail + chunk
            last = 0
            for match in _MERGE_CELL.finditer(text):
                ref = f"{match.group(1).decode()}:{match.group(2).decode()}"
                merges.append(range_boundaries(ref.upper()))
                last = match.end()
                if len(merges) > MAX_SHEET_MERGES:
                    raise PlanImportError(
                        "too_large",
                        f"Tệp «{file_name}» có quá nhiều ô gộp (trang tính «{sheet.title}»): "
                        "hãy gửi tệp chỉ có bảng nhiệm vụ.",
                    )
            # Keep what may be the start of a tag cut by the chunk's end, not a match again.
            tail = text[max(last, len(text) - 200) :]
    return merges


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        # A date typed in a timeframe cell ("30/6/2024") is stored as a date: written back
        # as Vietnamese write it, so the timeframe reads as the office typed it.
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return clean(str(value))


def clean(text: str) -> str:
    """NFC, one space between words (line breaks inside a cell read as spaces)."""
    text = unicodedata.normalize("NFC", text).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())
