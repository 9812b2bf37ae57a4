"""What handlers share for the life of the Application: settings, the database, the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, ContextTypes

from bot.settings import Settings
from bot.throttle import Throttle
from models.clock import utc_now
from models.db import SessionFactory


@dataclass
class Services:
    """Shared by all handlers of one Application."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Callable[[], datetime] = utc_now
    commune_id: int | None = None
    bot_username: str = ""
    # Someone the bot does not know gets one answer a minute; a group one note a day.
    # In memory: a restart costs at most one extra answer each.
    strangers: Throttle = field(
        default_factory=lambda: Throttle(timedelta(minutes=1), "unknown users")
    )
    groups: Throttle = field(default_factory=lambda: Throttle(timedelta(hours=24), "group chats"))
    # A wrong invite code is answered every 10 s: a person retyping it gets every answer, a
    # script guessing codes gets six a minute.
    code_attempts: Throttle = field(
        default_factory=lambda: Throttle(timedelta(seconds=10), "invite code attempts")
    )

    def now(self) -> datetime:
        """The current time (UTC), from the injectable clock."""
        return self.clock()


def services_of(source: ContextTypes.DEFAULT_TYPE | Application) -> Services:
    """The Services an Application was built with."""
    application = source if isinstance(source, Application) else source.application
    services = application.bot_data["services"]
    assert isinstance(services, Services)
    return services
