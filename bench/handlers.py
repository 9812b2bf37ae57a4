"""Benchmark: what one update costs the bot, against a bare python-telegram-bot echo bot.

Both run as a real PTB Application started the way polling starts it (updates through the
update queue), on the same offline Bot API, with rate limiting off. 400 updates from 20
hamlet heads: /nhiemvu and one-line reports (``/baocao 2.1 50 …``) in turn. The echo bot
answers each text with the same text. Issue 9: at least 0.5x the echo bot's updates per
second.

A second baseline shows the floor any database-backed handler stands on: the echo bot
that also opens one transaction per update on the same SQLite database and runs
``SELECT 1`` in it (the same engine and session factory the bot uses).

    .venv/bin/python -m bench.handlers [--updates 400]
"""

import argparse
import asyncio
import itertools
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.reminders_throughput import _add_members
from bot.app import OFFLINE_TOKEN, build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.pacer import Pacer
from bot.ratelimit import ReplyFirstRateLimiter
from bot.settings import Settings
from models.db import create_engine, migrate, session_factory, transaction

TARGET = 0.5
MEMBERS = 20
# A Wednesday in mid-quarter, in working hours: no prompt, reminder or digest is due, so the
# scheduler's deliveries do not share the database with the updates being measured.
QUIET_MOMENT = datetime(2026, 8, 12, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)
# Update ids are remembered by the bot (an update seen twice is ignored): new ones each run.
_UPDATE_IDS = itertools.count(10**6)


def _updates(chats: list[int], count: int, app: Application) -> list[Update]:
    ids = itertools.count(1)
    texts = itertools.cycle(["/nhiemvu", "/baocao 2.1 50 đã họp dân"])
    made = []
    for n in range(count):
        chat = chats[n % len(chats)]
        text = next(texts)
        message = {
            "message_id": next(ids), "date": int(time.time()), "text": text,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Trưởng ấp"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }  # fmt: skip
        made.append(Update.de_json({"update_id": next(_UPDATE_IDS), "message": message}, app.bot))
    return made


async def _drive(app: Application, api: OfflineBotAPI, updates: list[Update]) -> float:
    """Put the updates on the queue as polling would; seconds until each has its answer."""
    await app.start()
    before = len([c for c in api.calls if c.method == "sendMessage"])
    started = time.perf_counter()
    for update in updates:
        await app.update_queue.put(update)
    deadline = time.monotonic() + 120
    while len([c for c in api.calls if c.method == "sendMessage"]) - before < len(updates):
        if time.monotonic() > deadline:
            raise TimeoutError("not every update was answered")
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    await app.stop()
    return elapsed


async def _hamlet_bot(settings: Settings, chats: list[int], count: int) -> float:
    api = OfflineBotAPI()
    app = build_application(settings, request=api, clock=lambda: QUIET_MOMENT)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, ReplyFirstRateLimiter)
    limiter.pacer = Pacer(rate=1e9, cap=10**9)
    await start_application(app)
    try:
        return await _drive(app, api, _updates(chats, count, app))
    finally:
        await stop_application(app)


async def _echo(chats: list[int], count: int, url: str | None = None) -> float:
    """The bare echo bot; with ``url``, one transaction (``SELECT 1``) per update as well."""
    api = OfflineBotAPI()
    app = ApplicationBuilder().token(OFFLINE_TOKEN).request(api).get_updates_request(api).build()
    engine = create_engine(url) if url else None
    sessions = session_factory(engine) if engine else None

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        assert update.effective_message is not None
        if sessions is not None:
            async with transaction(sessions) as session:
                await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    try:
        return await _drive(app, api, _updates(chats, count, app))
    finally:
        await app.shutdown()
        if engine is not None:
            await engine.dispose()


async def main(count: int) -> None:
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        await asyncio.to_thread(migrate, url)
        settings = Settings(database_url=url, evidence_dir=Path(folder) / "evidence")
        chats = await _add_members(settings, MEMBERS)
        ours = min([await _hamlet_bot(settings, chats, count) for _ in range(3)])
        floor = min([await _echo(chats, count, url) for _ in range(3)])
    echo = min([await _echo(chats, count) for _ in range(3)])
    ratio = echo / ours
    print(f"{count} updates from {MEMBERS} members (/nhiemvu and one-line reports), no pacing")
    print(f"hamlet-bot : {count / ours:.0f} updates/s ({ours:.2f} s)")
    print(f"baseline   : bare PTB echo bot: {count / echo:.0f} updates/s ({echo:.2f} s)")
    print(f"floor      : the echo bot with one transaction (SELECT 1) per update: "
          f"{count / floor:.0f} updates/s ({echo / floor:.2f}x the echo bot)")  # fmt: skip
    print(f"ratio      : {ratio:.2f}x the echo bot (target >= {TARGET}x); "
          f"{floor / ours:.2f}x the one-transaction floor")  # fmt: skip
    print("result     :", "PASS" if ratio >= TARGET else "FAIL")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=400)
    asyncio.run(main(parser.parse_args().updates))
