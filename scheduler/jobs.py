"""The scheduled jobs: a tick every few minutes (and once shortly after start-up, to catch
up), dropping old update marks, and, when ``[backup] dir`` is set, the daily backup.

They run on APScheduler 3.11: through PTB's JobQueue when Telegram is on
(:func:`schedule_jobs`), or on a scheduler of their own when only Zalo is
(:func:`start_scheduler`). Each job takes the Services only.
"""

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.services import Services, services_of
from models.backup import BackupError, daily_backup
from models.clock import local
from models.db import transaction
from models.updates import forget_updates_before
from scheduler.runner import run_tick

log = logging.getLogger(__name__)

# How long an update stays marked as handled (Telegram keeps an update a day at most).
KEEP_UPDATE_MARKS = timedelta(days=3)


async def tick_job(services: Services) -> None:
    """The scheduled job: one tick, logged; an error is logged and the next tick retries."""
    try:
        result = await run_tick(services)
    except Exception:
        log.exception("scheduler tick failed")
        return
    # For /healthz: this process's scheduler is alive (a tick another instance holds the
    # lock for counts too).
    services.last_tick = services.now()
    if result.recorded or (result.delivery and result.delivery.sent):
        log.info(
            "scheduler: %d due, %d new, %d sent%s",
            result.due,
            result.recorded,
            result.delivery.sent if result.delivery else 0,
            " (quiet hours: held)" if result.held else "",
        )


async def backup_job(services: Services) -> None:
    """The daily backup: today's file (by the commune's date) into ``[backup] dir``, the
    oldest beyond ``keep`` deleted. The copy runs off the event loop (a thread for SQLite,
    a subprocess for pg_dump); a failure is logged and tomorrow's run tries again.
    """
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


async def forget_updates_job(services: Services) -> None:
    """Drop the marks of updates handled days ago (Telegram redelivers within a day)."""
    try:
        async with transaction(services.sessions) as session:
            await forget_updates_before(session, services.now() - KEEP_UPDATE_MARKS)
    except Exception:
        log.exception("could not drop old update marks")


def _on_ptb(job: Any) -> Any:
    """A job as PTB's JobQueue calls it (with a context)."""

    async def run(context: Any) -> None:
        await job(services_of(context))

    run.__name__ = job.__name__
    return run


def schedule_jobs(application: Any) -> None:
    """Register the tick, and the daily backup if configured, with a PTB Application's job
    queue (they run once the app starts).
    """
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    settings = services_of(application).settings
    every = timedelta(minutes=settings.reminders.check_every_minutes)
    queue.run_repeating(
        _on_ptb(tick_job), interval=every, first=timedelta(seconds=10), name="reminders"
    )
    queue.run_repeating(
        _on_ptb(forget_updates_job), interval=timedelta(hours=6), first=timedelta(minutes=1),
        name="forget-updates",
    )  # fmt: skip
    if settings.backup.dir is not None:
        at = settings.backup.at.replace(tzinfo=ZoneInfo(settings.commune.timezone))
        queue.run_daily(_on_ptb(backup_job), time=at, name="backup")


def start_scheduler(services: Services) -> AsyncIOScheduler:
    """The same jobs on an APScheduler of their own (no Telegram in this process); the
    caller shuts it down.
    """
    settings = services.settings
    scheduler = AsyncIOScheduler(timezone="UTC")
    now = services.now()
    every = IntervalTrigger(minutes=settings.reminders.check_every_minutes)
    scheduler.add_job(tick_job, every, args=[services], name="reminders",
                      next_run_time=now + timedelta(seconds=10))  # fmt: skip
    scheduler.add_job(forget_updates_job, IntervalTrigger(hours=6), args=[services],
                      name="forget-updates")  # fmt: skip
    if settings.backup.dir is not None:
        at = settings.backup.at
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=settings.commune.timezone)
        scheduler.add_job(backup_job, trigger, args=[services], name="backup")
    scheduler.start()
    return scheduler
