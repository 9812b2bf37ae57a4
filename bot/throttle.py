"""Answering someone at most once in a while, and counting what was left unanswered."""

import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

# Memory is bounded: past this many remembered ids the oldest half is forgotten.
_MAX_REMEMBERED = 10_000


@dataclass
class Throttle:
    """At most one answer per ``every`` for each id; what is refused is counted and logged."""

    every: timedelta
    name: str
    _last: dict[Hashable, datetime] = field(default_factory=dict)
    refused: int = 0

    def may_answer(self, key: Hashable, now: datetime) -> bool:
        """Whether ``key`` may be answered at ``now`` (and if so, remember that it was)."""
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            self.refused += 1
            if self.refused in (1, 10, 100) or self.refused % 1000 == 0:
                log.warning("%s: %d messages left unanswered so far", self.name, self.refused)
            return False
        if len(self._last) >= _MAX_REMEMBERED:
            for old in sorted(self._last, key=self._last.__getitem__)[: _MAX_REMEMBERED // 2]:
                del self._last[old]
        self._last[key] = now
        return True
