"""Time in one place: now in UTC, the commune's quarter, Vietnamese date formats."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Read a stored time back as aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime, timezone: str) -> datetime:
    """``moment`` in the commune's timezone."""
    return as_utc(moment).astimezone(ZoneInfo(timezone))


def quarter_of(moment: datetime, timezone: str) -> str:
    """The quarter ``moment`` falls in, in the commune's timezone, e.g. ``"2023Q4"``."""
    here = local(moment, timezone)
    return f"{here.year}Q{(here.month - 1) // 3 + 1}"


def quarter_label(quarter: str) -> str:
    """``"2023Q4"`` as Vietnamese say it: ``"Quý IV/2023"``."""
    year, number = quarter.split("Q")
    return f"Quý {_ROMAN[int(number)]}/{year}"


def format_date(day: date) -> str:
    """A date in Vietnamese style: ``20/12/2023``."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_datetime(moment: datetime, timezone: str) -> str:
    """A time in the commune's timezone, Vietnamese style: ``08:05 20/12/2023``."""
    here = local(moment, timezone)
    return f"{here.hour:02d}:{here.minute:02d} {format_date(here.date())}"


def quarter_bounds(day: date) -> tuple[str, date, date]:
    """The quarter ``day`` falls in: its key (``"2026Q4"``), first and last day."""
    number = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * number - 2, 1)
    next_first = date(day.year + (number == 4), (3 * number) % 12 + 1, 1)
    return f"{day.year}Q{number}", first, next_first - timedelta(days=1)


def quarter_end_utc(quarter: str, timezone: str) -> datetime:
    """The first moment after ``quarter`` ends (``"2026Q2"``), in UTC."""
    year, number = (int(part) for part in quarter.split("Q"))
    _, _, last = quarter_bounds(date(year, 3 * number, 1))
    start_of_next = datetime.combine(last + timedelta(days=1), datetime.min.time())
    return start_of_next.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
