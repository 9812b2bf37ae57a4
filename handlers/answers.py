"""Reading typed answers: a number or a word, with or without diacritics."""

import re

from models.tables import Status
from models.textfold import fold

_STATUS_WORDS = {
    Status.NOT_STARTED: {"1", "chua thuc hien", "chua lam", "chua"},
    Status.IN_PROGRESS: {"2", "dang thuc hien", "dang lam", "dang"},
    Status.DONE: {"3", "hoan thanh", "da hoan thanh", "xong", "da xong"},
    Status.BLOCKED: {"4", "gap kho khan", "kho khan", "vuong mac", "vuong"},
}
_SKIP = {"bo qua", "bo", "skip", "khong", "khong co", "ko", "k"}
_YES = {"luu", "co", "dong y", "ok", "gui", "xac nhan", "1", "yes"}
_NO = {"huy", "khong", "thoi", "2", "no", "huy bo"}
_NEXT = {"sau", "tiep", "trang sau", "next"}
_PREVIOUS = {"truoc", "trang truoc", "lui", "prev"}
_TASK_CODE = re.compile(r"^\s*(\d{1,2})\s*[.,]\s*(\d{1,2})\s*$")
_PERCENT = re.compile(r"^\s*(\d{1,4})\s*%?\s*$")


def parse_status(text: str) -> Status | None:
    """Read a status: "2", "đang thực hiện" or "dang" is in progress; None if none."""
    folded = fold(text)
    return next((status for status, words in _STATUS_WORDS.items() if folded in words), None)


def parse_status_prefix(words: list[str]) -> tuple[Status | None, int]:
    """A status named by the first words of ``words`` (longest first), and how many it took.

    Bare numbers do not count here: in ``/baocao 6.3 2 …`` the 2 is a percent.
    """
    for length in (3, 2, 1):
        status = parse_status(" ".join(words[:length]))
        if status is not None and not words[0].isdigit():
            return status, length
    return None, 0


def parse_percent(text: str) -> int | None:
    """Read a percent: "75" or "75%" is 75; None if not a whole number (range: the domain)."""
    match = _PERCENT.match(text)
    return int(match.group(1)) if match else None


def parse_task_code(text: str) -> str | None:
    """Read a task code: "6.3", "6,3" or " 6 . 3 " is "6.3"; None if it is not one."""
    match = _TASK_CODE.match(text)
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def is_skip(text: str) -> bool:
    """Whether the text means "skip this step"."""
    return fold(text) in _SKIP


def is_yes(text: str) -> bool:
    """Whether the text confirms."""
    return fold(text) in _YES


def is_no(text: str) -> bool:
    """Whether the text declines."""
    return fold(text) in _NO


def page_move(text: str) -> int:
    """+1 for "next page", -1 for "previous page", 0 otherwise."""
    folded = fold(text)
    return 1 if folded in _NEXT else -1 if folded in _PREVIOUS else 0


# Row ids are 32-bit integers in PostgreSQL: a bigger number from a forged button or a typed
# line must be refused here, not passed to a query that then fails.
MAX_ROW_ID = 2**31 - 1


def parse_row_id(text: str) -> int | None:
    """A row id from a button's data or a typed number; None unless 0..MAX_ROW_ID."""
    if not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None
