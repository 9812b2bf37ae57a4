"""The one error handler: log with an id, tell the user the id, never the traceback."""

import logging
import secrets

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from models.errors import DomainError

# The database is down, restarting or locked: not a bug, and trying again later helps.
_OUTAGES = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError)

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error under a short id and, if a person was waiting, give them the id."""
    error_id = secrets.token_hex(3).upper()
    if isinstance(context.error, DomainError) and context.error.reason == "no_plan":
        message = texts.NO_PLAN
    elif _is_outage(context.error):
        log.warning("database unavailable (%s): %s", error_id, context.error)
        message = texts.SYSTEM_BUSY
    else:
        message = texts.ERROR.format(error_id=error_id)
        log.error("error %s while handling an update", error_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, message)
    except TelegramError:
        log.warning("could not tell the user about error %s", error_id, exc_info=True)


def _is_outage(error: BaseException | None) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGES)
