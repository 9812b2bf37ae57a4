"""The one error handler: log with an id, tell the user the id, never the traceback."""

import logging
import secrets

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from models.errors import DomainError

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error under a short id and, if a person was waiting, give them the id."""
    error_id = secrets.token_hex(3).upper()
    if isinstance(context.error, DomainError) and context.error.reason == "no_plan":
        message = texts.NO_PLAN
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
