"""Pacing under Telegram's limits, replies first, without letting one 429 freeze the bot.

Every message to a chat waits for its slot in one :class:`~bot.pacer.Pacer`: at most
``cap`` in any second, evenly at ``rate`` a second, and a person's reply ahead of the
bot's own messages (a reminder fan-out never holds a reply for more than a slot). PTB's
:class:`AIORateLimiter` is not used: it serves requests in arrival order, and on a 429 it
sleeps for ``retry_after`` holding *every* other request (one 429 with ``retry_after`` 3600
stops all replies for an hour). Here a 429 is handled per request:

- a message the bot sends on its own (``rate_limit_args={"background": True}``, e.g. a
  reminder) gets the 429 at once; its sender reschedules it rather than sleeping;
- an interactive reply waits out a short ``retry_after`` (at most ``max_wait`` seconds in
  all) and then gives up with the 429, which is logged; other members' replies never wait
  behind it.

Calls without a chat (getUpdates, answerCallbackQuery, getFile) are not paced: Telegram's
limit is on messages.
"""

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.pacer import Pacer
from bot.wait_budget import REPLY_MAX_WAIT, _wait_left, one_wait_budget

log = logging.getLogger(__name__)

BACKGROUND = {"background": True}
__all__ = ["REPLY_MAX_WAIT", "ReplyFirstRateLimiter", "one_wait_budget", "retry_after_seconds"]


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB 22 is moving this to a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReplyFirstRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """PTB's rate-limiter hook, pacing every message to a chat through one :class:`Pacer`.

    Args:
        max_wait: the longest a reply waits on 429s (shared by one update's replies).
        rate: messages a second at most, evenly spaced.
        cap: messages in any one second at most (Telegram's ceiling, less a margin).
        retries: how often a reply is retried after a short 429.
    """

    def __init__(self, *, max_wait: float, rate: float, cap: int, retries: int = 2) -> None:
        self.max_wait = max_wait
        self.retries = retries
        self.rate = rate
        self.cap = cap
        self.pacer = Pacer(rate, cap)

    async def initialize(self) -> None:
        """Nothing to set up (the pacer starts empty)."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Any:
        """Wait for a slot (a message to a chat), send; on a 429, wait only if this is a
        reply and the wait is short.
        """
        background = isinstance(rate_limit_args, dict) and bool(rate_limit_args.get("background"))
        paced = data.get("chat_id") is not None
        shared = _wait_left.get()
        left = [self.max_wait] if shared is None else shared
        for attempt in range(self.retries + 1):
            if paced:
                await self.pacer.acquire(reply=not background)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if background or attempt == self.retries or wait > left[0]:
                    if not background:
                        log.warning(
                            "%s: Telegram asks to wait %.0f s; reply given up", endpoint, wait
                        )
                    raise
                left[0] -= wait
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")
