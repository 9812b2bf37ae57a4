"""The Zalo adapter: Zalo messages become :class:`~models.chat.Incoming` turns, and the
conversation's replies become Zalo Bot API calls.

Zalo has no buttons, no documents and no markup: a menu is shown as numbered lines under
the text (the person types the number, the label or its words), the markup is rendered as
plain text, and a picture can only be sent by a public URL. When ``[zalo] public_url`` is
set, the bot's web server hands the picture out under a short-lived unguessable link
(:class:`PhotoLinks`); otherwise no picture is sent and the text says enough.
"""

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot import texts
from bot.zalo.client import (
    MAX_TEXT,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloUnauthorized,
)
from bot.zalo.types import HANDLED_EVENTS, ZaloMessage
from models.accounts import ZALO
from models.chat import (
    Attachment,
    Blocked,
    Incoming,
    Menu,
    RateLimited,
    Rejected,
    Unavailable,
    menu_lines,
    plain_text,
    read_command,
)
from models.clock import utc_now

log = logging.getLogger(__name__)

T = TypeVar("T")
# How long a picture's link works: long enough for Zalo to fetch it, no longer.
PHOTO_LINK_LIFETIME = timedelta(minutes=10)
PHOTO_PATH = "/zalo/photo/"
# Zalo's "Quota exceeded" says no time; wait this long before the next try.
DEFAULT_RATE_WAIT = timedelta(seconds=30)


async def _mapped(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Zalo call; a ZaloError becomes the channel-neutral error it means."""
    try:
        return await call()
    except ZaloForbidden as error:
        # 403: Zalo says it will not deliver to this person (blocked, or gone). The API
        # documentation does not say more; the account is marked unreachable until they
        # write again.
        raise Blocked(str(error)) from error
    except ZaloRateLimited as error:
        wait = timedelta(seconds=error.retry_after) if error.retry_after else DEFAULT_RATE_WAIT
        raise RateLimited(str(error), wait) from error
    except (ZaloNetworkError, ZaloUnauthorized) as error:
        raise Unavailable(str(error)) from error
    except ZaloError as error:
        raise Rejected(str(error)) from error


@dataclass
class _Photo:
    data: bytes
    expires_at: datetime


class PhotoLinks:
    """Pictures handed out under short-lived unguessable links (in this process's memory:
    a link is fetched by Zalo seconds after it is made).
    """

    def __init__(self, public_url: str, clock: Callable[[], datetime] = utc_now) -> None:
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self._photos: dict[str, _Photo] = {}

    def publish(self, data: bytes) -> str:
        """A link to ``data`` that works for :data:`PHOTO_LINK_LIFETIME`."""
        now = self.clock()
        for token in [t for t, p in self._photos.items() if p.expires_at <= now]:
            del self._photos[token]
        token = secrets.token_urlsafe(24)
        self._photos[token] = _Photo(data, now + PHOTO_LINK_LIFETIME)
        return f"{self.public_url}{PHOTO_PATH}{token}.png"

    def take(self, name: str) -> bytes | None:
        """The picture behind a link's last part (``<token>.png``); None if unknown or
        expired.
        """
        photo = self._photos.get(name.removesuffix(".png"))
        if photo is None or photo.expires_at <= self.clock():
            return None
        return photo.data


def zalo_text(text: str, menu: Menu | None) -> str:
    """What a Zalo user reads: the text in plain words, the options as numbered lines."""
    shown = plain_text(text)
    if menu is None or not menu.options:
        return shown
    hint = texts.ZALO_CHOOSE_NUMBER if menu.numbered else texts.ZALO_CHOOSE_WORD
    return f"{shown}\n\n{menu_lines(menu)}\n{hint}"


class ZaloChannel:
    """The conversation's way out on Zalo, through one bot's client."""

    name = ZALO
    sends_files = False
    has_buttons = False
    receives_files = False
    text_limit = MAX_TEXT

    def __init__(self, client: ZaloClient, links: PhotoLinks | None = None) -> None:
        self.client = client
        self.links = links

    @property
    def sends_photos(self) -> bool:
        """Pictures go only by a public link, so only with ``[zalo] public_url``."""
        return self.links is not None

    async def send_text(
        self, chat_id: str, text: str, menu: Menu | None = None, *, background: bool = False
    ) -> None:
        """Send the text plain, the menu as numbered lines (split at 2,000 characters)."""
        # The client splits at line boundaries into messages of at most 2,000 characters.
        body = zalo_text(text, menu)
        await _mapped(lambda: self.client.send_message(chat_id, body))

    async def send_document(self, chat_id: str, file_name: str, data: bytes, caption: str) -> None:
        """Zalo bots cannot send documents: always refused."""
        raise Rejected("Zalo bots cannot send documents")

    async def send_photo(self, chat_id: str, data: bytes, caption: str) -> None:
        """Send a picture by a short-lived link (only with ``public_url``)."""
        if self.links is None:
            raise Rejected("no [zalo] public_url: pictures cannot be sent")
        url = self.links.publish(data)
        await _mapped(lambda: self.client.send_photo(chat_id, url, plain_text(caption)))

    async def send_stored(self, chat_id: str, attachment: Attachment, path: str | None) -> bool:
        """Show a received photo again (by link) or a place (as a map link)."""
        if attachment.kind == "location" and "," in attachment.location:
            where = texts.ZALO_LOCATION.format(location=attachment.location)
            await self.send_text(chat_id, where)
            return True
        if attachment.kind == "photo" and path and self.links is not None:
            try:
                data = await asyncio.to_thread(Path(path).read_bytes)
            except OSError:
                return False
            await self.send_photo(chat_id, data, "")
            return True
        return False

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        """Download a received image from its URL."""
        return await _mapped(lambda: self.client.download(attachment.ref, max_bytes))

    async def show_commands(self, chat_id: str, role: str | None) -> None:
        """Zalo has no command list: /help says what to type."""


def incoming_from(message: ZaloMessage) -> Incoming:
    """What a Zalo message says, channel-neutral. Its message id is the update's key:
    getUpdates has no offset, and a webhook may be retried.
    """
    common = {
        "channel": ZALO,
        "endpoint": ZALO,
        "update_key": message.message_id,
        "user_id": message.user_id,
        "chat_id": message.chat_id,
        "user_name": message.user_name,
        "private": (message.chat_type or "PRIVATE").upper() != "GROUP",
    }
    if message.event not in HANDLED_EVENTS:
        return Incoming(**common, other=True)  # type: ignore[arg-type]
    if message.image_url:
        return Incoming(**common, attachment=Attachment("photo", ref=message.image_url))  # type: ignore[arg-type]
    text = message.text or ""
    command = read_command(text)
    if command is not None:
        name, args = command
        return Incoming(**common, text=text, command=name, args=args)  # type: ignore[arg-type]
    return Incoming(**common, text=text)  # type: ignore[arg-type]
