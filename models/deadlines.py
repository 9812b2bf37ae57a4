"""A task's deadline, read from the timeframe column of a plan ("Thời gian thực hiện").

Pure: no database. Plans say when a task is due in many ways: "Thường xuyên", "Hằng quý",
"Định kỳ hằng tháng", "Quý I/2024", "Trước ngày 30/6/2024", "Tháng 6 và tháng 12/2022",
"6 tháng đầu năm", "Năm 2024", "2017-2020"… :func:`read_timeframe` reads them, case and
diacritics aside, into a :class:`Deadline`: a repeat, or one or more due dates.

What each repeat means for the reminders (see :mod:`scheduler.rules`):

- ``ongoing`` ("Thường xuyên") and ``quarterly``: reported every quarter, as the seed's
  "Thường xuyên" tasks always were.
- ``monthly``: reported every quarter too, and prompted each month to the units that have not
  reported it that month.
- ``half_yearly`` ("6 tháng một lần"): reported every quarter, with a deadline before 30/06
  and before the plan's year-end report.
- ``yearly`` ("Năm 2024", "Hằng năm", "Cuối năm", a range of years such as "2017-2020"): due
  by the plan's year-end report (20/12 in the seed). A range of years is a task that repeats
  each year of the range: within one plan year it is a yearly task; a plan year outside the
  range is flagged.
- ``once``: due on its own dates ("Quý I/2024" is due 31/03/2024).

Anything not understood is a yearly task, marked ``guessed`` so that the dry run shows it. A
date or year outside the plan's year is kept and marked ``outside_year``.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from models.clock import format_date
from models.tables import Task, Timeframe
from models.textfold import fold


class Repeat(StrEnum):
    """How often a task is due."""

    ONCE = "once"
    YEARLY = "yearly"
    HALF_YEARLY = "half_yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    ONGOING = "ongoing"


# Repeats reported every quarter (models.reports.owes_report: a report each quarter).
_EACH_QUARTER = frozenset({Repeat.ONGOING, Repeat.QUARTERLY, Repeat.MONTHLY, Repeat.HALF_YEARLY})


@dataclass(frozen=True)
class Deadline:
    """When a task is due.

    Attributes:
        repeat: how often.
        dates: the due dates of a ``once`` task, in order (empty for the others).
        guessed: the text was not understood: the task is taken as due by the year end.
        outside_year: a date or year the text names is not the plan's year.
        span: the years of a range ("2017-2020"), for a yearly task.
    """

    repeat: Repeat
    dates: tuple[date, ...] = ()
    guessed: bool = False
    outside_year: bool = False
    span: tuple[int, int] | None = None

    @property
    def timeframe(self) -> Timeframe:
        """The older two-way reading: reported each quarter (ongoing), or once by a date."""
        return Timeframe.ONGOING if self.repeat in _EACH_QUARTER else Timeframe.YEAR

    def due_days(self, year_end: date) -> tuple[date, ...]:
        """The days the task is due, given the plan's year-end report deadline."""
        if self.repeat == Repeat.ONCE:
            return self.dates
        if self.repeat == Repeat.YEARLY:
            return (year_end,)
        if self.repeat == Repeat.HALF_YEARLY:
            return tuple(sorted({date(year_end.year, 6, 30), year_end}))
        return ()


YEAR_END = Deadline(Repeat.YEARLY)

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# A separator between two numbers ("30/6", "30-6", "30.6", "2017–2020") becomes this letter,
# so that fold() keeps "30x6x2024" as one word instead of three loose numbers.
_JOIN = re.compile(r"(?<=\d)\s*[/.\-–—]\s*(?=\d)")
_FULL_DATE = re.compile(r"^(\d{1,2})x(\d{1,2})x(\d{4}|\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})x(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})x(\d{4})$")
_YEAR_RANGE = re.compile(r"^((?:19|20)\d\d)x((?:19|20)\d\d)$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_NUMBER = re.compile(r"^\d{1,2}$")

_MONTHLY = ("hang thang", "moi thang", "thang mot lan", "thang 1 lan")
_QUARTERLY = ("hang quy", "moi quy", "quy mot lan", "quy 1 lan", "dinh ky quy", "theo quy")
_HALF_YEARLY = (
    "6 thang mot lan", "6 thang 1 lan", "hang 6 thang", "moi 6 thang", "dinh ky 6 thang",
    "sau thang mot lan", "6 thang va nam", "6 thang va 1 nam", "6 thang va ca nam",
)  # fmt: skip
_FIRST_HALF = ("6 thang dau nam", "sau thang dau nam")
_YEARLY = ("hang nam", "moi nam", "ca nam", "cuoi nam", "trong nam")


def read_timeframe(text: str, plan_year: int) -> Deadline:
    """Read a timeframe cell of a plan for ``plan_year``. Never raises."""
    words = fold(_JOIN.sub("x", text))
    padded = f" {words} "
    if not words:
        return Deadline(Repeat.YEARLY, guessed=True)

    def says(*phrases: str) -> bool:
        return any(f" {phrase} " in padded for phrase in phrases)

    # Weekly work ("Hằng tuần") is routine: reported each quarter like "Thường xuyên".
    if says("thuong xuyen", "lien tuc", "hang tuan", "moi tuan", "tuan mot lan"):
        return Deadline(Repeat.ONGOING)
    # Half-yearly first: "6 tháng một lần" also says "tháng một lần".
    if says(*_HALF_YEARLY) or words in ("6 thang", "dinh ky 6 thang"):
        return Deadline(Repeat.HALF_YEARLY)
    if says(*_MONTHLY):
        return Deadline(Repeat.MONTHLY)
    if says(*_QUARTERLY):
        return Deadline(Repeat.QUARTERLY)
    tokens = words.split()
    if not says("cuoi nam"):
        dates = _dates(tokens, plan_year)
        if says(*_FIRST_HALF):
            dates = dates or (date(_stated_year(tokens) or plan_year, 6, 30),)
        if dates:
            outside = any(day.year != plan_year for day in dates)
            return Deadline(Repeat.ONCE, dates, outside_year=outside)
    return _yearly(tokens, plan_year, understood=says(*_YEARLY))


def _yearly(tokens: list[str], plan_year: int, understood: bool) -> Deadline:
    """A task due by the year end: "Năm 2024", "Hằng năm", "2017-2020", or not understood."""
    span = _span(tokens)
    years = [int(token) for token in tokens if _YEAR.match(token)]
    if span is not None:
        outside = not span[0] <= plan_year <= span[1]
        return Deadline(Repeat.YEARLY, outside_year=outside, span=span)
    # Only years and the words of a year ("Năm 2024", "Trong năm 2024") are a year task.
    plain = all(_YEAR.match(token) or token in ("nam", "trong", "ke", "hoach") for token in tokens)
    understood = understood or (bool(years) and plain)
    outside = any(year != plan_year for year in years)
    return Deadline(Repeat.YEARLY, guessed=not understood, outside_year=outside)


def _span(tokens: list[str]) -> tuple[int, int] | None:
    for token in tokens:
        match = _YEAR_RANGE.match(token)
        if match and int(match[1]) <= int(match[2]):
            return int(match[1]), int(match[2])
    years = [int(token) for token in tokens if _YEAR.match(token)]
    if len(years) == 2 and years[0] < years[1] and ("den" in tokens or "giai" in tokens):
        return years[0], years[1]
    return None


def _stated_year(tokens: list[str]) -> int | None:
    """The last year the text names, alone or at the end of a date ("12/2022")."""
    found = None
    for token in tokens:
        last = token.rsplit("x", 1)[-1]
        if _YEAR.match(last):
            found = int(last)
    return found


def _dates(tokens: list[str], plan_year: int) -> tuple[date, ...]:
    """The due dates the words name: full dates, day/month, months, quarters. A date
    without its year takes the year of the next one that has it, else the plan's year.
    """
    # (day or None for a month's end, month, year or None), in the order written.
    found: list[tuple[int | None, int, int | None]] = []
    index = 0
    while index < len(tokens):
        token, after = tokens[index], tokens[index + 1 : index + 5]
        step = 1
        if token == "ngay" and len(after) >= 3 and after[1] == "thang" and _NUMBER.match(after[0]):
            # "ngày 30 tháng 6 (năm 2024)"
            if _NUMBER.match(after[2]):
                year = _year_after(tokens[index + 4 : index + 6])
                found.append((int(after[0]), int(after[2]), year))
                step = 4 if year is None else 6
        elif token == "thang" and after:
            # "tháng 6", "tháng 6/2024", "tháng 6 năm 2024", "tháng 6, 12/2022"
            step = _months(after, found) + 1
        elif token == "quy" and after:
            step = _quarters(after, found) + 1
        elif match := _FULL_DATE.match(token):
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            found.append((int(match[1]), int(match[2]), year))
        elif match := _MONTH_YEAR.match(token):
            found.append((None, int(match[1]), int(match[2])))
        elif match := _DAY_MONTH.match(token):
            found.append((int(match[1]), int(match[2]), None))
        index += step
    # "Từ 01/01 đến 30/6": the end of a period is when it is due.
    if "den" in tokens and len(found) > 1:
        found = found[-1:]
    return _resolve(found, plan_year)


def _year_after(words: list[str]) -> int | None:
    if len(words) >= 2 and words[0] == "nam" and _YEAR.match(words[1]):
        return int(words[1])
    return None


def _months(words: list[str], found: list[tuple[int | None, int, int | None]]) -> int:
    """Read months after "tháng": "6", "6 va 12", "12x2022", "6 nam 2024". Returns how many
    words were read.
    """
    read = 0
    while read < len(words):
        word = words[read]
        if match := _MONTH_YEAR.match(word):
            found.append((None, int(match[1]), int(match[2])))
        elif _NUMBER.match(word):
            year = _year_after(words[read + 1 : read + 3])
            found.append((None, int(word), year))
            read += 2 if year is not None else 0
        elif word not in ("va", "thang") or not read:
            break
        read += 1
    return read


def _quarters(words: list[str], found: list[tuple[int | None, int, int | None]]) -> int:
    """Read quarters after "quý": "i", "1x2024", "i va iii", "ii nam 2024"."""
    read = 0
    while read < len(words):
        word = words[read]
        number, _, year = word.partition("x")
        if number in _ROMAN and (not year or _YEAR.match(year)):
            found.append((None, 3 * _ROMAN[number], int(year) if year else None))
            if not year and read + 1 < len(words) and _YEAR.match(words[read + 1]):
                found[-1] = (None, 3 * _ROMAN[number], int(words[read + 1]))
                read += 1
            elif not year and (stated := _year_after(words[read + 1 : read + 3])):
                found[-1] = (None, 3 * _ROMAN[number], stated)
                read += 2
        elif word not in ("va", "quy") or not read:
            break
        read += 1
    return read


def _resolve(found: list[tuple[int | None, int, int | None]], plan_year: int) -> tuple[date, ...]:
    days: set[date] = set()
    for position, (day, month, year) in enumerate(found):
        if year is None:
            later = [y for _, _, y in found[position + 1 :] if y is not None]
            year = later[0] if later else plan_year
        if not 1 <= month <= 12 or not 1900 <= year <= 2100:
            continue
        last = calendar.monthrange(year, month)[1]
        if day is None:
            days.add(date(year, month, last))
        elif 1 <= day <= last:
            days.add(date(year, month, day))
    return tuple(sorted(days))


def describe_deadline(deadline: Deadline, year_end: date) -> str:
    """The deadline in a few Vietnamese words, for the dry run: "Trước 31/03/2024",
    "Hằng quý", "(đoán) Cuối năm 20/12/2024".
    """
    if deadline.repeat == Repeat.ONGOING:
        text = "Thường xuyên (báo cáo hằng quý)"
    elif deadline.repeat == Repeat.MONTHLY:
        text = "Hằng tháng"
    elif deadline.repeat == Repeat.QUARTERLY:
        text = "Hằng quý"
    elif deadline.repeat == Repeat.HALF_YEARLY:
        text = f"6 tháng một lần ({_dates_text(deadline.due_days(year_end))})"
    elif deadline.repeat == Repeat.ONCE and deadline.dates:
        text = _dates_text(deadline.dates)
        text = f"Trước {text}" if len(deadline.dates) == 1 else text
    else:
        text = f"Cuối năm {format_date(year_end)}"
        if deadline.span is not None:
            text += f" (hằng năm {deadline.span[0]}–{deadline.span[1]})"
    if deadline.outside_year and deadline.repeat == Repeat.YEARLY and deadline.span is None:
        # "Năm 2024" read into the 2026 plan: its year-end is 2026's; the file said another.
        text += f" (tệp ghi năm khác, không phải {year_end.year})"
    elif deadline.outside_year:
        text += f" (ngoài năm {year_end.year})"
    return f"(đoán) {text}" if deadline.guessed else text


def _dates_text(days: tuple[date, ...]) -> str:
    """Dates as "30/06 và 31/12/2024": the year once when all are in the same year."""
    if len({day.year for day in days}) == 1:
        heads = [f"{day.day:02d}/{day.month:02d}" for day in days[:-1]]
        return " và ".join([*heads, format_date(days[-1])])
    return " và ".join(format_date(day) for day in days)


def encode_dates(days: tuple[date, ...]) -> str:
    """Due dates as stored in a task row: ISO dates, comma-separated."""
    return ",".join(day.isoformat() for day in days)


def decode_dates(text: str) -> tuple[date, ...]:
    """The due dates of a task row; an unreadable part is skipped."""
    days = []
    for part in text.split(","):
        try:
            days.append(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return tuple(sorted(days))


def row_values(deadline: Deadline) -> dict[str, Any]:
    """The deadline as a task row stores it (models.tables.Task)."""
    return {
        "repeat": deadline.repeat.value,
        "due_dates": encode_dates(deadline.dates),
        "deadline_guessed": deadline.guessed,
    }


def task_deadline(task: Task) -> Deadline:
    """The deadline a task row stores. A repeat this code does not know is a yearly task;
    a row written without a repeat (the default) keeps what its timeframe says.
    """
    try:
        repeat = Repeat(task.repeat)
    except ValueError:
        repeat = Repeat.YEARLY
    if repeat == Repeat.YEARLY and task.timeframe == Timeframe.ONGOING:
        repeat = Repeat.ONGOING
    dates = decode_dates(task.due_dates) if repeat == Repeat.ONCE else ()
    if repeat == Repeat.ONCE and not dates:
        repeat = Repeat.YEARLY
    return Deadline(repeat, dates, guessed=task.deadline_guessed)


def same_deadline(task: Task, deadline: Deadline) -> bool:
    """Whether the task row stores ``deadline`` (what a re-import compares)."""
    return all(getattr(task, name) == value for name, value in row_values(deadline).items())
