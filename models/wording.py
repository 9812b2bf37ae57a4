"""Words the domain shares with every place that shows it: the chat, the exports.

The status names are part of the plan's vocabulary (the reporting form uses them), so they
live here once; the chat's catalogue (bot/texts.py) and the export files import them.
"""

import re

from models.tables import Status

STATUS_LABELS = {
    Status.NOT_STARTED: "Chưa thực hiện",
    Status.IN_PROGRESS: "Đang thực hiện",
    Status.DONE: "Hoàn thành",
    Status.BLOCKED: "Gặp khó khăn",
}


def shorten(text: str, limit: int = 60) -> str:
    """The start of ``text``, cut at a word to at most ``limit`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def in_plan_year(timeframe_text: str, source_year: int | None, year: int) -> str:
    """A task's timeframe as the plan for ``year`` states it. A plan loaded from another
    year's file (``source_year``) keeps that file's text, as a re-import must match it; it is
    shown in the plan's own year: the seed's "Năm 2023" is "Năm 2026" in the 2026 plan.
    """
    if not source_year or source_year == year:
        return timeframe_text
    return re.sub(rf"\b{source_year}\b", str(year), timeframe_text)
