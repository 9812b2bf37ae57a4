"""The task table of an office's plan file, row by row: where its header is, which rows
are headings (with their numbering) and which are tasks, joined across a Word file's page
tables. What the headings mean (which PAPI area) is :mod:`models.plan_numbering`'s; the
tasks' cells are read by :mod:`models.plan_import`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from models.plan_file import PlanImportError
from models.plan_grids import Grid, Row
from models.plan_headers import (
    AREA,
    COLUMN_LABELS,
    COORDINATING,
    LEAD,
    RESULT,
    TARGET,
    TASK,
    TIMEFRAME,
    TT,
    Header,
    find_header,
    is_column_numbers,
    is_header_again,
)
from models.plan_numbering import Heading, Label, cell_label, inline_label, unnumbered_heading

# The cells that make a row a task rather than a heading: who does it, and when.
_TASK_CELLS = (LEAD, COORDINATING, TIMEFRAME)
# The headings an area column makes: one level, above any numbered heading in the rows.
_AREA_COLUMN = Label("area column", None, "")
# Columns a table's header must name to be taken for a task table missing some.
_NEAR_MISS = 3
# Where a header row is looked for: the first rows of a Word table, of an Excel sheet.
_HEADER_ROWS_DOCX = 6
_HEADER_ROWS_XLSX = 30
# Other headers the office may know a required column by (named when it is missing).
_ALSO_CALLED = {
    TASK: ("Nội dung", "Nhiệm vụ", "Nội dung công việc"),
    LEAD: ("Đơn vị chủ trì", "Đơn vị thực hiện"),
}


def prose_plan(file_name: str) -> PlanImportError:
    """The error for a Word plan written as prose: no task table, numbered paragraphs."""
    return PlanImportError(
        "prose_plan",
        f"Tệp «{file_name}» là kế hoạch viết dạng văn bản, chưa có bảng nhiệm vụ (các cột "
        "nội dung nhiệm vụ, cơ quan chủ trì, thời gian thực hiện) để nhập. Hãy chép các nhiệm "
        "vụ vào bảng kế hoạch mẫu (Excel) rồi gửi lại.",
    )


def has_header(grid: Grid) -> bool:
    """Whether a grid has a task table's header among its first rows."""
    return header_of(grid)[0] is not None


def place(grid: Grid, row: Row, column: str | None, code: str = "") -> str:
    """Where a cell is, as the messages name it: "Bảng 1, dòng 4 (nhiệm vụ 1.2), cột «TT»"."""
    where = f"Bảng {grid.table}" if grid.table is not None else f"Trang tính «{grid.sheet}»"
    said = f"{where}, dòng {row.number}"
    if code:
        said += f" (nhiệm vụ {code})"
    if column:
        said += f", cột «{grid.title(column, COLUMN_LABELS[column])}»"
    return said


@dataclass(frozen=True)
class TaskRow:
    """A task row of the table: where it is, and its cells by column."""

    grid: Grid
    row: Row
    values: dict[str, str]


def header_of(grid: Grid) -> tuple[Header | None, Header | None]:
    """The grid's header (or None) and the nearest miss, among its first rows (an Excel
    grid leaves out empty rows: the first rows of the sheet, by number).
    """
    within = _HEADER_ROWS_DOCX if grid.table is not None else _HEADER_ROWS_XLSX
    first = [row for row in grid.rows[:within] if row.number <= within]
    return find_header([row.texts for row in grid.rows], len(first))


@dataclass(frozen=True)
class Table:
    """The task table's rows in order (a heading, or None for each task row), its task
    rows, and the text before it (where the plan's number and title are).
    """

    items: list[Heading | None]
    task_rows: list[TaskRow]
    heading: list[str]


def read_table(
    grids: Sequence[Grid], lines: list[str], file_name: str, *, prose: bool = False
) -> Table:
    """Join the task tables among ``grids`` (a Word table split at each page goes on
    without its header) and read their rows as headings and tasks.

    Raises:
        PlanImportError: ``prose_plan`` (no header, and ``prose``), ``missing_columns``.
    """
    columns: dict[str, int] | None = None
    titles: tuple[tuple[str, str], ...] = ()
    width = 0
    nearest: tuple[Grid, Header] | None = None
    heading = list(lines)
    items: list[Heading | None] = []
    task_rows: list[TaskRow] = []
    for grid in grids:
        header, miss = header_of(grid)
        if header is not None:
            columns, width = header.columns, grid.width
            titles = tuple(header.titles.items())
            if not items:
                heading.extend(t for r in grid.rows[: header.first_row] for t in r.texts if t)
            body = grid.rows[header.first_row + header.rows :]
        elif columns is not None and grid.table is not None and grid.width == width:
            body = grid.rows  # the table goes on after a page break, without its header
        else:
            if miss is not None and (
                nearest is None or len(miss.columns) > len(nearest[1].columns)
            ):
                nearest = (grid, miss)
            if columns is None:
                heading.extend(t for r in grid.rows for t in r.texts if t)
            continue
        grid = replace(grid, titles=titles)
        for row in body:
            _read_row(grid, row, columns, items, task_rows)
    if columns is None:
        # A table that names some columns is a task table missing one: say which, not prose.
        if prose and (nearest is None or len(nearest[1].columns) < _NEAR_MISS):
            raise prose_plan(file_name)
        raise _missing_columns(nearest, file_name)
    return Table(items, task_rows, heading)


def _read_row(
    grid: Grid,
    row: Row,
    columns: dict[str, int],
    items: list[Heading | None],
    task_rows: list[TaskRow],
) -> None:
    """Add a body row to ``items``: a heading, or None for a task row kept in ``task_rows``."""
    values = {
        key: row.texts[index] if index < len(row.texts) else "" for key, index in columns.items()
    }
    for key in COLUMN_LABELS:
        values.setdefault(key, "")
    if not any(values.values()):
        return
    if is_header_again(row.texts) or is_column_numbers(list(values.values())):
        return  # the header again, as Word repeats it on each page; "(1) (2) (3)"
    area = values[AREA]
    if area and area != _area_column_name(items):
        # An area named in a column of its own, merged down over its tasks: a heading
        # wherever it changes.
        items.append(Heading(_AREA_COLUMN, area, place(grid, row, None)))
    if not values[TT] and not values[TASK] and sum(1 for text in row.texts if text) <= 1:
        return  # a lone cell: the signature under the table ("KT. CHỦ TỊCH"), a note
    heading = _heading_of(values, place(grid, row, None))
    if heading is not None:
        items.append(heading)
        return
    items.append(None)
    task_rows.append(TaskRow(grid, row, values))


def _area_column_name(items: list[Heading | None]) -> str:
    """The area the area column last named."""
    named = (item for item in reversed(items) if item and item.label == _AREA_COLUMN)
    return next((item.name for item in named), "")


def _heading_of(values: dict[str, str], where: str) -> Heading | None:
    """The heading a row is, if it is one: a number ("I", "1.1", "a)", "Phần A") and a name,
    no units and no timeframe (an area's own target may be there); or the whole row in one
    cell, "1. Tên lĩnh vực"; or a name alone that says it is a heading ("Lĩnh vực 2: …",
    capitals).
    """
    if any(values[key] for key in _TASK_CELLS):
        return None
    tt, text = values[TT], values[TASK]
    label = cell_label(tt) if tt else None
    if label is not None:
        # The name, often merged across the row from wherever it starts.
        others = [values[key] for key in (TARGET, RESULT) if values[key]]
        return Heading(label, text or (others[0] if others else ""), where)
    for cell in (tt, text) if not (tt and text) else ():
        inline = inline_label(cell) if cell else None
        if inline is not None:
            return Heading(inline[0], inline[1], where)
    unnumbered = unnumbered_heading(text) if text and not tt else None
    return Heading(unnumbered, text, where) if unnumbered is not None else None


def _missing_columns(nearest: tuple[Grid, Header] | None, file_name: str) -> PlanImportError:
    wanted = "Cần ít nhất cột nội dung nhiệm vụ và cột cơ quan chủ trì"
    if nearest is None:
        return PlanImportError(
            "missing_columns",
            f"Tệp «{file_name}»: không tìm thấy dòng tiêu đề của bảng nhiệm vụ. {wanted}.",
            missing=tuple(COLUMN_LABELS[key] for key in _ALSO_CALLED),
        )
    grid, header = nearest
    row = grid.rows[header.first_row]
    missing = tuple(COLUMN_LABELS[key] for key in header.missing)
    named = ", ".join(
        f"«{label}» (hoặc {', '.join(f'«{other}»' for other in _ALSO_CALLED[key])})"
        for key, label in zip(header.missing, missing, strict=True)
    )
    found = [
        t
        for r in grid.rows[header.first_row : header.first_row + header.rows]
        for t in r.texts
        if t
    ]
    seen = ", ".join(f"«{text}»" for text in dict.fromkeys(found))
    return PlanImportError(
        "missing_columns",
        f"{place(grid, row, None)}: bảng thiếu cột {named}. Các cột đã thấy: {seen}.",
        row=row.number,
        table=grid.table,
        sheet=grid.sheet,
        missing=missing,
    )
