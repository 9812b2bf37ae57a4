"""Wiring the scheduler into the Application: PTB's JobQueue (APScheduler 3.11 underneath)
runs a tick every few minutes, and once shortly after start-up to catch up.
"""

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.services import services_of
from scheduler.runner import run_tick

log = logging.getLogger(__name__)


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


def schedule_jobs(application: Application) -> None:
    """Register the tick with the Application's job queue (it runs once the app starts)."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    every = timedelta(minutes=services_of(application).settings.reminders.check_every_minutes)
    queue.run_repeating(tick_job, interval=every, first=timedelta(seconds=10), name="reminders")
