"""The conversation, channel-neutral: handlers take a Turn and a Visit (see router.py)."""
