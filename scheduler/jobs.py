"""Wiring the scheduler into the Application: PTB's JobQueue (APScheduler 3.11 underneath)
runs a tick every few minutes, and once shortly after start-up to catch up; and, when
``[backup] dir`` is set, the daily backup.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from bot.services import services_of
from models.backup import BackupError, daily_backup
from models.clock import local
from models.db import transaction
from models.updates import forget_updates_before
from scheduler.runner import run_tick

log = logging.getLogger(__name__)

# How long an update stays marked as handled (Telegram keeps an update a day at most).
KEEP_UPDATE_MARKS = timedelta(days=3)


async def tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduled job: one tick, logged; an error is logged and the next tick retries."""
    services = services_of(context)
    try:
        result = await run_tick(services, context.bot)
    except Exception:
        log.exception("scheduler tick failed")
        return
    if result.recorded or (result.delivery and result.delivery.sent):
        log.info(
            "scheduler: %d due, %d new, %d sent%s",
            result.due,
            result.recorded,
            result.delivery.sent if result.delivery else 0,
            " (quiet hours: held)" if result.held else "",
        )


async def backup_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily backup: today's file (by the commune's date) into ``[backup] dir``, the
    oldest beyond ``keep`` deleted. The copy runs off the event loop (a thread for SQLite,
    a subprocess for pg_dump); a failure is logged and tomorrow's run tries again.
    """
    services = services_of(context)
    settings = services.settings
    if settings.backup.dir is None:
        return
    day = local(services.now(), settings.commune.timezone).date()
    try:
        path, size, removed = await daily_backup(
            settings.database_url, settings.backup.dir, settings.backup.keep, day
        )
    except BackupError as error:
        log.error("daily backup failed: %s", error)
        return
    except Exception:
        log.exception("daily backup failed")
        return
    log.info("daily backup: %s (%d bytes); %d old removed", path, size, len(removed))


async def forget_updates_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop the marks of updates handled days ago (Telegram redelivers within a day)."""
    services = services_of(context)
    try:
        async with transaction(services.sessions) as session:
            await forget_updates_before(session, services.now() - KEEP_UPDATE_MARKS)
    except Exception:
        log.exception("could not drop old update marks")


def schedule_jobs(application: Application) -> None:
    """Register the tick, and the daily backup if configured, with the Application's job
    queue (they run once the app starts).
    """
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    settings = services_of(application).settings
    every = timedelta(minutes=settings.reminders.check_every_minutes)
    queue.run_repeating(tick_job, interval=every, first=timedelta(seconds=10), name="reminders")
    queue.run_repeating(
        forget_updates_job, interval=timedelta(hours=6), first=timedelta(minutes=1),
        name="forget-updates",
    )  # fmt: skip
    if settings.backup.dir is not None:
        at = settings.backup.at.replace(tzinfo=ZoneInfo(settings.commune.timezone))
        queue.run_daily(backup_job, time=at, name="backup")
