"""Pacing messages under a per-second ceiling, replies first.

Telegram takes about 30 messages a second from one bot; more are answered with 429. The
pacer lets a message go at the next slot of an even timeline (``rate`` a second) and never
lets more than ``cap`` go in any ``period`` (a sliding window over the real send times, so
a stalled event loop that catches up cannot bunch them). A person waiting for a reply is
served before the bot's own messages (reminders, notices): during a fan-out to a thousand
members a reply waits for the next slot, not for the fan-out.

The timeline is absolute: a late wake-up does not push every later slot back, so the pace
holds at ``rate`` rather than drifting below it. It catches up at most two slots (a burst
of three), so that the first messages of a fan-out cannot take the slots a reply needs.
"""

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """At most ``cap`` sends in any ``period`` seconds, at ``rate`` a second; replies first."""

    def __init__(
        self,
        rate: float,
        cap: int,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or cap < 1:
            raise ValueError("rate and cap must be positive")
        self.interval = 1.0 / rate
        self.catch_up = min(period, 2 * self.interval)
        self.cap = cap
        self.period = period
        self.clock = clock
        self._next_slot = float("-inf")
        self._sent: deque[float] = deque()
        self._replies: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        # Slots handed out whose sender has not resumed yet (a busy event loop delays it):
        # they count against the cap until the send starts, and then by when it started.
        self._granted = 0

    async def acquire(self, *, reply: bool) -> None:
        """Wait for this send's slot (a reply goes before every waiting background send)."""
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._replies if reply else self._background).append(ticket)
        if self._timer is None:
            self._release()
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self._granted -= 1  # granted, but the send will not go
            raise
        # The send starts now: the window counts it from now, not from when it was granted.
        self._granted -= 1
        self._sent.append(self.clock())

    def _release(self) -> None:
        """Hand out the slots that are due, then sleep until the next one."""
        self._timer = None
        while self._replies or self._background:
            queue = self._replies or self._background
            if queue[0].cancelled():
                queue.popleft()
                continue
            now = self.clock()
            while self._sent and self._sent[0] <= now - self.period:
                self._sent.popleft()
            wait = self._next_slot - now
            if len(self._sent) + self._granted >= self.cap:
                # Full: wait for the oldest send to leave the window (or, if every slot is
                # granted and not yet started, for the next slot to come round).
                oldest = self._sent[0] + self.period - now if self._sent else self.interval
                wait = max(wait, oldest, 1e-3)
            if wait > 0:
                self._timer = asyncio.get_running_loop().call_later(wait, self._release)
                return
            queue.popleft().set_result(None)
            self._granted += 1
            self._next_slot = max(self._next_slot, now - self.catch_up) + self.interval
