"""Acceptance target for issue 11: plans as provinces, districts and communes publish them.

Each fixture in tests/fixtures/plans/ (built by make_fixtures.py, sources in SOURCES.md) is
read with the importer and compared with what a person reading it would take from it
(expected.toml): the task count, the PAPI areas its headings map to, the headings skipped or
left unmapped, the units proposed as new and their kind, group names meaning every hamlet, and
each sampled task's deadline or repeat and whether it is a guess. A prose plan is refused as
prose, with a pointer to the Excel template.

The importer's API is reached through :func:`read_fixture` only: when the API changes, change
that one function.
"""

import functools
import io
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest

from models import plan_import
from models.plan_file import PlanImportError
from models.textfold import fold

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "plans"
EXPECTED: list[dict[str, Any]] = tomllib.loads((FIXTURES / "expected.toml").read_text())["plans"]


# -- the one place that speaks the importer's API ----------------------------------------------


@dataclass(frozen=True)
class TaskReading:
    text: str
    area: int
    lead: tuple[str, ...]
    coordinating: tuple[str, ...]
    every_hamlet: bool
    # Due dates of a task due once; empty for a repeat.
    due: tuple[date, ...]
    # None (due once), or "monthly" | "quarterly" | "half-yearly" | "yearly" | "ongoing".
    repeat: str | None
    guessed: bool
    target: str


@dataclass(frozen=True)
class Reading:
    """What the dry run of one file shows, or why the file was refused."""

    tasks: tuple[TaskReading, ...] = ()
    # Proposed new units: (name, "hamlet" | "unit").
    new_units: tuple[tuple[str, str], ...] = ()
    # Closing headings ("Tổ chức thực hiện") whose rows were left out.
    skipped: tuple[str, ...] = ()
    # Headings that name no PAPI area, and how many task rows were under them.
    unmapped: tuple[str, ...] = ()
    unmapped_rows: int = 0
    # The first day that counts as "the end of the plan year" (the report deadline).
    year_end_from: date | None = None
    refused: PlanImportError | None = None


@functools.cache
def read_fixture(file_name: str, year: int) -> Reading:
    """Read one fixture against the seed commune's catalogue, as the dry run would."""
    try:
        got = plan_import.read_plan_import_file(
            FIXTURES / file_name, plan_import.catalogue_for(), commune="Thử", year=year
        )
    except PlanImportError as exc:
        return Reading(refused=exc)
    spec = got.spec
    tasks = []
    for area in spec.areas:
        for task in area.tasks:
            deadline = spec.deadline_of(task)
            repeat = str(deadline.repeat).replace("_", "-")
            tasks.append(
                TaskReading(
                    text=task.text,
                    area=area.number,
                    lead=task.lead_units,
                    coordinating=task.coordinating_units,
                    every_hamlet=task.involves_hamlets,
                    due=deadline.dates if repeat == "once" else (),
                    repeat=None if repeat == "once" else repeat,
                    guessed=deadline.guessed,
                    target=task.target,
                )
            )
    return Reading(
        tasks=tuple(tasks),
        new_units=tuple((unit.name, unit.kind) for unit in spec.units if unit.proposed),
        skipped=tuple(dict.fromkeys(row.heading for row in got.skipped if row.closing)),
        unmapped=got.unmapped,
        unmapped_rows=sum(1 for row in got.skipped if not row.closing),
        year_end_from=spec.year_end(),
    )


# -- helpers ------------------------------------------------------------------------------------


def _name(text: str) -> str:
    """A unit name compared as a person would: case, spacing and dash style do not matter."""
    return " ".join(text.replace("–", "-").replace("—", "-").split()).casefold()


def _dmy(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _plans(*keys: str, refused: bool = False) -> list[Any]:
    return [
        pytest.param(plan, id=plan["id"])
        for plan in EXPECTED
        if bool(plan.get("refused")) == refused and all(key in plan for key in keys)
    ]


def _samples(*keys: str) -> list[Any]:
    """The sampled tasks that have any of ``keys`` (all of them when none is given)."""
    return [
        pytest.param(plan, sample, id=f"{plan['id']}-{sample['code']}")
        for plan in EXPECTED
        for sample in plan.get("samples", ())
        if not keys or any(key in sample for key in keys)
    ]


def _read(plan: dict[str, Any]) -> Reading:
    reading = read_fixture(plan["file"], plan["year"])
    if reading.refused is not None:
        pytest.fail(f"{plan['file']} was refused ({reading.refused.reason}): {reading.refused}")
    return reading


def _task(reading: Reading, text: str) -> TaskReading:
    found = [task for task in reading.tasks if fold(text) in fold(task.text)]
    assert len(found) == 1, f"{len(found)} tasks read with the text {text!r}"
    return found[0]


def _mentions(headings: Iterable[str], printed: str) -> bool:
    return any(fold(printed) in fold(h) or fold(h) in fold(printed) for h in headings if h)


def _year_end(day: date, reading: Reading) -> bool:
    assert reading.year_end_from is not None
    return reading.year_end_from <= day <= date(reading.year_end_from.year, 12, 31)


def _same_day(expected: date, got: date, reading: Reading) -> bool:
    if (expected.month, expected.day) == (12, 31):
        return got.year == expected.year and _year_end(got, reading)
    return got == expected


# -- the plans as a whole -----------------------------------------------------------------------


@pytest.mark.parametrize("plan", _plans("tasks"))
def test_the_dry_run_counts_every_task_and_nothing_else(plan: dict[str, Any]) -> None:
    reading = _read(plan)
    assert len(reading.tasks) == plan["tasks"], [task.text for task in reading.tasks]


@pytest.mark.parametrize("plan", _plans("areas"))
def test_headings_map_to_the_eight_papi_areas(plan: dict[str, Any]) -> None:
    reading = _read(plan)
    counts: dict[int, int] = {}
    # Tasks under an unmapped heading belong to no area yet; they are not counted here.
    for task in reading.tasks:
        if task.area in range(1, 9):
            counts[task.area] = counts.get(task.area, 0) + 1
    expected = {int(number): count for number, count in plan["areas"].items()}
    assert counts == expected


@pytest.mark.parametrize("plan", _plans("headings"))
def test_closing_headings_are_skipped_and_foreign_ones_shown_unmapped(
    plan: dict[str, Any],
) -> None:
    reading = _read(plan)
    for printed, area in plan["headings"]:
        if area == "skipped":
            assert _mentions(reading.skipped, printed), (printed, reading.skipped)
        elif area == "unmapped":
            assert _mentions(reading.unmapped, printed), (printed, reading.unmapped)
            assert reading.unmapped_rows == plan["unmapped_tasks"], reading.unmapped_rows
        else:
            assert not _mentions(reading.skipped, printed), (printed, reading.skipped)
            assert not _mentions(reading.unmapped, printed), (printed, reading.unmapped)


@pytest.mark.parametrize("plan", _plans("not_tasks"))
def test_sub_headings_closing_rows_and_the_signature_are_not_tasks(
    plan: dict[str, Any],
) -> None:
    reading = _read(plan)
    for text in plan["not_tasks"]:
        assert not [task for task in reading.tasks if fold(text) in fold(task.text)], text


@pytest.mark.parametrize("plan", _plans("new_units"))
def test_units_not_yet_known_are_proposed_with_their_kind(plan: dict[str, Any]) -> None:
    reading = _read(plan)
    got = {_name(name): kind for name, kind in reading.new_units}
    expected = {_name(name): kind for name, kind in plan["new_units"]}
    assert got == expected


@pytest.mark.parametrize("plan", _plans("no_one"))
def test_phrases_naming_no_one_are_neither_proposed_nor_assigned(plan: dict[str, Any]) -> None:
    reading = _read(plan)
    proposed = {_name(name) for name, _ in reading.new_units}
    assigned = {_name(unit) for task in reading.tasks for unit in task.lead + task.coordinating}
    for phrase in plan["no_one"]:
        assert _name(phrase) not in proposed | assigned, phrase


@pytest.mark.parametrize("plan", _plans("hamlet_tasks"))
def test_group_names_mean_every_hamlet(plan: dict[str, Any]) -> None:
    reading = _read(plan)
    every = {task.text for task in reading.tasks if task.every_hamlet}
    expected = {_task(reading, text).text for text in plan["hamlet_tasks"]}
    assert every == expected


# -- sampled tasks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("plan", "sample"), _samples())
def test_each_task_gets_the_deadline_its_timeframe_says(
    plan: dict[str, Any], sample: dict[str, Any]
) -> None:
    reading = _read(plan)
    task = _task(reading, sample["text"])
    where = f"{sample['code']} «{sample['timeframe']}»: due {task.due}, repeat {task.repeat}"
    if "repeat" in sample:
        allowed = sample["repeat"] if isinstance(sample["repeat"], list) else [sample["repeat"]]
        assert task.repeat in allowed, where
    elif sample.get("year_end"):
        # Within one plan year, a yearly task and a task due once at the year end are alike.
        if task.repeat != "yearly":
            assert task.repeat is None, where
            assert len(task.due) == 1 and _year_end(task.due[0], reading), where
    else:
        expected = [_dmy(text) for text in sample["due"]]
        if task.repeat is not None and task.repeat == sample.get("or_repeat"):
            pass
        else:
            assert task.repeat is None, where
            assert len(task.due) == len(expected), where
            assert all(
                _same_day(want, got, reading) for want, got in zip(expected, task.due, strict=True)
            ), where
    if sample["guessed"] != "either":
        assert task.guessed is sample["guessed"], f"{where}: guessed {task.guessed}"


@pytest.mark.parametrize(("plan", "sample"), _samples("lead", "coordinating"))
def test_unit_cells_are_split_into_whole_names(
    plan: dict[str, Any], sample: dict[str, Any]
) -> None:
    reading = _read(plan)
    task = _task(reading, sample["text"])
    if "lead" in sample:
        assert [_name(u) for u in task.lead] == [_name(u) for u in sample["lead"]]
    if "coordinating" in sample:
        assert [_name(u) for u in task.coordinating] == [_name(u) for u in sample["coordinating"]]


@pytest.mark.parametrize(("plan", "sample"), _samples("target"))
def test_the_targets_column_is_kept_on_the_task(
    plan: dict[str, Any], sample: dict[str, Any]
) -> None:
    task = _task(_read(plan), sample["text"])
    assert task.target == sample["target"]


# -- the prose plan -----------------------------------------------------------------------------


@pytest.mark.parametrize("plan", _plans(refused=True))
def test_a_prose_plan_is_refused_as_prose_with_a_pointer_to_the_template(
    plan: dict[str, Any],
) -> None:
    reading = read_fixture(plan["file"], plan["year"])
    assert reading.refused is not None, "the prose plan was read as a table"
    # "prose", "prose_plan": the importer's reason names it as prose, however it spells it.
    assert reading.refused.reason.startswith(plan["refused"]), reading.refused.reason
    for piece in plan["message_has"]:
        assert piece in str(reading.refused), str(reading.refused)
    for piece in plan.get("message_lacks", ()):
        assert piece not in str(reading.refused), str(reading.refused)


# -- the fixtures hold what expected.toml says (guards edits to either) -------------------------


def _cells(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        # Read from bytes: a read-only workbook keeps its file open (a ResourceWarning).
        sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
        return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return texts


@pytest.mark.parametrize("plan", _plans("tasks"))
def test_every_expectation_names_something_in_its_fixture(plan: dict[str, Any]) -> None:
    cells = _cells(FIXTURES / plan["file"])
    text = "\n".join(cells)
    for sample in plan.get("samples", ()):
        assert sum(sample["text"] in cell for cell in cells) >= 1, sample["text"]
        assert sample["timeframe"] in cells, sample["timeframe"]
    for name, _ in plan.get("new_units", ()):
        assert name in text, name
    for printed, _ in plan["headings"]:
        assert printed in cells, printed
