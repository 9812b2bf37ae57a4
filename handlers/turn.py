"""One turn of a conversation: what came in, and the replies going out.

A handler reads ``turn.text``, ``turn.args``, ``turn.action`` or ``turn.attachment`` and
answers with :meth:`Turn.say` (text, and options). Inside an update's transaction every
reply is held and sent after the commit (:func:`send_later`): a reply that fails or is slow
can never undo saved work, and a transaction that fails sends nothing that says "saved".

A tap (Telegram's inline buttons) has a little more: a toast, and the tapped message's
buttons to take away or replace. :class:`Tap` is that handle; a typed choice has none, and
the same calls fall back to plain replies.
"""

import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.services import Services
from models.chat import Attachment, Channel, ChannelError, Incoming, Menu

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[object]]
# The sends held back until the current update's transaction commits (None: send at once).
_held_sends: ContextVar[list[Send] | None] = ContextVar("held_sends", default=None)


async def send_later(send: Send) -> None:
    """Make a channel call now or, inside an update's transaction, once it has committed."""
    held = _held_sends.get()
    if held is None:
        await send()
    else:
        held.append(send)


def hold_sends() -> tuple[list[Send], object]:
    """Start holding sends (for one update's transaction); see :func:`release_sends`."""
    held: list[Send] = []
    return held, _held_sends.set(held)


def stop_holding(token: object) -> None:
    """Stop holding sends (the transaction is over: committed or not)."""
    _held_sends.reset(token)  # type: ignore[arg-type]


async def send_held(held: list[Send]) -> Exception | None:
    """Send what an update held back, in order; a failure other than the channel refusing
    a message is kept (and returned) while the rest still goes.
    """
    failure: Exception | None = None
    for send in held:
        try:
            await send()
        except ChannelError as error:
            log.warning("a reply after a saved update failed: %s", error)
        except Exception as error:  # the next sends still go
            failure = failure or error
    return failure


class Tap(Protocol):
    """The tapped message, on a channel with buttons."""

    async def answer(self, text: str | None) -> None:
        """Answer the tap (a short toast, or nothing), so the app stops waiting."""

    async def drop_options(self) -> None:
        """Take the buttons off the tapped message (it has been answered)."""

    async def replace(self, text: str, menu: Menu | None) -> None:
        """Show ``text`` and ``menu`` in place of the tapped message."""


@dataclass
class Turn:
    """One incoming message or tap, and the way back to the same chat."""

    incoming: Incoming
    channel: Channel
    services: Services
    tap: Tap | None = None
    # The last menu this turn offered (stored for the chat, so a typed answer can choose).
    offered: Menu | None = None
    # Set by the error handler's caller: where a failure after the commit goes.
    on_failure: Callable[[BaseException], Awaitable[None]] | None = None
    # Whether this turn said anything, and whether the options shown before still stand
    # (a correction within the same step) or are now out of date.
    said: bool = False
    keeps_options: bool = False
    _answered_tap: bool = field(default=False, repr=False)

    @property
    def text(self) -> str:
        """The text typed (empty for a tap or a file)."""
        return self.incoming.text or ""

    @property
    def args(self) -> list[str]:
        """The words after a command."""
        return self.incoming.args

    @property
    def action(self) -> str:
        """The option chosen (tapped or typed), empty if none."""
        return self.incoming.action or ""

    @property
    def attachment(self) -> Attachment | None:
        """The file or place sent, if any."""
        return self.incoming.attachment

    @property
    def tapped(self) -> bool:
        """Whether this turn is a tap on a button (not a typed choice)."""
        return self.tap is not None

    async def say(self, text: str, menu: Menu | None = None) -> None:
        """Reply in this chat, with ``menu`` as the options (after the commit)."""
        self.said = True
        if menu is not None:
            self.offered = menu
        channel, chat_id = self.channel, self.incoming.chat_id
        await send_later(self._counted(lambda: channel.send_text(chat_id, text, menu)))

    async def correct(self, text: str) -> None:
        """Reply to an answer that does not fit the step: the options shown still stand."""
        self.keeps_options = True
        await self.say(text)

    async def show(self, text: str, menu: Menu | None = None) -> None:
        """Show ``text`` in place of the tapped message (a page turned), or say it."""
        if self.tap is None:
            await self.say(text, menu)
            return
        if menu is not None:
            self.offered = menu
        tap = self.tap
        await send_later(lambda: tap.replace(text, menu))

    async def notice(self, text: str) -> None:
        """A short word about the choice itself ("that step has passed"): the tap's toast,
        or a reply when the choice was typed.
        """
        if self.tap is None:
            await self.say(text)
        else:
            await self.ack(text)

    async def ack(self, text: str | None = None) -> None:
        """Answer the tap, once (nothing to do for a typed choice)."""
        if self.tap is None or self._answered_tap:
            return
        self._answered_tap = True
        tap = self.tap
        await send_later(lambda: tap.answer(text))

    async def retire_options(self) -> None:
        """Take the buttons off the tapped message, so it cannot be answered twice."""
        if self.tap is not None:
            tap = self.tap
            await send_later(tap.drop_options)

    async def send_file(self, file_name: str, data: bytes, caption: str) -> None:
        """Send a document (the caller checks ``channel.sends_files``)."""
        channel, chat_id = self.channel, self.incoming.chat_id
        await send_later(
            self._counted(lambda: channel.send_document(chat_id, file_name, data, caption))
        )

    async def send_photo(self, data: bytes, caption: str) -> None:
        """Send a picture (the caller checks ``channel.sends_photos``)."""
        channel, chat_id = self.channel, self.incoming.chat_id
        await send_later(self._counted(lambda: channel.send_photo(chat_id, data, caption)))

    def _counted(self, send: Send) -> Send:
        """``send``, counted in the metrics as a reply on this turn's channel."""
        return self.services.metrics.counted_reply(self.channel.name, send)

    async def in_background(self, work: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Start ``work`` once the update's transaction has committed, without making the
        next update wait for it: one member's fan-out or plan file never holds the others'
        replies. A failure is reported in this chat, as any other would be.
        """
        services, on_failure = self.services, self.on_failure

        async def guarded() -> None:
            try:
                await work()
            except Exception as error:
                if on_failure is None:
                    raise
                await on_failure(error)

        async def start() -> None:
            services.start(guarded())

        await send_later(start)
