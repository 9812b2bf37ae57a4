"""Time-driven work: which reminders are due (pure functions of data and a clock), and
their delivery through the bot, each exactly once.
"""
