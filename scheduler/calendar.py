"""Working days in Vietnam: weekends and public holidays (Tết included) from the
``holidays`` package's Vietnam calendar, not a hand-kept list.
"""

from datetime import date, timedelta
from functools import cached_property
from typing import Any


class WorkCalendar:
    """Which days a prompt may go out on."""

    def __init__(self, skip_weekends: bool = True) -> None:
        self.skip_weekends = skip_weekends

    @cached_property
    def _holidays(self) -> Any:
        # About 50 ms to import: paid at the first date checked, not at every start.
        import holidays

        return holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        """Not a public holiday, and not a weekend unless weekends are working days."""
        if self.skip_weekends and day.weekday() >= 5:
            return False
        return day not in self._holidays

    def holiday(self, day: date) -> str | None:
        """The holiday's name, if ``day`` is one."""
        return self._holidays.get(day)

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the one before."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days_after(self, day: date, count: int) -> list[date]:
        """The first ``count`` working days after ``day``."""
        found: list[date] = []
        while len(found) < count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                found.append(day)
        return found
