"""What ``GET /healthz`` answers: whether the database is reachable, when this process's
scheduler last ran a tick, and how many reminders wait in the outbox.

The database gets one short ``SELECT 1`` (and the outbox count) under :data:`TIMEOUT`: a
load balancer polls this often, and a hung database must not hang the probe. HTTP 200 while
the database answers, 503 when it does not. ``status`` is "degraded" also when the
scheduler has not ticked for :data:`STALE_TICKS` of its intervals (the process still
serves, so a load balancer keeps it, but the tick is worth a look).
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import col, func, select

from bot.services import Services
from models.tables import Reminder, ReminderStatus

log = logging.getLogger(__name__)

TIMEOUT = 3.0
STALE_TICKS = 3
# Reminders recorded and not yet out: the scheduler's outbox.
WAITING = (ReminderStatus.PENDING, ReminderStatus.SENDING)


@dataclass(frozen=True)
class Health:
    """One answer to /healthz."""

    database_ok: bool
    last_tick: datetime | None
    outbox_backlog: int | None
    stale: bool

    @property
    def http_status(self) -> int:
        """200 while the database answers, else 503."""
        return 200 if self.database_ok else 503

    def as_json(self) -> dict[str, Any]:
        """The JSON body."""
        return {
            "status": "ok" if self.database_ok and not self.stale else "degraded",
            "database": "ok" if self.database_ok else "error",
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "outbox_backlog": self.outbox_backlog,
        }


async def outbox_backlog(services: Services) -> int:
    """How many reminders wait to be sent (all communes of the database)."""
    query = select(func.count()).select_from(Reminder).where(col(Reminder.status).in_(WAITING))
    async with services.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def check_health(services: Services, since: datetime) -> Health:
    """Check the database and the scheduler; ``since`` is when serving began (a tick is
    not overdue before one interval has passed).
    """
    backlog: int | None = None
    try:
        async with asyncio.timeout(TIMEOUT):
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            backlog = await outbox_backlog(services)
        database_ok = True
    except Exception as error:
        # The reason is for the log; the probe only needs the verdict.
        log.warning("health check: the database did not answer: %r", error)
        database_ok = False
    if backlog is not None:
        services.metrics.outbox_backlog.set(backlog)
    every = timedelta(minutes=services.settings.reminders.check_every_minutes)
    reference = services.last_tick or since
    stale = services.now() - reference > STALE_TICKS * every
    return Health(database_ok, services.last_tick, backlog, stale)
