"""How long the replies of one update may wait, in all, on a channel's rate limit: an update
with ten replies holds the next update at most that long, not ten times that.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Longest a member's reply waits on a 429 before it is given up.
REPLY_MAX_WAIT = 5.0


# Seconds of 429 waiting left to the replies of the update being answered (None: no
# update's budget applies, each reply may wait REPLY_MAX_WAIT).
_wait_left: ContextVar[list[float] | None] = ContextVar("reply_wait_left", default=None)


@contextmanager
def one_wait_budget(seconds: float = REPLY_MAX_WAIT) -> Iterator[None]:
    """The replies sent inside share ``seconds`` of waiting on 429s: an update with ten
    replies holds the next update at most that long, not ten times that.
    """
    token = _wait_left.set([seconds])
    try:
        yield
    finally:
        _wait_left.reset(token)
