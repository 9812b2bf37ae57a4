"""Pacing under Telegram's limits without letting one 429 freeze the bot.

PTB's :class:`AIORateLimiter` keeps the pace (a leaky bucket under 30 messages a second),
but on a 429 it sleeps for ``retry_after`` and holds *every* other request meanwhile: one
429 with ``retry_after`` 3600 stops all replies for an hour. Here the bucket is PTB's, and
a 429 is handled per request instead:

- a message the bot sends on its own (``rate_limit_args={"background": True}``, e.g. a
  reminder) gets the 429 at once; its sender reschedules it rather than sleeping;
- an interactive reply waits out a short ``retry_after`` (at most ``max_wait`` seconds in
  all) and then gives up with the 429, which is logged; other members' replies never wait
  behind it.
"""

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.wait_budget import REPLY_MAX_WAIT, _wait_left, one_wait_budget

log = logging.getLogger(__name__)

BACKGROUND = {"background": True}
__all__ = ["REPLY_MAX_WAIT", "ReplyFirstRateLimiter", "one_wait_budget", "retry_after_seconds"]


class _NotOurRetryLoop(logging.Filter):
    """PTB logs every 429 as "hit after maximum of 0 retries" with a traceback, since its
    own loop is off here; the limiter below logs what matters instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum of 0 retries" not in record.getMessage()


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_NotOurRetryLoop())


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB 22 is moving this to a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReplyFirstRateLimiter(AIORateLimiter):
    """PTB's pacing, with a bounded, per-request wait on a 429 (see the module's doc)."""

    def __init__(self, *, max_wait: float, retries: int = 2, **pacing: Any) -> None:
        # PTB's own retry loop is switched off (max_retries=0): it would hold everyone.
        super().__init__(max_retries=0, **pacing)
        self.max_wait = max_wait
        self.retries = retries

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        """Send through PTB's bucket; on a 429, wait only if this is a reply and it is short."""
        background = isinstance(rate_limit_args, dict) and rate_limit_args.get("background")
        shared = _wait_left.get()
        left = [self.max_wait] if shared is None else shared
        for attempt in range(self.retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, None)
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
