"""Reading a plan from the office's own file.

:func:`read_plan_table` reads the task table of a Word (.docx) or Excel (.xlsx) file laid out
like the appendix (PHỤ LỤC) of Kế hoạch 965/KH-UBND, into the same
:class:`~models.plan_data.PlanSpec` that the bundled data file gives. Pure: no database.
:mod:`models.plan_sync` then brings the database in line with it; :mod:`models.plan_rollover`
starts next year's plan.

The domain never speaks to users: errors carry a machine-readable ``reason``. The one
exception is :class:`PlanImportError`, whose message is Vietnamese because it points a person
at a row and a column of their own file.
"""

import difflib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from models.plan_data import AreaSpec, PlanSpec, TaskSpec, UnitSpec, parse_task, read_plan_file
from models.plan_file import (
    _SCAN_CHUNK,
    MAX_PLAN_TASKS,
    MAX_TABLE_ROWS,
    PlanImportError,
    check_file_size,
    check_package,
    too_many_rows,
    too_many_tasks,
)
from models.tables import (
    Timeframe,
)
from models.textfold import fold, fold_tokens
from models.units import UnitCatalogue

MAX_SHEET_COLUMNS = 50
# Merged ranges in an Excel sheet (an area row or a lead unit spanning rows make one each).
MAX_SHEET_MERGES = 2 * MAX_TABLE_ROWS
_MERGE_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref=\"([A-Za-z]{1,3}\d{1,7}):([A-Za-z]{1,3}\d{1,7})\""
)
# Where a header row is looked for: the first rows of a Word table, of an Excel sheet.
_HEADER_ROWS_DOCX = 5
_HEADER_ROWS_XLSX = 30
# The paragraphs of a Word file read for its number and title (they head the document).
_HEADING_PARAGRAPHS = 500
# How alike a misspelt unit and a known spelling must be for the one to be suggested.
_SLIP = 0.85
# Row-level problems gathered before giving up, so the office can fix them in one go.
_MAX_PROBLEMS = 20


# -- the columns of the table -----------------------------------------------------------------

_TT, _TASK, _RESULT, _LEAD, _COORDINATING, _TIMEFRAME = (
    "tt",
    "task",
    "result",
    "lead",
    "coordinating",
    "timeframe",
)

# The header each column has in the plan, and the folded spellings that also name it.
COLUMN_LABELS: dict[str, str] = {
    _TT: "TT",
    _TASK: "Lĩnh vực/Nhiệm vụ",
    _RESULT: "Kết quả",
    _LEAD: "Cơ quan chủ trì",
    _COORDINATING: "Cơ quan phối hợp",
    _TIMEFRAME: "Thời gian thực hiện",
}
_HEADER_SPELLINGS: dict[str, frozenset[str]] = {
    _TT: frozenset({"tt", "stt", "so tt", "so thu tu"}),
    _TASK: frozenset(
        {"linh vuc nhiem vu", "nhiem vu", "linh vuc", "noi dung", "noi dung nhiem vu"}
    ),
    _RESULT: frozenset({"ket qua", "ket qua dau ra", "san pham", "ket qua san pham"}),
    _LEAD: frozenset({"co quan chu tri", "don vi chu tri", "chu tri"}),
    _COORDINATING: frozenset({"co quan phoi hop", "don vi phoi hop", "phoi hop"}),
    _TIMEFRAME: frozenset(
        {
            "thoi gian thuc hien",
            "thoi gian",
            "thoi han",
            "thoi gian hoan thanh",
            "thoi han hoan thanh",
        }
    ),
}
_UNIT_COLUMNS = (_LEAD, _COORDINATING)

# "1", "I", "1." or "II)" in the TT column: an area row. "1.1" is a task's code.
_AREA_NUMBER = re.compile(r"(\d{1,2}|[IVX]{1,5})\s*[.):]?", re.IGNORECASE)
# A whole area row merged into its first cell: "1. Tham gia của người dân ở cấp cơ sở".
_AREA_INLINE = re.compile(r"(\d{1,2}|[IVX]{1,5})\s*[.):/-]?\s+(\S.*)", re.IGNORECASE)
# The row under some headers that numbers the columns: "(1) (2) (3) …".
_COLUMN_NUMBER = re.compile(r"\(?\d{1,2}\)?")
_ROMAN = {"i": 1, "v": 5, "x": 10}
# "Số: 965/KH-UBND", or the appendix's "Ban hành kèm theo Kế hoạch số 965/KH-UBND".
_PLAN_NUMBER = (
    re.compile(r"\bSố\s*:\s*(\d{1,6}\s*/\s*KH[\w/-]*\w)", re.IGNORECASE),
    re.compile(r"kèm theo\s+Kế hoạch\s+số\s*:?\s*(\d{1,6}\s*/\s*KH[\w/-]*\w)", re.IGNORECASE),
)


# -- what a table is read against -------------------------------------------------------------


@dataclass(frozen=True)
class ImportCatalogue:
    """What an imported table is read against: the commune's units (names, other spellings,
    the anti-corruption flag, their order), the phrases that mean every hamlet or no one, and
    the yearly report deadline. Built from a plan data file by :func:`catalogue_for`.
    """

    units: tuple[UnitSpec, ...]
    cells: UnitCatalogue
    deadline_month: int = 12
    deadline_day: int = 20

    def nearest(self, text: str) -> str | None:
        """The unit one of whose spellings ``text`` is a slip of, if any.

        Stricter than :meth:`UnitCatalogue.nearest`: in a plan file a suggestion is taken as
        a correction, and "Hội Nông dân xã" is not a slip of "Hội đồng nhân dân xã".
        """
        spellings = {
            fold(spelling): unit.name
            for unit in self.units
            for spelling in (unit.name, *unit.aliases)
        }
        close = difflib.get_close_matches(fold(text), list(spellings), n=1, cutoff=_SLIP)
        return spellings[close[0]] if close else None


def catalogue_for(base: PlanSpec | None = None) -> ImportCatalogue:
    """The catalogue an imported file is read against: every unit, spelling and phrase of
    ``base`` (by default the bundled plan data file), and its report deadline.

    Raises:
        PlanDataError: when ``base`` is not given and the bundled data file is unreadable.
    """
    base = base or read_plan_file()
    return ImportCatalogue(base.units, base.catalogue, base.deadline_month, base.deadline_day)


# -- reading the file -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    # Cell texts by layout column; a cell that continues a merge from its left is "".
    texts: tuple[str, ...]


@dataclass(frozen=True)
class _Grid:
    """One Word table or one Excel sheet, as rows of text."""

    rows: tuple[_Row, ...]
    table: int | None = None
    sheet: str | None = None

    @property
    def width(self) -> int:
        return max((len(row.texts) for row in self.rows), default=0)


def read_plan_table_file(
    path: Path,
    catalogue: ImportCatalogue,
    *,
    commune: str,
    year: int,
    number: str = "",
    title: str = "",
) -> PlanSpec:
    """:func:`read_plan_table` on a file on disk; its size is checked before it is read.

    Raises:
        PlanImportError: as :func:`read_plan_table`; ``unreadable`` when the file cannot be
            read (missing, no permission).
    """
    try:
        check_file_size(path.stat().st_size, path.name)
        content = path.read_bytes()
    except OSError as exc:
        raise PlanImportError(
            "unreadable", f"Không đọc được tệp «{path.name}»: {exc.strerror}."
        ) from exc
    return read_plan_table(
        content, path.name, catalogue, commune=commune, year=year, number=number, title=title
    )


def read_plan_table(
    content: bytes,
    file_name: str,
    catalogue: ImportCatalogue,
    *,
    commune: str,
    year: int,
    number: str = "",
    title: str = "",
) -> PlanSpec:
    """Read the task table of a plan from a Word (.docx) or Excel (.xlsx) file.

    The table is laid out like the appendix of the seed plan: the columns TT,
    Lĩnh vực/Nhiệm vụ, Kết quả, Cơ quan chủ trì, Cơ quan phối hợp, Thời gian thực hiện (in any
    order, headers matched with or without diacritics; other columns are ignored). An area
    row has its number in TT ("1" or "I") and its name (often merged across the row); a task
    row has TT empty or a code ("1.1"), which is not read: codes follow the order of the rows.
    A Word table split into one table per page is joined; header rows repeated on each page
    are skipped. In Excel the sheet named "Kế hoạch" is read, else the first sheet whose header
    matches. Cells are read as :func:`models.plan_data.read_plan_file` reads the data file.

    Args:
        content: the file's bytes.
        file_name: its name; the extension says which format it is.
        catalogue: the units the file may name (see :func:`catalogue_for`).
        commune: the commune's name.
        year: the year the plan is for.
        number: the plan's number; if empty, it is taken from the document ("Số: 965/KH-UBND"
            or "kèm theo Kế hoạch số …"), else left empty.
        title: the plan's title; if empty, taken from the line under "PHỤ LỤC" or "KẾ HOẠCH".

    Returns:
        The plan, with every unit of ``catalogue`` (so loading it keeps the others' order).

    Raises:
        PlanImportError: the file is too large, empty, of another format, password-protected,
            corrupt, has no table or not the right columns, a task before any area, an empty
            task, a task without a lead, a unit no one knows (the message suggests the nearest)
            or no task at all. The message names the row and column.
    """
    check_file_size(len(content), file_name)
    extension = Path(file_name).suffix.lower()
    if extension not in (".docx", ".xlsx"):
        hint = (
            " Đây là định dạng cũ: hãy mở tệp và lưu lại thành .docx hoặc .xlsx."
            if extension in (".doc", ".xls")
            else ""
        )
        raise PlanImportError(
            "unsupported_format",
            f"Không đọc được tệp «{file_name}»: chỉ nhận tệp Word (.docx) hoặc Excel (.xlsx)."
            + hint,
        )
    if not content:
        raise PlanImportError("empty_file", f"Tệp «{file_name}» rỗng (0 byte).")
    check_package(content, file_name, extension)
    if extension == ".docx":
        grids, lines = _read_docx(content, file_name)
        if not grids:
            raise PlanImportError(
                "no_table", f"Tệp «{file_name}» không có bảng nào: cần bảng nhiệm vụ (phụ lục)."
            )
        areas, heading = _read_grids(grids, lines, catalogue, file_name)
    else:
        areas, heading = _read_xlsx(content, file_name, catalogue)
    found_number, found_title = _find_heading(heading)
    return PlanSpec(
        number=number.strip() or found_number,
        title=_clean(title) or found_title,
        commune=commune,
        year=year,
        issued=None,
        deadline_month=catalogue.deadline_month,
        deadline_day=catalogue.deadline_day,
        units=catalogue.units,
        areas=areas,
        catalogue=catalogue.cells,
    )


def _read_docx(content: bytes, file_name: str) -> tuple[list[_Grid], list[str]]:
    """The document's top-level tables as grids, and the text of its paragraphs."""
    import docx  # imported here: only an import needs it, and it is slow to load

    try:
        document = docx.Document(io.BytesIO(content))
        grids: list[_Grid] = []
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
                    texts.append("" if cell is previous else _clean(cell.text))
                    previous = cell
                rows.append(_Row(number, tuple(texts)))
            grids.append(_Grid(tuple(rows), table=index))
        lines = _heading_lines(document)
    except PlanImportError:
        raise
    except Exception as exc:  # a damaged part can fail anywhere in python-docx or lxml
        raise PlanImportError(
            "corrupt", f"Tệp «{file_name}» bị hỏng hoặc không phải tệp Word (.docx)."
        ) from exc
    return grids, lines


def _heading_lines(document: Any) -> list[str]:
    """The text of the document's first paragraphs, where its number and title are (not
    every paragraph: a proxy object each would cost more memory than the document).
    """
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for seen, element in enumerate(document.element.body.iterchildren(qn("w:p"))):
        if seen >= _HEADING_PARAGRAPHS:
            break
        text = _clean(Paragraph(element, document).text)
        if text:
            lines.append(text)
    return lines


def _read_xlsx(
    content: bytes, file_name: str, catalogue: ImportCatalogue
) -> tuple[tuple[AreaSpec, ...], list[str]]:
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
            return _read_sheets(workbook, package, file_name, catalogue)
    except PlanImportError:
        raise
    except Exception as exc:
        raise corrupt from exc
    finally:
        workbook.close()


def _read_sheets(
    workbook: Any, package: zipfile.ZipFile, file_name: str, catalogue: ImportCatalogue
) -> tuple[tuple[AreaSpec, ...], list[str]]:
    """The sheet named "Kế hoạch" if there is one, else the first sheet whose header
    matches; sheets are read one at a time, and no further than needed.
    """
    sheets = list(workbook.worksheets)
    named = [sheet for sheet in sheets if fold(sheet.title) == "ke hoach"]
    if named:
        grids = [_sheet_grid(sheet, package, file_name) for sheet in named]
        if not any(grid.rows for grid in grids):
            raise _no_sheet(file_name)
        return _read_grids(grids, [], catalogue, file_name)
    grids = []
    for sheet in sheets:
        grid = _sheet_grid(sheet, package, file_name)
        if grid.rows and _find_header(grid, _HEADER_ROWS_XLSX)[0] is not None:
            return _read_grids([grid], [], catalogue, file_name)
        grids.append(grid)
    if not any(grid.rows for grid in grids):
        raise _no_sheet(file_name)
    # No sheet matches: read them all, so that the error names the nearest miss.
    return _read_grids(grids, [], catalogue, file_name)


def _no_sheet(file_name: str) -> PlanImportError:
    return PlanImportError("no_table", f"Tệp «{file_name}» không có trang tính nào có dữ liệu.")


def _sheet_grid(sheet: Any, package: zipfile.ZipFile, file_name: str) -> _Grid:
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
            grid_rows.append(_Row(number, tuple(texts)))
    return _Grid(tuple(grid_rows), sheet=sheet.title)


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
        return value.isoformat()[:10]
    return _clean(str(value))


def _clean(text: str) -> str:
    """NFC, one space between words (line breaks inside a cell read as spaces)."""
    text = unicodedata.normalize("NFC", text).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


# -- reading the grids ------------------------------------------------------------------------


def _header_columns(row: _Row) -> dict[str, int]:
    """Which of the six columns each cell of ``row`` names (the first cell naming one wins)."""
    found: dict[str, int] = {}
    for index, text in enumerate(row.texts):
        folded = fold(text)
        for key, spellings in _HEADER_SPELLINGS.items():
            if folded in spellings and key not in found:
                found[key] = index
                break
    return found


def _find_header(grid: _Grid, within: int) -> tuple[dict[str, int] | None, _Row | None, int]:
    """The full header row among the first ``within`` rows, or the nearest miss and its
    score (how many of the six columns it has).
    """
    best_row: _Row | None = None
    best = 0
    # The first ``within`` rows of the sheet or table (an Excel grid leaves out empty rows).
    for row in (row for row in grid.rows[:within] if row.number <= within):
        columns = _header_columns(row)
        if len(columns) == len(COLUMN_LABELS):
            return columns, row, len(columns)
        if len(columns) > best:
            best, best_row = len(columns), row
    return None, best_row, best


@dataclass
class _Reader:
    """The state of reading the rows of the joined table, in order."""

    catalogue: ImportCatalogue
    areas: list[tuple[int, str, list[TaskSpec]]]
    problems: list[PlanImportError]
    file_name: str = ""

    def give_up(self) -> PlanImportError:
        """The first problem, its message listing the others."""
        first, others = self.problems[0], self.problems[1:]
        if others:
            listed = "\n".join(f"- {problem.message}" for problem in others[:5])
            more = f"\n… và {len(others) - 5} lỗi khác." if len(others) > 5 else ""
            first.message = f"{first.message}\nCòn {len(others)} lỗi khác:\n{listed}{more}"
            first.args = (first.message,)
        first.problems = tuple(self.problems)
        return first


def _problem(
    reason: str,
    text: str,
    grid: _Grid,
    row: _Row,
    column: str | None,
    code: str = "",
    **extra: Any,
) -> PlanImportError:
    return PlanImportError(
        reason,
        f"{_place(grid, row, column, code)}: {text}",
        row=row.number,
        column=COLUMN_LABELS[column] if column else None,
        table=grid.table,
        sheet=grid.sheet,
        **extra,
    )


def _place(grid: _Grid, row: _Row, column: str | None, code: str = "") -> str:
    where = f"Bảng {grid.table}" if grid.table is not None else f"Trang tính «{grid.sheet}»"
    place = f"{where}, dòng {row.number}"
    if code:
        place += f" (nhiệm vụ {code})"
    if column:
        place += f", cột «{COLUMN_LABELS[column]}»"
    return place


def _read_grids(
    grids: Sequence[_Grid], lines: list[str], catalogue: ImportCatalogue, file_name: str
) -> tuple[tuple[AreaSpec, ...], list[str]]:
    """Join the task tables among ``grids`` and read their rows into areas and tasks.

    Returns the areas, and the text before the table (where the number and title are).
    """
    reader = _Reader(catalogue, [], [], file_name)
    columns: dict[str, int] | None = None
    width = 0
    nearest: tuple[int, _Grid, _Row] | None = None
    heading = list(lines)
    for grid in grids:
        header, row, score = _find_header(
            grid, _HEADER_ROWS_DOCX if grid.table is not None else _HEADER_ROWS_XLSX
        )
        if header is not None and row is not None:
            columns, width = header, grid.width
            if not reader.areas:
                heading.extend(t for r in grid.rows[: grid.rows.index(row)] for t in r.texts if t)
            body = grid.rows[grid.rows.index(row) + 1 :]
        elif columns is not None and grid.table is not None and grid.width == width:
            body = grid.rows  # the table goes on after a page break, without its header
        else:
            if row is not None and (nearest is None or score > nearest[0]):
                nearest = (score, grid, row)
            if columns is None:
                heading.extend(t for r in grid.rows for t in r.texts if t)
            continue
        for body_row in body:
            _read_row(reader, grid, body_row, columns)
    if columns is None:
        raise _missing_columns(nearest, file_name)
    if reader.problems:
        raise reader.give_up()
    areas = tuple(
        AreaSpec(number=number, name=name, tasks=tuple(tasks))
        for number, name, tasks in reader.areas
    )
    if not any(area.tasks for area in areas):
        raise PlanImportError(
            "no_tasks", f"Tệp «{file_name}»: bảng nhiệm vụ không có nhiệm vụ nào."
        )
    return areas, heading


def _missing_columns(nearest: tuple[int, _Grid, _Row] | None, file_name: str) -> PlanImportError:
    wanted = "Cần đủ các cột: " + ", ".join(f"«{label}»" for label in COLUMN_LABELS.values())
    if nearest is None:
        return PlanImportError(
            "missing_columns",
            f"Tệp «{file_name}»: không tìm thấy dòng tiêu đề của bảng nhiệm vụ. {wanted}.",
            missing=tuple(COLUMN_LABELS.values()),
        )
    _score, grid, row = nearest
    found = _header_columns(row)
    missing = tuple(label for key, label in COLUMN_LABELS.items() if key not in found)
    return PlanImportError(
        "missing_columns",
        f"{_place(grid, row, None)}: bảng thiếu cột "
        + ", ".join(f"«{label}»" for label in missing)
        + f". {wanted}.",
        row=row.number,
        table=grid.table,
        sheet=grid.sheet,
        missing=missing,
    )


def _read_row(reader: _Reader, grid: _Grid, row: _Row, columns: dict[str, int]) -> None:
    values = {
        key: row.texts[index] if index < len(row.texts) else "" for key, index in columns.items()
    }
    filled = [key for key, text in values.items() if text]
    if not filled:
        return
    if len(_header_columns(row)) >= 4:
        return  # the header again, as Word repeats it on each page
    if len(filled) == len(values) and all(_COLUMN_NUMBER.fullmatch(values[k]) for k in filled):
        return  # the "(1) (2) (3)" row that numbers the columns
    area = _area_row(values)
    if area is not None:
        _start_area(reader, grid, row, *area)
        return
    if not reader.areas:
        text = (
            "dòng nhiệm vụ nằm trước dòng lĩnh vực đầu tiên (dòng lĩnh vực có số ở cột «TT» "
            "và tên lĩnh vực)."
        )
        reader.problems.append(_problem("task_before_area", text, grid, row, _TT))
        raise reader.give_up()
    number, _name, tasks = reader.areas[-1]
    if sum(len(area[2]) for area in reader.areas) >= MAX_PLAN_TASKS:
        raise too_many_tasks(reader.file_name)
    position = len(tasks) + 1
    problems = _task_problems(reader, grid, row, values, f"{number}.{position}")
    if problems:
        reader.problems.extend(problems)
        if len(reader.problems) >= _MAX_PROBLEMS:
            raise reader.give_up()
        # The row still takes its place, so the codes named in later messages stay right.
        tasks.append(_stand_in_for_bad_row(number, position))
        return
    raw = {
        "text": values[_TASK],
        "result": values[_RESULT],
        "lead": values[_LEAD],
        "coordinating": values[_COORDINATING],
        "timeframe": values[_TIMEFRAME],
    }
    tasks.append(parse_task(reader.catalogue.cells, number, position, raw))


def _area_row(values: dict[str, str]) -> tuple[int, str] | None:
    """The number and name of an area row: a number in TT, and at most one other cell (the
    name, often merged across the row); or the whole row in one cell, "1. Tên lĩnh vực".
    """
    tt = values[_TT]
    others = [text for key, text in values.items() if key != _TT and text]
    if len(others) <= 1:
        match = _AREA_NUMBER.fullmatch(tt)
        if match:
            return _area_number(match.group(1)), others[0] if others else ""
        inline = _AREA_INLINE.fullmatch(tt)
        if inline and not others:
            return _area_number(inline.group(1)), inline.group(2)
    return None


def _area_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    numerals = [_ROMAN[ch] for ch in text.lower()]
    return sum(
        -value if value < after else value
        for value, after in zip(numerals, [*numerals[1:], 0], strict=True)
    )


def _start_area(reader: _Reader, grid: _Grid, row: _Row, number: int, name: str) -> None:
    if not name:
        text = f"dòng lĩnh vực {number} chưa có tên lĩnh vực."
        reader.problems.append(_problem("bad_area", text, grid, row, _TASK))
    if reader.areas and number <= reader.areas[-1][0]:
        if any(number == area[0] for area in reader.areas):
            text = f"lĩnh vực số {number} đã có ở trên."
        else:
            text = (
                f"lĩnh vực số {number} đứng sau lĩnh vực {reader.areas[-1][0]}: "
                "các lĩnh vực phải theo thứ tự."
            )
        reader.problems.append(_problem("bad_area", text, grid, row, _TT))
        raise reader.give_up()
    reader.areas.append((number, name, []))


def _task_problems(
    reader: _Reader, grid: _Grid, row: _Row, values: dict[str, str], code: str
) -> list[PlanImportError]:
    problems = []
    if not values[_TASK]:
        text = "ô trống: dòng có số liệu nhưng thiếu nội dung nhiệm vụ."
        problems.append(_problem("empty_task", text, grid, row, _TASK, code))
    if not values[_LEAD]:
        text = "ô trống: mỗi nhiệm vụ cần có cơ quan chủ trì."
        problems.append(_problem("missing_lead", text, grid, row, _LEAD, code))
    for column in _UNIT_COLUMNS:
        cell = values[column]
        for phrase in reader.catalogue.cells.parse_cell(cell).unknown:
            shown = _original_phrase(cell, phrase)
            nearest = reader.catalogue.nearest(shown)
            hint = (
                f" Có phải «{nearest}»?"
                if nearest
                else " Hãy sửa tên, hoặc thêm đơn vị này vào tệp dữ liệu kế hoạch."
            )
            text = f"không biết đơn vị «{shown}».{hint}"
            problems.append(
                _problem("unknown_unit", text, grid, row, column, code, suggestion=nearest)
            )
    return problems


def _stand_in_for_bad_row(area_number: int, position: int) -> TaskSpec:
    """Stands for a row with problems while the rest is read (the import fails anyway)."""
    return TaskSpec(
        code=f"{area_number}.{position}",
        area_number=area_number,
        position=position,
        text="",
        result="",
        lead_text="",
        coordinating_text="",
        timeframe=Timeframe.YEAR,
        timeframe_text="",
        lead_units=(),
        coordinating_units=(),
        involves_hamlets=False,
    )


def _original_phrase(cell: str, folded: str) -> str:
    """``folded`` (a phrase of the cell as folded words) as the cell spells it."""
    text = unicodedata.normalize("NFC", cell)
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, char in enumerate(text):
        if fold(char):
            if start is None:
                start = index
        elif start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    tokens = fold_tokens(text)
    wanted = tuple(folded.split())
    if len(spans) != len(tokens) or not wanted:
        return folded
    for first in range(len(tokens) - len(wanted) + 1):
        if tokens[first : first + len(wanted)] == wanted:
            return text[spans[first][0] : spans[first + len(wanted) - 1][1]]
    return folded


def _find_heading(lines: Iterable[str]) -> tuple[str, str]:
    """The plan's number and title from the text around the table, where the document says
    them ("Số: 965/KH-UBND"; the line under "PHỤ LỤC" or "KẾ HOẠCH").
    """
    lines = list(lines)
    number = ""
    for pattern in _PLAN_NUMBER:
        match = next((m for line in lines if (m := pattern.search(line))), None)
        if match:
            number = re.sub(r"\s+", "", match.group(1))
            break
    title = ""
    for index, line in enumerate(lines):
        if fold(line) in ("phu luc", "ke hoach") and index + 1 < len(lines):
            following = lines[index + 1]
            if not following.startswith("(") and not fold(following).startswith("can cu"):
                title = following
                break
    return number, title
