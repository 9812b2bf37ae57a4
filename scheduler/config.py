"""The reminder schedule's settings (the `[reminders]` table of config.toml)."""

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class RemindersSettings:
    """When the scheduler prompts, reminds and escalates (see README, "Reminders")."""

    send_at: time = time(8, 0)
    quarterly_days_before: int = 7
    deadline_days_before: tuple[int, ...] = (14, 7, 3, 1)
    overdue_nudges: int = 3
    anticorruption_days_before: int = 10
    digest_weekday: int = 0  # Monday
    digest_at: time = time(7, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    skip_weekends: bool = True
    check_every_minutes: int = 5
    # Evenly paced; bot/app.py also caps any one second at 29 (Telegram takes 30).
    messages_per_second: float = 29.0
