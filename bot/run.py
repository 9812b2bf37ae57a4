"""Running the bot for real: every channel that has a token, in one process.

Telegram runs through PTB, by polling or by webhook (:mod:`bot.webhook`, which also
serves /healthz and /metrics), with the scheduler on PTB's job queue. Zalo runs
beside it (polling or webhook, :mod:`bot.zalo.runner`) on the same Services, so a member
reaches the same conversation, database and outbox on either channel. With Zalo alone the
scheduler runs on an APScheduler of its own.
"""

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from bot.app import build_application, prepare_commune, start_application, stop_application
from bot.services import Services, services_of
from bot.settings import Settings
from bot.webhook import TelegramWebhook

if TYPE_CHECKING:
    from bot.zalo.client import ZaloClient
    from bot.zalo.runner import ZaloRunner
from models.db import create_engine, session_factory
from scheduler.jobs import start_scheduler

log = logging.getLogger(__name__)


async def _start_zalo(services: Services, settings: Settings) -> "tuple[ZaloRunner, ZaloClient]":
    # Imported here: a bot without a Zalo token does not load the Zalo transport.
    from bot.zalo.client import ZaloClient, redact_token_in_http_logs
    from bot.zalo.runner import ZaloRunner

    token = settings.zalo.token
    assert token is not None
    redact_token_in_http_logs(token)
    client = ZaloClient(token, base_url=settings.zalo.base_url)
    zalo = ZaloRunner(services, settings.zalo, client)
    await zalo.start()
    log.info("Zalo: %s", settings.zalo.mode)
    return zalo, client


async def run_channels(settings: Settings) -> None:
    """Start Telegram and/or Zalo (whichever has a token) and run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows event loops have no signal handlers; Ctrl-C still ends the process there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    application = build_application(settings) if settings.telegram.token else None
    scheduler = None
    webhook: TelegramWebhook | None = None
    if application is not None:
        await start_application(application)
        await application.start()
        if settings.telegram.mode == "webhook":
            webhook = TelegramWebhook(application, settings.telegram)
            await webhook.start()
        else:
            assert application.updater is not None
            await application.updater.start_polling()
            log.info("Telegram: polling")
        services = services_of(application)
    else:
        engine = create_engine(settings.database_url)
        services = Services(settings=settings, engine=engine, sessions=session_factory(engine))
        services.commune_id = (await prepare_commune(services)).id
        scheduler = start_scheduler(services)

    zalo, client = await _start_zalo(services, settings) if settings.zalo.token else (None, None)
    try:
        await stop.wait()
    finally:
        if zalo is not None:
            await zalo.stop()
        if client is not None:
            await client.aclose()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if webhook is not None:
            # Stop taking updates; those already queued are handled by stop() below. The
            # webhook stays registered (see bot.webhook).
            await webhook.stop()
        if application is not None:
            assert application.updater is not None
            if application.updater.running:
                await application.updater.stop()
            await application.stop()
            await stop_application(application)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(services.settle(), timeout=10)
            await services.engine.dispose()
