"""The channel-neutral conversation: what a person sent, what the bot answers, and the
options it offers. Handlers speak only these types; each channel (Telegram, Zalo) turns them
into its own messages in ``bot/``.

- :class:`Incoming` is one message or tap from a phone: who, text, command, attachment, or
  the option chosen.
- :class:`Menu` is the options offered with a reply: each :class:`Option` has a label, an
  action, and the words that choose it when typed. Telegram shows a menu as inline buttons,
  Zalo as numbered lines; both accept the number, the label or the words, with or without
  diacritics.
- :class:`Channel` is what a channel can do: send text (with a menu), files and photos,
  fetch an attachment. It raises the errors below, the same on every channel.

It lives with the models because the scheduler's outbox speaks it too (a reminder carries
options, sent through a channel), and because the options a chat was offered last are
stored (``chataccount.menu``).

Texts use one small markup, the subset of HTML that Telegram reads: ``<b>``, ``<i>``, line
breaks, and ``&amp; &lt; &gt;`` escapes (:func:`bot.texts.esc`). Channels without markup
render it as plain text (:func:`plain_text`).
"""

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from models.textfold import fold


@dataclass(frozen=True)
class Option:
    """One choice offered with a reply."""

    label: str
    action: str
    words: tuple[str, ...] = ()

    def chosen_by(self, folded: str) -> bool:
        """Whether typed text (folded) names this option by its label or its words."""
        return bool(folded) and (folded == fold(self.label) or folded in self.words)


@dataclass(frozen=True)
class Menu:
    """The options offered with one reply, in rows (Telegram shows a row side by side).

    ``numbered``: whether a typed number chooses the option of that number. Off where a
    number is an answer of its own (a percent).
    """

    rows: tuple[tuple[Option, ...], ...]
    numbered: bool = True

    @classmethod
    def of(cls, rows: Sequence[Sequence[Option]], numbered: bool = True) -> "Menu":
        """A menu from rows of options (empty rows dropped)."""
        return cls(tuple(tuple(row) for row in rows if row), numbered)

    @property
    def options(self) -> list[Option]:
        """Every option, in the order they are numbered."""
        return [option for row in self.rows for option in row]

    def choose(self, text: str) -> Option | None:
        """The option that typed ``text`` chooses: its number, its label or its words."""
        folded = fold(text)
        options = self.options
        if self.numbered and folded.isdigit() and len(folded) <= 3:
            number = int(folded)
            return options[number - 1] if 1 <= number <= len(options) else None
        return next((option for option in options if option.chosen_by(folded)), None)

    def to_json(self) -> str:
        """The menu as stored for a chat (see :meth:`from_json`)."""
        rows = [[[o.label, o.action, list(o.words)] for o in row] for row in self.rows]
        return json.dumps({"rows": rows, "numbered": self.numbered}, ensure_ascii=False)

    @classmethod
    def from_json(cls, stored: str | None) -> "Menu | None":
        """A stored menu; None for nothing stored or anything unreadable."""
        if not stored:
            return None
        try:
            data = json.loads(stored)
            rows = [
                [Option(str(label), str(action), tuple(words)) for label, action, words in row]
                for row in data["rows"]
            ]
            return cls.of(rows, bool(data.get("numbered", True)))
        except (ValueError, KeyError, TypeError):
            return None


def menu(rows: Sequence[Sequence[tuple[str, str] | Option]], numbered: bool = True) -> Menu:
    """A menu from rows of ``(label, action)`` pairs or options."""
    return Menu.of(
        [[item if isinstance(item, Option) else Option(*item) for item in row] for row in rows],
        numbered,
    )


@dataclass(frozen=True)
class Attachment:
    """A file or place sent with a message.

    ``kind`` is ``photo``, ``document`` or ``location``. ``ref`` is what the channel needs
    to fetch the file again (a Telegram file id, a Zalo image URL); ``location`` is
    ``"lat,lon"``.
    """

    kind: str
    ref: str = ""
    file_name: str = ""
    size: int | None = None
    location: str = ""
    mime_type: str = ""
    # The album (Telegram media group) it came in, if any: its items arrive one by one.
    album: str = ""


@dataclass
class Incoming:
    """One thing a person did in a chat: a message, a command, a tap, an edit.

    ``endpoint`` names where ``update_key`` is unique (a Telegram bot's updates, a Zalo
    bot's messages): the same update seen twice is handled once.
    """

    channel: str
    endpoint: str
    update_key: str
    user_id: str
    chat_id: str
    user_name: str = ""
    private: bool = True
    text: str | None = None
    command: str | None = None
    args: list[str] = field(default_factory=list)
    action: str | None = None
    attachment: Attachment | None = None
    edited: bool = False
    # Something the channel carries that the bot does not read (a sticker, a voice note).
    other: bool = False


class ChannelError(Exception):
    """A channel refused or failed to take a message."""


class Blocked(ChannelError):
    """The person blocked the bot (or the chat is gone): stop writing to this account."""


class RateLimited(ChannelError):
    """The channel asks to wait before the next message."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Rejected(ChannelError):
    """The channel refused this message (bad request): sending it again will not help."""


class Unavailable(ChannelError):
    """The channel could not be reached (network, 5xx): trying again later may help."""


class Channel(Protocol):
    """What a chat channel can do for the conversation and the outbox."""

    @property
    def name(self) -> str:
        """The channel's name ("telegram", "zalo"), as chat accounts store it."""

    @property
    def sends_files(self) -> bool:
        """Whether documents (Excel, Word) can be sent."""

    @property
    def sends_photos(self) -> bool:
        """Whether pictures can be sent."""

    @property
    def has_buttons(self) -> bool:
        """Whether options show as buttons (else as numbered lines the person types)."""

    @property
    def receives_files(self) -> bool:
        """Whether a person can send documents and places (Zalo: pictures only)."""

    @property
    def text_limit(self) -> int:
        """The most characters one message carries; longer texts are split at lines."""

    async def send_text(
        self, chat_id: str, text: str, menu: Menu | None = None, *, background: bool = False
    ) -> None:
        """Send ``text`` (split if long) with ``menu``. ``background``: a message the bot
        sends on its own, which a rate limit must not hold (raise RateLimited instead).
        """

    async def send_document(self, chat_id: str, file_name: str, data: bytes, caption: str) -> None:
        """Send a file (only when :attr:`sends_files`)."""

    async def send_photo(self, chat_id: str, data: bytes, caption: str) -> None:
        """Send a picture (only when :attr:`sends_photos`)."""

    async def send_stored(self, chat_id: str, attachment: Attachment, path: str | None) -> bool:
        """Show a file the bot received earlier (report evidence); False if it cannot."""

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        """The bytes of a received attachment (raises ChannelError, or OSError)."""

    async def show_commands(self, chat_id: str, role: str | None) -> None:
        """Set the commands a member's app lists for their role (where the app has a list)."""


def read_command(text: str) -> tuple[str, list[str]] | None:
    """``/name@bot args…``: the command's name (lower case) and its words; None if the text
    is not a slash command.
    """
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    first, *args = text.split()
    return first[1:].split("@", 1)[0].lower(), args


_TAG = re.compile(r"</?(?:b|i|u|s|code|pre)>")


def plain_text(text: str) -> str:
    """The markup rendered as plain text: tags dropped, escapes undone."""
    return html.unescape(_TAG.sub("", text))


def menu_lines(menu: Menu) -> str:
    """A menu as lines of text, for a channel without buttons: numbered, or listed."""
    options = menu.options
    if menu.numbered:
        return "\n".join(f"{n}. {option.label}" for n, option in enumerate(options, start=1))
    return " · ".join(option.label for option in options)


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text into messages at line breaks, never inside a line that fits."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            parts.extend([current] if current else [])
            parts.append(line[:limit])
            current, line = "", line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts
