"""Let the event loop in while a long build runs in a worker thread.

CPython passes the interpreter lock (GIL) to a waiting thread only when the holder has kept
it for a whole switch interval (5 ms) *without letting go in between*. lxml, under
python-docx, lets go and takes it straight back many times a second; each time restarts
the waiting thread's clock, so the event loop (every member's reply) could wait a quarter
of a second for its turn while a Word report was built. A short sleep now and then hands
the lock over for certain.
"""

import time

# Work between pauses, and the pause: at most ~10 ms of stall for ~5% more build time.
WORK_SECONDS = 0.01
PAUSE_SECONDS = 0.0005


class Breather:
    """Call it often from a long loop; every :data:`WORK_SECONDS` it pauses briefly."""

    def __init__(self, work: float = WORK_SECONDS, pause: float = PAUSE_SECONDS) -> None:
        self.work, self.pause = work, pause
        self._since = time.perf_counter()
        self.pauses = 0

    def __call__(self) -> None:
        """Pause if the work since the last pause has lasted long enough."""
        if time.perf_counter() - self._since >= self.work:
            time.sleep(self.pause)
            self.pauses += 1
            self._since = time.perf_counter()
