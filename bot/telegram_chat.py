"""The Telegram adapter: PTB updates become :class:`~models.chat.Incoming` turns, and the
conversation's replies become Bot API calls (menus as inline buttons, the markup as HTML).

python-telegram-bot stays the Telegram client; this module only translates. Every
``TelegramError`` leaves here as one of the channel-neutral errors of
:mod:`models.chat`.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, ExtBot, TypeHandler

from bot.ratelimit import BACKGROUND, retry_after_seconds
from bot.services import services_of
from handlers.menus import commands_for
from handlers.router import handle
from handlers.turn import Turn
from models.accounts import TELEGRAM
from models.chat import (
    Attachment,
    Blocked,
    Incoming,
    Menu,
    RateLimited,
    Rejected,
    Unavailable,
    read_command,
    split_text,
)
from models.tables import Role

log = logging.getLogger(__name__)

# Telegram's limit is 4096 characters; leave room for what clients add.
TEXT_LIMIT = 3800
T = TypeVar("T")


async def _mapped(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Bot API call; a TelegramError becomes the channel-neutral error it means."""
    try:
        return await call()
    except Forbidden as error:
        raise Blocked(str(error)) from error
    except RetryAfter as error:
        wait = timedelta(seconds=retry_after_seconds(error))
        raise RateLimited(str(error), wait) from error
    except BadRequest as error:
        raise Rejected(str(error)) from error
    except TelegramError as error:
        raise Unavailable(str(error)) from error


def keyboard(menu: Menu | None) -> InlineKeyboardMarkup | None:
    """A menu as inline buttons (the action is the callback data)."""
    if menu is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(o.label, callback_data=o.action) for o in row] for row in menu.rows]
    )


class TelegramChannel:
    """The conversation's way out on Telegram, through one PTB bot."""

    name = TELEGRAM
    sends_files = True
    sends_photos = True
    has_buttons = True
    receives_files = True
    text_limit = TEXT_LIMIT

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def _background(self, background: bool) -> dict[str, Any]:
        """Mark a message the bot sends on its own, where the bot's rate limiter can take
        it (PTB's stock limiter reads ``rate_limit_args`` as a retry count; a bot without a
        limiter refuses the argument).
        """
        bot = self.bot
        if not background or not isinstance(bot, ExtBot) or bot.rate_limiter is None:
            return {}
        if type(bot.rate_limiter) is AIORateLimiter:
            return {}
        return {"rate_limit_args": BACKGROUND}

    async def send_text(
        self, chat_id: str, text: str, menu: Menu | None = None, *, background: bool = False
    ) -> None:
        """Send ``text`` as HTML, split at ~3,800 characters; the menu as buttons on the
        last part.
        """
        parts = split_text(text, self.text_limit) or [text]
        extra = self._background(background)
        for number, part in enumerate(parts, start=1):
            markup = keyboard(menu) if number == len(parts) else None
            send = partial(self.bot.send_message, int(chat_id), part, reply_markup=markup, **extra)
            await _mapped(send)

    async def send_document(self, chat_id: str, file_name: str, data: bytes, caption: str) -> None:
        """Send a file."""
        document = InputFile(data, filename=file_name)
        await _mapped(lambda: self.bot.send_document(int(chat_id), document, caption=caption))

    async def send_photo(self, chat_id: str, data: bytes, caption: str) -> None:
        """Send a picture."""
        photo = InputFile(data, filename="bieu-do.png")
        await _mapped(lambda: self.bot.send_photo(int(chat_id), photo, caption=caption))

    async def send_stored(self, chat_id: str, attachment: Attachment, path: str | None) -> bool:
        """Show a received photo, file or place again, by its Telegram file id."""
        chat = int(chat_id)
        if attachment.kind == "photo" and attachment.ref:
            await _mapped(lambda: self.bot.send_photo(chat, attachment.ref))
        elif attachment.kind == "document" and attachment.ref:
            await _mapped(lambda: self.bot.send_document(chat, attachment.ref))
        elif attachment.kind == "location" and "," in attachment.location:
            latitude, longitude = (float(x) for x in attachment.location.split(",", 1))
            await _mapped(lambda: self.bot.send_location(chat, latitude, longitude))
        else:
            return False
        return True

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        """Download a received file through getFile."""
        file = await _mapped(lambda: self.bot.get_file(attachment.ref))
        data = await _mapped(file.download_as_bytearray)
        if len(data) > max_bytes:
            raise Rejected(f"file of {len(data)} bytes is over the limit")
        return bytes(data)

    async def show_commands(self, chat_id: str, role: str | None) -> None:
        """Set the chat's command menu to its member's role."""
        commands = [BotCommand(n, d) for n, d in commands_for(Role(role) if role else None)]
        try:
            await self.bot.set_my_commands(commands, scope=BotCommandScopeChat(int(chat_id)))
        except TelegramError:
            # A missing menu is cosmetic: /help still lists the commands.
            log.warning("could not set the command menu", exc_info=True)


class TelegramTap:
    """A tap on an inline button: the toast, and the tapped message's buttons."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query

    async def answer(self, text: str | None) -> None:
        """Answer the callback query (a toast, or nothing)."""
        await _mapped(lambda: self.query.answer(text))

    async def drop_options(self) -> None:
        """Take the inline keyboard off the tapped message."""
        message = self.query.message
        if not isinstance(message, Message):
            return
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError:
            log.debug("could not remove buttons", exc_info=True)

    async def replace(self, text: str, menu: Menu | None) -> None:
        """Edit the tapped message into ``text`` with ``menu``."""
        message = self.query.message
        if isinstance(message, Message):
            await _mapped(lambda: message.edit_text(text, reply_markup=keyboard(menu)))


def incoming_from(update: Update, bot_id: int) -> Incoming | None:
    """What a Telegram update says, channel-neutral; None for updates the bot ignores
    (membership changes, inline queries, polls).
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    common: dict[str, Any] = {
        "channel": TELEGRAM,
        "endpoint": f"telegram:{bot_id}",
        "update_key": str(update.update_id),
        "user_id": str(user.id) if user else "",
        "chat_id": str(chat.id),
        "user_name": user.full_name if user else "",
        "private": chat.type == ChatType.PRIVATE,
    }
    if update.callback_query is not None:
        return Incoming(**common, action=update.callback_query.data or "")
    if update.edited_message is not None or update.edited_channel_post is not None:
        return Incoming(**common, edited=True)
    message = update.message or update.channel_post
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        command = read_command(text)
        if command is not None:
            return Incoming(**common, text=text, command=command[0], args=command[1])
        return Incoming(**common, text=text)
    attachment = _attachment(message)
    if attachment is not None:
        return Incoming(**common, attachment=attachment)
    return Incoming(**common, other=True)


def _attachment(message: Message) -> Attachment | None:
    if message.location is not None:
        where = f"{message.location.latitude:.6f},{message.location.longitude:.6f}"
        return Attachment("location", location=where)
    album = message.media_group_id or ""
    if message.photo:
        largest = message.photo[-1]
        return Attachment("photo", ref=largest.file_id, size=largest.file_size, album=album)
    document = message.document
    if document is not None:
        return Attachment(
            "document",
            ref=document.file_id,
            file_name=document.file_name or "",
            size=document.file_size,
            mime_type=document.mime_type or "",
            album=album,
        )
    return None


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update from Telegram goes through the one conversation core."""
    incoming = incoming_from(update, context.bot.id)
    if incoming is None:
        return
    services = services_of(context)
    tap = TelegramTap(update.callback_query) if update.callback_query is not None else None
    await handle(Turn(incoming, services.channels[TELEGRAM], services, tap))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything that escaped the core (it reports its own errors): log it."""
    log.error("error outside the conversation core", exc_info=context.error)


def attach(application: Application) -> None:
    """Route every update of ``application`` to the core, and give the core its Telegram
    channel.
    """
    services_of(application).channels[TELEGRAM] = TelegramChannel(application.bot)
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)


def telegram_channels(bot: Bot) -> dict[str, TelegramChannel]:
    """The channels of a process that speaks Telegram only, through ``bot``."""
    return {TELEGRAM: TelegramChannel(bot)}
