"""Reading a task's deadline from the timeframe column (models/deadlines.py)."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.deadlines import (
    Deadline,
    Repeat,
    describe_deadline,
    read_timeframe,
    row_values,
    same_deadline,
    task_deadline,
)
from models.plan_data import PlanSpec, deadline_lines, parse_timeframe
from models.tables import Task, Timeframe

YEAR_END = date(2024, 12, 20)


def d(day: int, month: int, year: int = 2024) -> date:
    return date(year, month, day)


@pytest.mark.parametrize(
    ("text", "repeat", "dates"),
    [
        ("Thường xuyên", Repeat.ONGOING, ()),
        ("THƯỜNG XUYÊN", Repeat.ONGOING, ()),
        ("thuong xuyen", Repeat.ONGOING, ()),
        ("Hằng tuần", Repeat.ONGOING, ()),  # weekly routine work: reported each quarter
        ("hàng tuần", Repeat.ONGOING, ()),
        ("Hằng năm", Repeat.YEARLY, ()),
        ("Năm 2024", Repeat.YEARLY, ()),
        ("trong năm 2024", Repeat.YEARLY, ()),
        ("Cuối năm", Repeat.YEARLY, ()),
        ("Hằng quý", Repeat.QUARTERLY, ()),
        ("hàng quý", Repeat.QUARTERLY, ()),
        ("Hằng tháng", Repeat.MONTHLY, ()),
        ("hàng tháng", Repeat.MONTHLY, ()),
        ("Định kỳ hằng tháng", Repeat.MONTHLY, ()),
        ("6 tháng", Repeat.HALF_YEARLY, ()),
        ("Định kỳ 6 tháng một lần", Repeat.HALF_YEARLY, ()),
        ("Quý I/2024", Repeat.ONCE, (d(31, 3),)),
        ("Quý 1", Repeat.ONCE, (d(31, 3),)),
        ("quy 1/2024", Repeat.ONCE, (d(31, 3),)),
        ("Quý IV năm 2024", Repeat.ONCE, (d(31, 12),)),
        ("quý I và quý III", Repeat.ONCE, (d(31, 3), d(30, 9))),
        ("Quý I, II năm 2024", Repeat.ONCE, (d(31, 3), d(30, 6))),
        ("trong quý II", Repeat.ONCE, (d(30, 6),)),
        ("Trước ngày 30/6/2024", Repeat.ONCE, (d(30, 6),)),
        ("Trước 30-6-2024", Repeat.ONCE, (d(30, 6),)),
        ("trước 30.06.2024", Repeat.ONCE, (d(30, 6),)),
        ("trước 31/3", Repeat.ONCE, (d(31, 3),)),
        ("ngày 30 tháng 6 năm 2024", Repeat.ONCE, (d(30, 6),)),
        ("Từ 01/01 đến 30/6/2024", Repeat.ONCE, (d(30, 6),)),
        ("tháng 3/2024", Repeat.ONCE, (d(31, 3),)),
        ("Trong tháng 2", Repeat.ONCE, (d(29, 2),)),
        ("Tháng 6 và tháng 12/2024", Repeat.ONCE, (d(30, 6), d(31, 12))),
        ("6 tháng đầu năm", Repeat.ONCE, (d(30, 6),)),
        ("30/06 và 31/12/2024", Repeat.ONCE, (d(30, 6), d(31, 12))),
    ],
)
def test_the_forms_plans_use_are_read(text: str, repeat: Repeat, dates: tuple[date, ...]) -> None:
    deadline = read_timeframe(text, 2024)
    assert (deadline.repeat, deadline.dates) == (repeat, dates)
    assert not deadline.guessed and not deadline.outside_year


@pytest.mark.parametrize("text", ["", "   ", "Năm học 2024", "Khi có yêu cầu", "31/2/2024"])
def test_what_is_not_understood_is_a_guessed_year_end_task(text: str) -> None:
    deadline = read_timeframe(text, 2024)
    assert deadline.repeat == Repeat.YEARLY and deadline.guessed
    assert deadline.due_days(YEAR_END) == (YEAR_END,)
    assert describe_deadline(deadline, YEAR_END) == "(đoán) Cuối năm 20/12/2024"


def test_a_range_of_years_is_yearly_and_flagged_outside_it() -> None:
    inside = read_timeframe("2021-2025", 2024)
    assert (inside.repeat, inside.span, inside.outside_year) == (
        Repeat.YEARLY,
        (2021, 2025),
        False,
    )
    assert inside.due_days(YEAR_END) == (YEAR_END,)
    assert read_timeframe("Giai đoạn 2021 – 2025", 2024).span == (2021, 2025)
    outside = read_timeframe("2017-2020", 2024)
    assert outside.span == (2017, 2020) and outside.outside_year and not outside.guessed


def test_a_date_outside_the_plan_year_is_kept_but_flagged() -> None:
    deadline = read_timeframe("Tháng 6 và tháng 12/2022", 2024)
    assert deadline.dates == (d(30, 6, 2022), d(31, 12, 2022)) and deadline.outside_year
    assert read_timeframe("Quý I/2022", 2024).outside_year
    assert read_timeframe("Năm 2023", 2024).outside_year


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Hằng quý", "Hằng quý"),
        ("Quý I/2024", "Trước 31/03/2024"),
        ("Định kỳ hằng tháng", "Hằng tháng"),
        ("Tháng 6 và tháng 12", "30/06 và 31/12/2024"),
        ("Thường xuyên", "Thường xuyên (báo cáo hằng quý)"),
        ("Năm 2024", "Cuối năm 20/12/2024"),
        ("6 tháng", "6 tháng một lần (30/06 và 20/12/2024)"),
        ("Quý IV/2023", "Trước 31/12/2023 (ngoài năm 2024)"),
        ("Năm 2023", "Cuối năm 20/12/2024 (tệp ghi năm khác, không phải 2024)"),
        ("2017-2020", "Cuối năm 20/12/2024 (hằng năm 2017–2020) (ngoài năm 2024)"),
    ],
)
def test_descriptions(text: str, shown: str) -> None:
    assert describe_deadline(read_timeframe(text, 2024), YEAR_END) == shown


def test_repeats_map_onto_the_older_two_way_timeframe() -> None:
    assert parse_timeframe("Thường xuyên") == Timeframe.ONGOING
    assert parse_timeframe("Hằng quý") == Timeframe.ONGOING
    assert parse_timeframe("Hàng tháng") == Timeframe.ONGOING
    assert parse_timeframe("Năm 2023") == Timeframe.YEAR
    assert parse_timeframe("Quý I/2024") == Timeframe.YEAR
    assert parse_timeframe("") == Timeframe.YEAR


def test_a_task_row_stores_and_gives_back_its_deadline() -> None:
    deadline = read_timeframe("quý I và quý III", 2024)
    task = Task(
        commune_id=1, plan_id=1, area_id=1, code="1.1", area_number=1, position=1, text="x",
        result="", lead_text="", coordinating_text="", timeframe_text="", **row_values(deadline),
    )  # fmt: skip
    assert task_deadline(task) == deadline
    assert same_deadline(task, deadline)
    assert not same_deadline(task, read_timeframe("Quý I", 2024))
    # A row from before deadlines were read (the migration's defaults) is a year task.
    old = replace(deadline, repeat=Repeat.YEARLY, dates=())
    assert task_deadline(Task(**{**task.model_dump(), "repeat": "yearly", "due_dates": ""})) == old
    assert task_deadline(Task(**{**task.model_dump(), "repeat": "???"})).repeat == Repeat.YEARLY
    # A row written without its repeat (e.g. copied by a rollover) keeps its timeframe's.
    ongoing = Task(**{**task.model_dump(), "repeat": "yearly", "timeframe": "ongoing"})
    assert task_deadline(ongoing).repeat == Repeat.ONGOING


def test_the_seed_reads_as_before(plan_spec: PlanSpec) -> None:
    deadlines = [plan_spec.deadline_of(task, 2026) for task in plan_spec.tasks]
    assert len(deadlines) == 46
    assert {dl.repeat for dl in deadlines} == {Repeat.ONGOING, Repeat.YEARLY}
    assert sum(dl.repeat == Repeat.ONGOING for dl in deadlines) == 22
    # "Năm 2023" in the 2026 plan is 2026's: not flagged, not guessed.
    assert not any(dl.guessed or dl.outside_year for dl in deadlines)
    assert [t.timeframe for t in plan_spec.tasks] == [dl.timeframe for dl in deadlines]


def test_deadline_lines_name_each_task_and_quote_what_was_guessed(plan_spec: PlanSpec) -> None:
    first = plan_spec.areas[0]
    tasks = (
        replace(first.tasks[0], timeframe_text="Quý I/2026"),
        replace(first.tasks[1], timeframe_text="Năm học 2026"),
        replace(first.tasks[2], timeframe_text=""),
    )
    spec = replace(plan_spec, areas=(replace(first, tasks=tasks),))
    assert deadline_lines(spec, 2026) == [
        "1.1 · Trước 31/03/2026",
        "1.2 · (đoán) Cuối năm 20/12/2026 ← «Năm học 2026»",
        "1.3 · (đoán) Cuối năm 20/12/2026 ← (ô trống)",
    ]
    seed = deadline_lines(plan_spec, 2026)
    assert len(seed) == 46 and seed[0] == "1.1 · Cuối năm 20/12/2026"
    assert not any("đoán" in line for line in seed)


_WORDS = st.sampled_from(
    ["quý", "Quý", "tháng", "ngày", "trước", "và", "năm", "hằng", "hàng", "I", "IV", "6", "đầu",
     "cuối", "từ", "đến", "2024", "12/2022", "31/3", "30-6-2024", "2017-2020", "/", "-", "."]
)  # fmt: skip


@given(st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=8).map(" ".join)))
def test_any_text_is_read_without_raising_into_a_real_deadline(text: str) -> None:
    deadline = read_timeframe(text, 2024)
    assert isinstance(deadline, Deadline)
    assert all(isinstance(day, date) for day in deadline.dates)
    assert list(deadline.dates) == sorted(set(deadline.dates))
    assert (deadline.repeat == Repeat.ONCE) == bool(deadline.dates)
    assert deadline.due_days(YEAR_END) or deadline.timeframe == Timeframe.ONGOING
    shown = describe_deadline(deadline, YEAR_END)
    assert shown == describe_deadline(deadline, YEAR_END)
    # The description, read again, is the same deadline (the guess mark aside).
    again = read_timeframe(shown, 2024)
    assert (again.repeat, again.dates, again.span) == (
        deadline.repeat, deadline.dates, deadline.span,
    )  # fmt: skip
    assert _core(describe_deadline(again, YEAR_END)) == _core(shown)


def _core(shown: str) -> str:
    """A description without the marks a re-read may not keep (a guess, a year outside)."""
    for mark in (" (ngoài năm 2024)", " (tệp ghi năm khác, không phải 2024)"):
        shown = shown.replace(mark, "")
    return shown.removeprefix("(đoán) ")
