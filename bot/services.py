"""What handlers share for the life of the Application: settings, the database, the clock."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import Metrics
from bot.settings import Settings
from bot.throttle import Throttle
from models.clock import utc_now
from models.db import SessionFactory

if TYPE_CHECKING:
    from models.chat import Channel


@dataclass
class Services:
    """Shared by all handlers of one Application."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Callable[[], datetime] = utc_now
    # The configured commune ([commune] in the config): the default for single-commune
    # conveniences (the console, the tests). Members work in their own commune, whichever.
    commune_id: int | None = None
    bot_username: str = ""
    # Every chat channel this process speaks on, by name ("telegram", "zalo").
    channels: dict[str, "Channel"] = field(default_factory=dict)
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

    # This process's Prometheus metrics, and when its scheduler last ran a tick (/healthz).
    metrics: Metrics = field(default_factory=Metrics)
    last_tick: datetime | None = None

    # Work started after an update's commit that the update does not wait for (a fan-out,
    # reading a plan file): tracked so tests and shutdown can wait for it.
    background: set["asyncio.Task[object]"] = field(default_factory=set)

    def track(self, task: "asyncio.Task[object]") -> None:
        """Count ``task`` as background work until it is done."""
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def start(self, work: Coroutine[Any, Any, object]) -> None:
        """Run ``work`` in the background; a failure is logged (nobody waits for it)."""
        task = asyncio.get_running_loop().create_task(work)
        self.track(task)
        task.add_done_callback(_log_failure)

    async def settle(self) -> None:
        """Wait until the background work started so far (and any it starts) is done."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    def now(self) -> datetime:
        """The current time (UTC), from the injectable clock."""
        return self.clock()


def services_of(source: Any) -> Services:
    """The Services a PTB Application (or the context of one of its callbacks) was built
    with.
    """
    application = getattr(source, "application", source)
    services = application.bot_data["services"]
    assert isinstance(services, Services)
    return services


def _log_failure(task: "asyncio.Task[object]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger(__name__).error("background work failed", exc_info=task.exception())
