"""Reading a plan from the office's own file.

:func:`read_plan_import` reads the task table of a Word (.docx) or Excel (.xlsx) file into
the same :class:`~models.plan_data.PlanSpec` that the bundled data file gives, with what it
left out and why (an :class:`ImportReading`, for the dry run). Pure: no database.
:mod:`models.plan_sync` then brings the database in line with it; :mod:`models.plan_rollover`
starts next year's plan.

The file's cells are read by :mod:`models.plan_grids`, the task table's header found by
:mod:`models.plan_headers` and its rows told apart (headings, tasks) by
:mod:`models.plan_table`; :mod:`models.plan_numbering` places the headings in the eight PAPI
areas. Task codes are the area's number and the task's place among
that area's tasks in file order ("2.3"), whatever the file numbers them: they stay short
and unique within the plan when the file has parts A and B each restarting at I, or
sub-headings 1.1, 1.1.1, a).

The domain never speaks to users: errors carry a machine-readable ``reason``. The one
exception is :class:`PlanImportError`, whose message is Vietnamese because it points a person
at a row and a column of their own file.
"""

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.plan_data import AreaSpec, PlanSpec, TaskSpec, UnitSpec, parse_task, read_plan_file
from models.plan_file import (
    MAX_PLAN_TASKS,
    PlanImportError,
    check_file_size,
    check_package,
    too_many_tasks,
)
from models.plan_grids import Grid, Row, clean, read_docx_grids, read_xlsx_grids
from models.plan_headers import (
    COLUMN_LABELS,
    COORDINATING,
    LEAD,
    RESULT,
    TARGET,
    TASK,
    TIMEFRAME,
    TT,
)
from models.plan_numbering import PAPI_AREAS, Heading, place_tasks
from models.plan_reading import AreaGuess, ImportReading, SkippedRow
from models.plan_table import Table, has_header, place, prose_plan, read_table
from models.tables import Timeframe
from models.textfold import fold
from models.units import UnitCatalogue, guess_kind, may_be_slip

# The names the rest of this module (and its tests) know the grids and columns by.
_Row = Row
_Grid = Grid
_clean = clean
_place = place
_TT, _TASK, _TARGET, _RESULT, _LEAD, _COORDINATING, _TIMEFRAME = (
    TT,
    TASK,
    TARGET,
    RESULT,
    LEAD,
    COORDINATING,
    TIMEFRAME,
)
_UNIT_COLUMNS = (_LEAD, _COORDINATING)
# How alike a misspelt unit and a known spelling must be for the one to be suggested.
_SLIP = 0.85
# Row-level problems gathered before giving up, so the office can fix them in one go.
_MAX_PROBLEMS = 20
# The errors after which the office is pointed to the empty plan to fill in: the file has
# no task table to read.
TEMPLATE_HINTED = frozenset({"prose_plan", "no_table"})
# Numbered paragraphs that make a Word file without a task table a plan written as prose.
_PROSE_ITEMS = 3
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

    A read works on its own copy (:meth:`for_reading`), which learns the units the file names
    that no one knew yet (:meth:`learn`): they are proposed, and created when the import is
    confirmed.
    """

    units: tuple[UnitSpec, ...]
    cells: UnitCatalogue
    deadline_month: int = 12
    deadline_day: int = 20
    # The units one read learned, in the order the file names them (see for_reading).
    learned: list[UnitSpec] = field(default_factory=list, compare=False)

    def for_reading(self) -> "ImportCatalogue":
        """A copy for one read of a file, to learn on (this one stays as it is)."""
        return replace(self, cells=self.cells.copy(), learned=[])

    @property
    def read_units(self) -> tuple[UnitSpec, ...]:
        """The known units, then those learned from the file."""
        return (*self.units, *self.learned)

    def learn(self, spelled: str) -> UnitSpec:
        """Propose a unit the file names and no one knows, with its guessed kind (a hamlet
        for "Thôn Đông", "Ấp 3"; else a unit); later cells naming it read it as known.
        """
        kind, name = guess_kind(spelled)
        key = fold(name)
        for index, unit in enumerate(self.learned):
            if fold(unit.name) == key:
                if spelled not in (unit.name, *unit.aliases):
                    unit = replace(unit, aliases=(*unit.aliases, spelled))
                    self.learned[index] = unit
                    self._teach(unit, spelled)
                return unit
        aliases = (spelled,) if spelled != name else ()
        unit = UnitSpec(name, aliases, kind=kind, proposed=True)
        self.learned.append(unit)
        self._teach(unit, spelled)
        return unit

    def _teach(self, unit: UnitSpec, spelled: str) -> None:
        # A hamlet named ("Ấp Bình Phú") is linked to its task as a unit is: it answers for
        # it, the other hamlets do not (only "các ấp", "09 ấp" are every hamlet's task).
        self.cells.add_unit(unit.name, (spelled,))

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
        if not close or not may_be_slip(fold(text), close[0]):
            return None  # "Sở Tài nguyên và Môi trường" is not a slip of the known alias
        return spellings[close[0]]


def catalogue_for(base: PlanSpec | None = None, known: Sequence[UnitSpec] = ()) -> ImportCatalogue:
    """The catalogue an imported file is read against: every unit, spelling and phrase of
    ``base`` (by default the bundled plan data file), and its report deadline; and the units
    the commune has besides (``known``, see :func:`models.unit_sync.commune_units`: created
    by an earlier import, renamed, given other names), so that a file naming them reads
    them as known, and a slip of their names is caught.

    Raises:
        PlanDataError: when ``base`` is not given and the bundled data file is unreadable.
    """
    base = base or read_plan_file()
    cells = base.catalogue
    units = list(base.units)
    if known:
        cells = cells.copy()
        for unit in known:
            spellings = [unit.name, *unit.aliases]
            named = next((cells.target_of(s) for s in spellings if cells.target_of(s)), None)
            if named is None:
                cells.add_unit(unit.name, [s for s in spellings if not cells.knows(s)])
                units.append(unit)
            else:
                cells.add_spellings(named, [s for s in spellings if not cells.knows(s)])
    return ImportCatalogue(tuple(units), cells, base.deadline_month, base.deadline_day)


# -- reading the file -----------------------------------------------------------------------


def read_plan_table_file(
    path: Path,
    catalogue: ImportCatalogue,
    *,
    commune: str,
    year: int,
    number: str = "",
    title: str = "",
) -> PlanSpec:
    """:func:`read_plan_import_file`'s plan."""
    return read_plan_import_file(
        path, catalogue, commune=commune, year=year, number=number, title=title
    ).spec


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
    """:func:`read_plan_import`'s plan."""
    return read_plan_import(
        content, file_name, catalogue, commune=commune, year=year, number=number, title=title
    ).spec


def read_plan_import_file(
    path: Path,
    catalogue: ImportCatalogue,
    *,
    commune: str,
    year: int,
    number: str = "",
    title: str = "",
) -> ImportReading:
    """:func:`read_plan_import` on a file on disk; its size is checked before it is read.

    Raises:
        PlanImportError: as :func:`read_plan_import`; ``unreadable`` when the file cannot
            be read (missing, no permission).
    """
    try:
        check_file_size(path.stat().st_size, path.name)
        content = path.read_bytes()
    except OSError as exc:
        raise PlanImportError(
            "unreadable", f"Không đọc được tệp «{path.name}»: {exc.strerror}."
        ) from exc
    return read_plan_import(
        content, path.name, catalogue, commune=commune, year=year, number=number, title=title
    )


def read_plan_import(
    content: bytes,
    file_name: str,
    catalogue: ImportCatalogue,
    *,
    commune: str,
    year: int,
    number: str = "",
    title: str = "",
) -> ImportReading:
    """Read the task table of a plan from a Word (.docx) or Excel (.xlsx) file.

    The header is found among the first rows, over one to three rows, by the columns' usual
    names (:mod:`models.plan_headers`): the task's text and its lead are required; TT, the
    target (Chỉ tiêu), the result, the coordinating units and the timeframe are read when
    there. A heading row (a number and a name, no units, no timeframe) groups the rows under
    it; the headings are placed in the PAPI areas by name (:mod:`models.plan_numbering`).
    A Word table split into one table per page is joined; header rows repeated on each page
    are skipped. In Excel the sheet named "Kế hoạch" is read, else the first sheet whose
    header matches. Cells are read as :func:`models.plan_data.read_plan_file` reads the data
    file.

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
        The plan, with every unit of ``catalogue`` (so loading it keeps the others' order),
        areas in PAPI order, and the rows and headings left out.

    Raises:
        PlanImportError: the file is too large, empty, of another format, password-protected,
            corrupt, has no table (``prose_plan`` when it is a plan written as numbered
            paragraphs) or not the required columns, a task before any heading, an empty
            task, a task without a lead, a unit no one knows (the message suggests the
            nearest), no heading naming an area, or no task at all. The message names the
            row and column.
    """
    check_file_size(len(content), file_name)
    # A copy for this read: it learns the units the file names that no one knew yet.
    catalogue = catalogue.for_reading()
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
        word = read_docx_grids(content, file_name)
        prose = word.numbered >= _PROSE_ITEMS
        if not word.grids:
            if prose:
                raise prose_plan(file_name)
            raise PlanImportError(
                "no_table", f"Tệp «{file_name}» không có bảng nào: cần bảng nhiệm vụ (phụ lục)."
            )
        table = read_table(word.grids, word.lines, file_name, prose=prose)
    else:
        table = read_table(read_xlsx_grids(content, file_name, has_header), [], file_name)
    layout = _place_rows(table, catalogue, file_name)
    found_number, found_title = _find_heading(layout.heading)
    spec = PlanSpec(
        number=number.strip() or found_number,
        title=_clean(title) or found_title,
        commune=commune,
        year=year,
        issued=None,
        deadline_month=catalogue.deadline_month,
        deadline_day=catalogue.deadline_day,
        units=catalogue.read_units,
        areas=layout.areas,
        catalogue=catalogue.cells,
    )
    return ImportReading(spec, layout.skipped, layout.unmapped, layout.guesses)


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
        column=grid.title(column, COLUMN_LABELS[column]) if column else None,
        table=grid.table,
        sheet=grid.sheet,
        **extra,
    )


# -- reading the grids ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """The joined table read: areas, what was left out, the text before the table."""

    areas: tuple[AreaSpec, ...]
    skipped: tuple[SkippedRow, ...]
    unmapped: tuple[str, ...]
    guesses: tuple[AreaGuess, ...]
    heading: list[str]


def _place_rows(table: Table, catalogue: ImportCatalogue, file_name: str) -> _Layout:
    """Give each task row its area and code (the area's number, then its place among that
    area's tasks in file order); rows under no area are left out and said.
    """
    outline = place_tasks(table.items)
    reader = _Reader(catalogue, [], [], file_name)
    tasks: dict[int, list[TaskSpec]] = {}
    skipped: list[SkippedRow] = []
    unmapped: dict[str, None] = {}
    total = 0
    for task_row, placement in zip(table.task_rows, outline.placements, strict=True):
        grid, row, values = task_row.grid, task_row.row, task_row.values
        if placement.how == "no_heading":
            text = (
                "dòng nhiệm vụ nằm trước dòng lĩnh vực đầu tiên (dòng lĩnh vực có số ở cột "
                "«TT» và tên lĩnh vực, ví dụ «I. Tham gia của người dân ở cấp cơ sở»)."
            )
            reader.problems.append(_problem("task_before_area", text, grid, row, _TT))
            raise reader.give_up()
        if placement.area is None:
            assert placement.heading is not None
            shown = _shown(placement.heading)
            if placement.how == "unmapped":
                unmapped[shown] = None
            skipped.append(
                SkippedRow(
                    _place(grid, row, None), values[_TASK], shown, placement.how == "closing"
                )
            )
            continue
        total += 1
        if total > MAX_PLAN_TASKS:
            raise too_many_tasks(file_name)
        area = placement.area
        position = len(tasks.setdefault(area, [])) + 1
        problems = _task_problems(reader, grid, row, values, f"{area}.{position}")
        if problems:
            reader.problems.extend(problems)
            if len(reader.problems) >= _MAX_PROBLEMS:
                raise reader.give_up()
            # The row still takes its place, so the codes named in later messages stay right.
            tasks[area].append(_stand_in_for_bad_row(area, position))
            continue
        raw = {
            "text": values[_TASK],
            "result": values[_RESULT],
            "lead": values[_LEAD],
            "coordinating": values[_COORDINATING],
            "timeframe": values[_TIMEFRAME],
        }
        task = parse_task(reader.catalogue.cells, area, position, raw)
        tasks[area].append(replace(task, target=values[_TARGET]))
    if reader.problems:
        raise reader.give_up()
    for row_heading, section in outline.closing_rows:
        skipped.append(SkippedRow(row_heading.place, row_heading.name, _shown(section), True))
    if not tasks:
        if unmapped:
            names = ", ".join(f"«{name}»" for name in list(unmapped)[:5])
            raise PlanImportError(
                "no_areas",
                f"Tệp «{file_name}»: không đề mục nào là lĩnh vực PAPI ({names}). Hãy đặt tên "
                "đề mục theo lĩnh vực, ví dụ «I. Tham gia của người dân ở cấp cơ sở».",
            )
        raise PlanImportError(
            "no_tasks", f"Tệp «{file_name}»: bảng nhiệm vụ không có nhiệm vụ nào."
        )
    areas = tuple(
        AreaSpec(number=number, name=_area_name(outline.area_headings.get(number), number),
                 tasks=tuple(tasks[number]))
        for number in sorted(tasks)
    )  # fmt: skip
    guesses = tuple(AreaGuess(_shown(h), area) for h, area in outline.guesses)
    return _Layout(areas, tuple(skipped), tuple(unmapped), guesses, table.heading)


def _shown(heading: Heading) -> str:
    """A heading as the file writes it: "II. Tổ chức thực hiện"."""
    return f"{heading.label.text} {heading.name}".strip()


def _area_name(heading: Heading | None, number: int) -> str:
    """The area's name as the plan writes it; the PAPI name if its heading has none, or
    writes it in capitals (it is shown in lists and summaries, where capitals shout).
    """
    if heading is None or not heading.name or heading.name.isupper():
        return PAPI_AREAS[number]
    return heading.name


def _task_problems(
    reader: _Reader, grid: _Grid, row: _Row, values: dict[str, str], code: str
) -> list[PlanImportError]:
    """What is wrong with a task row. A unit no one knows is not wrong: it is learned, and
    proposed as a new unit (or hamlet), unless it looks like a slip of a known one
    ("Trạm Ytế xã"): then the office is asked to correct the file. A slip is never taken
    as the known unit silently, however close: a plan is a document the office signs, and
    a task sent to the wrong unit is worse than a question.
    """
    problems = []
    if not values[_TASK]:
        text = "ô trống: dòng có số liệu nhưng thiếu nội dung nhiệm vụ."
        problems.append(_problem("empty_task", text, grid, row, _TASK, code))
    if not values[_LEAD]:
        text = "ô trống: mỗi nhiệm vụ cần có cơ quan chủ trì."
        problems.append(_problem("missing_lead", text, grid, row, _LEAD, code))
    for column in _UNIT_COLUMNS:
        for shown in reader.catalogue.cells.parse_cell(values[column]).spelled:
            nearest = reader.catalogue.nearest(shown)
            if nearest is None:
                reader.catalogue.learn(shown)
                continue
            text = (
                f"không biết đơn vị «{shown}». Có phải «{nearest}»? Hãy sửa tên trong tệp; "
                "nếu đây là một đơn vị khác, hãy ghi tên đầy đủ để bot tạo đơn vị mới."
            )
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
