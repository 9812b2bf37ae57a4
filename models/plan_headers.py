"""Finding the task table's header in an office's plan: which column is which.

Offices name their columns in many ways ("Nội dung", "Nội dung công việc", "Nhiệm vụ";
"Cơ quan chủ trì", "Đơn vị thực hiện"; "Thời gian", "Tiến độ"…), in any case, with or without
diacritics, and often over two rows ("Đơn vị thực hiện" merged over "Chủ trì" | "Phối hợp").
A header cell is matched by its folded words: an exact spelling first, then the phrase it
starts with or holds. Pure: no file reading here (see :mod:`models.plan_grids`).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.textfold import fold

TT, AREA, TASK, TARGET, RESULT, LEAD, COORDINATING, TIMEFRAME = (
    "tt",
    "area",
    "task",
    "target",
    "result",
    "lead",
    "coordinating",
    "timeframe",
)
# The columns a task table must have: without the task's text or who leads it there is
# nothing to remind anyone of. The others are optional (no timeframe: the plan's year end).
REQUIRED = (TASK, LEAD)

# What each column is called when the bot names it (the template uses these headers).
COLUMN_LABELS: dict[str, str] = {
    TT: "TT",
    AREA: "Lĩnh vực",
    TASK: "Lĩnh vực/Nhiệm vụ",
    TARGET: "Chỉ tiêu",
    RESULT: "Kết quả",
    LEAD: "Cơ quan chủ trì",
    COORDINATING: "Cơ quan phối hợp",
    TIMEFRAME: "Thời gian thực hiện",
}

# Folded spellings that name a column exactly.
_EXACT: dict[str, frozenset[str]] = {
    TT: frozenset({"tt", "stt", "so tt", "so thu tu", "thu tu"}),
    # A column of its own naming each row's area (merged down over its tasks).
    AREA: frozenset({"linh vuc", "linh vuc papi", "chi so noi dung", "noi dung chi so"}),
    TASK: frozenset(
        {
            "linh vuc nhiem vu",
            "nhiem vu",
            "noi dung",
            "noi dung nhiem vu",
            "noi dung cong viec",
            "cong viec",
            "ten nhiem vu",
            "ten cong viec",
            "nhiem vu giai phap",
            "giai phap",
            "hoat dong",
            "ten hoat dong",
        }
    ),
    LEAD: frozenset(
        {
            "don vi thuc hien",
            "co quan thuc hien",
            "bo phan thuc hien",
            "co quan don vi thuc hien",
            "trach nhiem thuc hien",
            "don vi phu trach",
            "co quan phu trach",
            "bo phan phu trach",
            "can bo phu trach",
            "nguoi thuc hien",
            "don vi",
            "co quan",
        }
    ),
}
# Otherwise, the first rule whose phrase the folded header starts with (or, for the unit
# columns, holds) names it: "Chỉ tiêu năm 2024", "Thời gian thực hiện/hoàn thành",
# "Cơ quan, đơn vị chủ trì". Unit columns come first: "Đơn vị phối hợp thực hiện" is the
# coordinating column, not a timeframe.
_HOLDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (LEAD, ("chu tri",)),
    (COORDINATING, ("phoi hop",)),
)
_STARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TIMEFRAME, ("thoi gian", "thoi han", "tien do", "thoi diem")),
    (TARGET, ("chi tieu", "muc tieu")),
    (RESULT, ("ket qua", "san pham", "hinh thuc san pham")),
    (TASK, ("noi dung", "nhiem vu", "cac nhiem vu", "cong viec", "giai phap")),
)
# A header cell is short: a longer cell is a task's text, whatever words it holds.
_MAX_HEADER_WORDS = 8
# A column's number written in its header: "Nội dung (2)".
_NUMBERED_HEADER = re.compile(r"\(\s*\d{1,2}\s*\)")
# The row under some headers that numbers the columns: "(1) (2) (3) …".
_COLUMN_NUMBER = re.compile(r"\(?\d{1,2}\)?")
# How many rows a header may take (a title row merged over sub-headers, and those).
_MAX_HEADER_ROWS = 3


def column_of(text: str) -> str | None:
    """The column a header cell names, if any ("TT (1)" is "TT": the column's number goes)."""
    folded = fold(_NUMBERED_HEADER.sub(" ", text))
    if not folded or len(folded.split()) > _MAX_HEADER_WORDS:
        return None
    for key, spellings in _EXACT.items():
        if folded in spellings:
            return key
    padded = f" {folded} "
    for key, phrases in _HOLDS:
        if any(f" {phrase} " in padded for phrase in phrases):
            return key
    for key, phrases in _STARTS:
        if any(padded.startswith(f" {phrase} ") for phrase in phrases):
            return key
    return None


def is_column_numbers(texts: Sequence[str]) -> bool:
    """Whether a row only numbers the columns ("(1) (2) (3)"), as some headers have under."""
    filled = [text for text in texts if text]
    return len(filled) >= 2 and all(_COLUMN_NUMBER.fullmatch(text) for text in filled)


def is_header_again(texts: Sequence[str]) -> bool:
    """Whether a body row is the header (or its second row) again, as Word repeats it on
    each page: two cells or more naming a column, and at most one cell that does not (a
    column the bot does not read, "Ghi chú").
    """
    filled = [text for text in texts if text]
    named = [text for text in filled if column_of(text) is not None]
    return len(named) >= 2 and len(filled) - len(named) <= 1


@dataclass(frozen=True)
class Header:
    """The header found: the columns by key, the rows it takes, each column's own title."""

    columns: dict[str, int]
    first_row: int  # index into the grid's rows
    rows: int
    titles: dict[str, str]

    @property
    def missing(self) -> tuple[str, ...]:
        """The required columns it lacks."""
        return tuple(key for key in REQUIRED if key not in self.columns)


def read_header(rows: Sequence[Sequence[str]], first: int) -> Header:
    """The header starting at ``rows[first]``, taking the rows under it that name columns
    too (a sub-header wins over the merged title above it).
    """
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    taken = 0
    above: Sequence[str] = ()
    for offset, texts in enumerate(rows[first : first + _MAX_HEADER_ROWS]):
        found = {index: column_of(text) for index, text in enumerate(texts) if text}
        named = {index: key for index, key in found.items() if key is not None}
        # A cell merged down from the row above ("Ghi chú" over two rows) repeats its text.
        others = [
            index
            for index, key in found.items()
            if key is None and not (index < len(above) and above[index] == texts[index])
        ]
        if offset and (not named or others):
            break  # a body row, or the "(1) (2) (3)" row: the header ended above
        taken += 1
        above = texts
        for index, key in named.items():
            # Under a merged title ("Đơn vị thực hiện"), its sub-headers say which is which.
            for other, at in list(columns.items()):
                if at == index and other != key:
                    del columns[other]
                    titles.pop(other, None)
            if key not in columns or offset:
                columns[key] = index
                titles[key] = texts[index]
    return Header(columns, first, max(taken, 1), titles)


def find_header(rows: Sequence[Sequence[str]], within: int) -> tuple[Header | None, Header | None]:
    """The header among the first ``within`` rows, or (None, the nearest miss).

    A header names at least the task column and the lead column; the nearest miss is the
    row naming the most columns (None if no row names any).
    """
    nearest: Header | None = None
    for first in range(min(within, len(rows))):
        if not any(column_of(text) for text in rows[first]):
            continue
        header = read_header(rows, first)
        if not header.missing:
            return header, None
        if nearest is None or len(header.columns) > len(nearest.columns):
            nearest = header
    return None, nearest
