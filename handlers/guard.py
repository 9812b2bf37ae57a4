"""What the bot answers before any handler: private chats only, and strangers throttled.

A group or channel gets one short note to write to the bot privately, and nothing else: no
command runs there, so no commune data can be posted to a group and no group is stored as
a member's chat. Someone the bot does not know gets at most one answer a minute.
"""

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.services import services_of

log = logging.getLogger(__name__)


async def private_chats_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop every update from a group, supergroup or channel (after one note a day)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    services = services_of(context)
    try:
        if update.callback_query is not None:  # a tap is always answered, or it spins
            await update.callback_query.answer(texts.GROUP_NOT_SUPPORTED_SHORT)
        if chat.type != ChatType.CHANNEL and services.groups.may_answer(chat.id, services.now()):
            await context.bot.send_message(chat.id, texts.GROUP_NOT_SUPPORTED)
    except TelegramError as error:
        log.info("could not leave the private-chat note in a group: %s", error)
    raise ApplicationHandlerStop
