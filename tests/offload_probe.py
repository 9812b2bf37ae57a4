"""Run in a worker process by tests/test_offload.py: it imports nothing, so what it sees
loaded the worker loaded itself.
"""

import sys


def loaded(module: str) -> bool:
    """Whether ``module`` is imported in this process."""
    return module in sys.modules
