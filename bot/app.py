"""The composition root: the one place the PTB Application is wired.

Tests, the CLI, the offline console, polling and webhook modes all call
:func:`build_application`.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from sqlmodel import select
from telegram import BotCommand, BotCommandScopeDefault
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.per_chat import PerChatUpdateProcessor
from bot.ratelimit import REPLY_MAX_WAIT, ReplyFirstRateLimiter
from bot.services import Services, services_of
from bot.settings import Settings
from bot.telegram_chat import attach
from handlers.menus import commands_for
from models.clock import utc_now
from models.commune_profile import apply_config
from models.db import create_engine, session_factory, transaction
from models.plan_data import read_plan_file
from models.plan_loader import ensure_commune, load_plan
from models.tables import Commune, Plan
from scheduler.jobs import schedule_jobs

# Messages in any one second at most: Telegram's 30, less one for the clocks' disagreement
# (the window here is on send times, Telegram's on arrival).
SECOND_CAP = 29
# Used when no token is configured: the offline Bot API accepts any well-formed token.
OFFLINE_TOKEN = "1000000001:OFFLINE-console-token-not-for-telegram"


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> Application:
    """Build the bot.

    Args:
        settings: the checked settings.
        request: a Bot API transport to use instead of HTTPS to Telegram (the offline
            console and the tests pass one that answers from memory).
        clock: where "now" comes from (tests pass a fixed clock).

    The database schema must be up to date (see :func:`models.db.migrate`); the commune and,
    on an empty database, this year's plan are set up when the Application initialises.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram.token or OFFLINE_TOKEN)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(_rate_limiter(settings))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram.base_url and settings.telegram.base_file_url:
        builder = builder.base_url(settings.telegram.base_url).base_file_url(
            settings.telegram.base_file_url
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    engine = create_engine(settings.database_url)
    application.bot_data["services"] = Services(
        settings=settings, engine=engine, sessions=session_factory(engine), clock=clock
    )
    attach(application)
    schedule_jobs(application)
    return application


def _rate_limiter(settings: Settings) -> ReplyFirstRateLimiter:
    """Pace every message under Telegram's per-bot limit (about 30 in any one second),
    replies first (see :mod:`bot.ratelimit`): evenly at ``[reminders]
    messages_per_second``, and never more than :data:`SECOND_CAP` in any second, whatever
    the event loop's wake-ups do. A 429 that still comes is handled by the one who sent it:
    a reminder later, a reply within a few seconds or not at all.
    """
    rate = settings.reminders.messages_per_second
    return ReplyFirstRateLimiter(max_wait=REPLY_MAX_WAIT, rate=rate, cap=SECOND_CAP)


async def prepare_commune(services: Services) -> Commune:
    """Set up the commune from the settings; on a database with no plan for it yet, load the
    bundled plan as this year's plan, so that what a newcomer tries is live.
    """
    settings = services.settings
    async with transaction(services.sessions) as session:
        commune = await ensure_commune(
            session, settings.commune.name, settings.commune.timezone, settings.commune.hamlets
        )
        # The config's profile values, under those set with `hamlet-bot commune set`.
        await apply_config(session, commune, settings.commune.profile, now=services.now())
        has_plan = (await session.exec(select(Plan).where(Plan.commune_id == commune.id))).first()
        if has_plan is None:
            spec = read_plan_file(settings.plan_file)
            await load_plan(session, commune, spec, year=services.now().year)
    return commune


async def _post_init(application: Application) -> None:
    services = services_of(application)
    commune = await prepare_commune(services)
    services.commune_id = commune.id
    services.bot_username = application.bot.username
    # In the background: one Bot API round trip less before the first answer.
    services.start(_set_default_commands(application))


async def _set_default_commands(application: Application) -> None:
    commands = [BotCommand(name, about) for name, about in commands_for(None)]
    await application.bot.set_my_commands(commands, scope=BotCommandScopeDefault())


async def _post_shutdown(application: Application) -> None:
    services = services_of(application)
    # Background work (a fan-out) gets a moment to finish; what it leaves is held on a
    # lease and resent by the next start.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(services.settle(), timeout=10)
    await services.engine.dispose()


async def start_application(application: Application) -> None:
    """Initialise an Application that is driven by hand (offline console, tests): what
    ``run_polling`` does before it polls, post_init included.
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)


async def stop_application(application: Application) -> None:
    """The counterpart of :func:`start_application`."""
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
