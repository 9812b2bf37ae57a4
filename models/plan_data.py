"""Reading a plan data file (TOML, see ``data/``) into checked, normalised plain data.

Pure: no database. :mod:`models.plan_loader` writes the result to the database.
"""

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from models.deadlines import Deadline, describe_deadline, read_timeframe
from models.plan_numbering import PAPI_AREAS
from models.tables import Timeframe
from models.textfold import fold
from models.units import UnitCatalogue
from models.wording import in_plan_year

BUNDLED_PLAN = Path(__file__).resolve().parent.parent / "data" / "ke-hoach-965-KH-UBND-2023.toml"


class PlanDataError(ValueError):
    """The plan file is unreadable or says something that cannot be right."""


@dataclass(frozen=True)
class UnitSpec:
    """A unit and its other spellings."""

    name: str
    aliases: tuple[str, ...]
    anti_corruption: bool = False
    # "unit" or "hamlet" (models.tables.UnitKind); a hamlet a file names ("Thôn Đông").
    kind: str = "unit"
    # Learned from an imported file (no one knew it): created when the import is confirmed.
    proposed: bool = False


@dataclass(frozen=True)
class TaskSpec:
    """One task row, its unit cells read."""

    code: str
    area_number: int
    position: int
    text: str
    result: str
    lead_text: str
    coordinating_text: str
    timeframe: Timeframe
    timeframe_text: str
    lead_units: tuple[str, ...]
    coordinating_units: tuple[str, ...]
    involves_hamlets: bool
    # The plan's "Chỉ tiêu" cell (a target such as "100% hồ sơ đúng hạn"), if it has one.
    target: str = ""


@dataclass(frozen=True)
class AreaSpec:
    """A PAPI area and its tasks."""

    number: int
    name: str
    tasks: tuple[TaskSpec, ...]


@dataclass(frozen=True)
class PlanSpec:
    """A whole plan as read from its data file."""

    number: str
    title: str
    commune: str
    year: int
    issued: date | None
    deadline_month: int
    deadline_day: int
    units: tuple[UnitSpec, ...]
    areas: tuple[AreaSpec, ...]
    catalogue: UnitCatalogue

    @property
    def tasks(self) -> list[TaskSpec]:
        """All tasks in plan order."""
        return [task for area in self.areas for task in area.tasks]

    def year_end(self, year: int | None = None) -> date:
        """The year-end report deadline of the plan for ``year`` (default: its own)."""
        return date(year or self.year, self.deadline_month, self.deadline_day)

    def deadline_of(self, task: TaskSpec, year: int | None = None) -> Deadline:
        """The task's deadline in the plan for ``year`` (default: the file's own year). The
        file's year in the timeframe moves with it: the seed's "Năm 2023" is 2026 in 2026.
        """
        year = year or self.year
        return read_timeframe(in_plan_year(task.timeframe_text, self.year, year), year)


def read_plan_file(path: Path = BUNDLED_PLAN) -> PlanSpec:
    """Read and check a plan data file.

    Raises:
        PlanDataError: the file is missing, not TOML, lacks a key, or names a unit that its
            ``[[units]]`` table does not know (the message names the task and the phrase).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanDataError(f"cannot read the plan file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PlanDataError(f"the plan file {path} is not valid TOML: {exc}") from exc
    try:
        return _parse(raw)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PlanDataError):
            raise
        raise PlanDataError(f"the plan file {path} is malformed: {exc!r}") from exc


def _parse(raw: dict[str, Any]) -> PlanSpec:
    plan = raw["plan"]
    units = tuple(
        UnitSpec(u["name"], tuple(u.get("aliases", ())), bool(u.get("anti_corruption", False)))
        for u in raw["units"]
    )
    catalogue = UnitCatalogue()
    for unit in units:
        catalogue.add_unit(unit.name, unit.aliases)
    catalogue.add_hamlet_phrases(plan.get("hamlet_phrases", ["09 ấp"]))
    catalogue.add_no_one_phrases(plan.get("no_one_phrases", []))
    month, day = (int(part) for part in str(plan.get("report_deadline", "12-20")).split("-"))
    areas = tuple(_parse_area(area, catalogue) for area in raw["areas"])
    numbers = [area.number for area in areas]
    if numbers != sorted(set(numbers)):
        raise PlanDataError(f"area numbers must be unique and in order, got {numbers}")
    return PlanSpec(
        number=plan["number"],
        title=plan["title"],
        commune=plan["commune"],
        year=int(plan["year"]),
        issued=plan.get("issued"),
        deadline_month=month,
        deadline_day=day,
        units=units,
        areas=areas,
        catalogue=catalogue,
    )


def _parse_area(raw: dict[str, Any], catalogue: UnitCatalogue) -> AreaSpec:
    number = int(raw["number"])
    tasks = tuple(
        parse_task(catalogue, number, position, task)
        for position, task in enumerate(raw.get("tasks", []), start=1)
    )
    return AreaSpec(number=number, name=str(raw["name"]).strip(), tasks=tasks)


def parse_timeframe(text: str) -> Timeframe:
    """Read a timeframe in the older two-way sense: reported every quarter ("Thường xuyên",
    "Hằng quý", "Hằng tháng"…: ongoing), else due once (by a date or the year end). The
    full reading, with the dates, is :meth:`PlanSpec.deadline_of`.
    """
    # The year only places dates; whether a task repeats does not depend on it.
    return read_timeframe(text, 2000).timeframe


def deadline_lines(spec: PlanSpec, year: int | None = None) -> list[str]:
    """Each task's deadline as the dry run shows it, one line a task: "1.2 · Trước
    31/03/2024"; a guess or a date outside the plan's year also quotes the plan's words:
    "2.3 · (đoán) Cuối năm 20/12/2024 ← «Năm học 2024»".
    """
    return [_deadline_line(spec, task, year) for task in spec.tasks]


def guessed_deadlines(spec: PlanSpec, year: int | None = None) -> int:
    """How many tasks' deadlines are guesses (a timeframe cell not understood)."""
    return sum(spec.deadline_of(task, year).guessed for task in spec.tasks)


def _deadline_line(spec: PlanSpec, task: TaskSpec, year: int | None) -> str:
    """One task's line of :func:`deadline_lines`."""
    deadline = spec.deadline_of(task, year)
    line = f"{task.code} · {describe_deadline(deadline, spec.year_end(year))}"
    if deadline.guessed or deadline.outside_year:
        line += f" ← «{task.timeframe_text}»" if task.timeframe_text else " ← (ô trống)"
    return line


def area_lines(spec: PlanSpec) -> list[str]:
    """Where the plan's tasks go, one line an area: "5 · Thủ tục hành chính công ← «Cải
    cách thủ tục hành chính»: 2 nhiệm vụ (5.1–5.2)". The file's own heading is quoted when
    it is not the area's PAPI name, so a heading placed in the wrong area is seen.
    """
    lines = []
    for area in spec.areas:
        if not area.tasks:
            continue
        papi = PAPI_AREAS.get(area.number, area.name)
        heading = "" if fold(area.name) == fold(papi) else f" ← «{area.name}»"
        codes = area.tasks[0].code
        if len(area.tasks) > 1:
            codes += f"–{area.tasks[-1].code}"
        lines.append(f"{area.number} · {papi}{heading}: {len(area.tasks)} nhiệm vụ ({codes})")
    return lines


def deadline_groups(spec: PlanSpec, year: int | None = None) -> list[str]:
    """The tasks' deadlines for a phone's screen: one line a deadline, with the codes due
    then ("Trước 31/03/2026: 1.3, 2.1"); a guess or a date outside the plan's year gets a
    line of its own quoting the plan's words, as in :func:`deadline_lines`.
    """
    year_end = spec.year_end(year)
    groups: dict[str, list[str]] = {}
    alone = []
    for task in spec.tasks:
        deadline = spec.deadline_of(task, year)
        if deadline.guessed or deadline.outside_year:
            alone.append(_deadline_line(spec, task, year))
        else:
            groups.setdefault(describe_deadline(deadline, year_end), []).append(task.code)
    return [f"{described}: {', '.join(codes)}" for described, codes in groups.items()] + alone


def parse_task(
    catalogue: UnitCatalogue, area_number: int, position: int, raw: dict[str, Any]
) -> TaskSpec:
    """Check one task row and read its unit cells.

    Raises:
        PlanDataError: the row has no text, or its cells name an unknown unit.
    """
    code = f"{area_number}.{position}"
    text = str(raw.get("text", "")).strip()
    if not text:
        raise PlanDataError(f"task {code}: the task text is empty")
    lead = catalogue.parse_cell(str(raw.get("lead", "")))
    coordinating = catalogue.parse_cell(str(raw.get("coordinating", "")))
    for column, cell in (("lead", lead), ("coordinating", coordinating)):
        for phrase in cell.unknown:
            nearest = catalogue.nearest(phrase)
            hint = f" (did you mean {nearest!r}?)" if nearest else ""
            raise PlanDataError(f"task {code}, {column}: unknown unit {phrase!r}{hint}")
    timeframe_text = str(raw.get("timeframe", "")).strip()
    return TaskSpec(
        code=code,
        area_number=area_number,
        position=position,
        text=text,
        result=str(raw.get("result", "")).strip(),
        lead_text=str(raw.get("lead", "")).strip(),
        coordinating_text=str(raw.get("coordinating", "")).strip(),
        timeframe=parse_timeframe(timeframe_text),
        timeframe_text=timeframe_text,
        lead_units=lead.units,
        # A unit that leads is not also listed as coordinating the same task.
        coordinating_units=tuple(u for u in coordinating.units if u not in lead.units),
        involves_hamlets=lead.hamlets or coordinating.hamlets,
    )
