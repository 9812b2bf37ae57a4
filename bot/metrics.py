"""Prometheus metrics of one process, on a registry of its own (not the library's global
one), so that every Application built (tests build many) counts on its own.

What is counted, and where: turns handled and how long they took (the conversation core's
one entry, :func:`handlers.router.handle`), replies sent or failed (:class:`handlers.turn.
Turn`'s sends), reminders sent or failed (:func:`scheduler.runner.deliver_now`, from the
delivery report), and the outbox backlog (set when scraped, see :mod:`bot.webhook`).
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

T = TypeVar("T")


class Metrics:
    """The counters of one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "hamlet_updates_handled",
            # A redelivered update counts too: the core drops it after claiming its id.
            "Incoming messages and taps handled, by channel and outcome (ok, error)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.replies = Counter(
            "hamlet_replies",
            "Replies to a turn, by channel and outcome (sent, failed)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.reminders = Counter(
            "hamlet_reminders",
            "Reminders delivered, by channel and outcome (sent, failed)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "hamlet_outbox_backlog",
            "Reminders recorded and not yet sent (pending or being sent)",
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "hamlet_handler_seconds",
            "Time to handle one turn, replies included, by channel",
            ["channel"],
            registry=self.registry,
        )

    def handled(self, channel: str, ok: bool, seconds: float) -> None:
        """One turn handled on ``channel`` in ``seconds``."""
        self.updates.labels(channel, "ok" if ok else "error").inc()
        self.handler_seconds.labels(channel).observe(seconds)

    def counted_reply(
        self, channel: str, send: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T]]:
        """``send``, counted as a reply sent or failed on ``channel`` when it runs."""

        async def counted() -> T:
            try:
                result = await send()
            except Exception:
                self.replies.labels(channel, "failed").inc()
                raise
            self.replies.labels(channel, "sent").inc()
            return result

        return counted

    def delivered(self, outcomes: Mapping[tuple[str, str], int]) -> None:
        """Reminders delivered: counts by (channel, "sent" or "failed")."""
        for (channel, outcome), count in outcomes.items():
            self.reminders.labels(channel, outcome).inc(count)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
