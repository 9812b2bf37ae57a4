"""Words the domain shares with every place that shows it: the chat, the exports.

The status names are part of the plan's vocabulary (the reporting form uses them), so they
live here once; the chat's catalogue (bot/texts.py) and the export files import them.
"""

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
