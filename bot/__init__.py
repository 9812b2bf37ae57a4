"""The composition root: settings, the Application factory, the CLI, texts, the console."""

import os

# Opt in now to python-telegram-bot's coming behaviour (durations such as RetryAfter's
# retry_after as timedelta), which PTB 22.2+ asks for with a deprecation warning otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "1")
