"""Reminder delivery at least once: leases, batches, 429s and database outages.

Most tests drive :func:`scheduler.delivery.deliver_pending` directly against the test
database and the offline Bot API; the last one kills a real delivery process with SIGKILL
(mid-send) and checks what the restarted processes make of it.
"""

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot
from telegram.request import RequestData

from bot.offline import Fault, OfflineBotAPI
from bot.telegram_chat import TelegramChannel, telegram_channels
from models.accounts import TELEGRAM
from models.db import SessionFactory, create_engine, session_factory, transaction
from models.tables import ChatAccount, Commune, Member, Reminder, ReminderStatus, Role
from scheduler import delivery
from scheduler.delivery import (
    BATCH,
    CONCURRENCY,
    DB_BACKOFF,
    LEASE,
    SEND_TIMEOUT,
    Outgoing,
    deliver_pending,
    record,
)

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TOKEN = "1000000001:lease-tests"
FIRST_CHAT = 810_000_000
REPO = Path(__file__).resolve().parent.parent


class BackgroundLimiter(BaseRateLimiter[dict[str, Any]]):
    """A limiter that honours ``{"background": True}``: no waiting, a 429 comes back at once.
    Records what each call asked for."""

    def __init__(self) -> None:
        self.args: list[dict[str, Any] | None] = []

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint == "sendMessage":
            self.args.append(rate_limit_args)
        return await callback(*args, **kwargs)


class HookedBotAPI(OfflineBotAPI):
    """The offline Bot API, calling ``before_send(n)`` before the n-th sendMessage (from 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.before_send: Callable[[int], Awaitable[None]] | None = None
        self.sends = 0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            self.sends += 1
            if self.before_send is not None:
                await self.before_send(self.sends)
        return await super().do_request(url, method, request_data)

    def delivered(self) -> Counter[int]:
        """How many messages each chat received (refused calls are not deliveries)."""
        return Counter(
            int(str(call.params["chat_id"])) for call in self.sent() if call.result is not None
        )


@dataclass
class Desk:
    """A commune with members, the database, and a bot talking to the offline Bot API."""

    sessions: SessionFactory
    api: HookedBotAPI
    bot: ExtBot[dict[str, Any]]
    limiter: BackgroundLimiter
    commune_id: int
    member_ids: list[int] = field(default_factory=list)

    async def members(self, count: int) -> list[int]:
        """``count`` members linked to chats FIRST_CHAT, FIRST_CHAT + 1, …"""
        async with transaction(self.sessions) as session:
            start = len(self.member_ids)
            rows = [
                Member(
                    commune_id=self.commune_id,
                    name=f"Trưởng ấp {n}",
                    role=Role.HAMLET_HEAD,
                    created_at=NOW,
                )
                for n in range(start, start + count)
            ]
            session.add_all(rows)
            await session.flush()
            session.add_all(
                ChatAccount(
                    commune_id=self.commune_id,
                    member_id=row.id or 0,
                    channel=TELEGRAM,
                    external_id=str(FIRST_CHAT + n),
                    chat_id=str(FIRST_CHAT + n),
                    linked_at=NOW,
                )
                for n, row in enumerate(rows, start=start)
            )
            ids = [row.id for row in rows if row.id is not None]
        self.member_ids += ids
        return ids

    async def remind(self, member_ids: list[int], *, at: datetime = NOW) -> list[int]:
        items = [
            Outgoing(member_id, "manual", "lease-test", f"Nhắc {member_id}", at, at + timedelta(1))
            for member_id in member_ids
        ]
        return await record(self.sessions, self.commune_id, items, at)

    async def rows(self) -> list[Reminder]:
        async with transaction(self.sessions) as session:
            return list(await session.exec(select(Reminder).order_by(Reminder.id)))  # type: ignore[arg-type]

    async def statuses(self) -> Counter[str]:
        return Counter(row.status for row in await self.rows())

    async def set(self, reminder_id: int, **values: Any) -> None:
        async with transaction(self.sessions) as session:
            row = await session.get(Reminder, reminder_id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)


@pytest.fixture
async def desk(database: str) -> AsyncIterator[Desk]:
    engine = create_engine(database)
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        commune = Commune(name="Mỹ Hòa Hưng", timezone="Asia/Ho_Chi_Minh")
        session.add(commune)
        await session.flush()
        assert commune.id is not None
        commune_id = commune.id
    api = HookedBotAPI()
    limiter = BackgroundLimiter()
    bot: ExtBot[dict[str, Any]] = ExtBot(
        TOKEN, request=api, get_updates_request=api, rate_limiter=limiter
    )
    await bot.initialize()
    try:
        yield Desk(sessions, api, bot, limiter, commune_id)
    finally:
        await bot.shutdown()
        await engine.dispose()


class Crash(BaseException):
    """The process dies here (not an Exception: PTB would take it for a network error)."""


class Sleeps:
    """A sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def deliver(desk: Desk, now: datetime = NOW, **options: Any) -> delivery.DeliveryReport:
    options.setdefault("sleep", Sleeps())
    return await deliver_pending(
        desk.sessions, telegram_channels(desk.bot), desk.commune_id, now, **options
    )


def test_the_lease_outlasts_a_batch_and_a_batch_is_about_a_second() -> None:
    assert 20 <= BATCH <= 30 and CONCURRENCY <= BATCH
    # A send starts only while half the lease is left; it and its recording fit in the rest.
    assert timedelta(seconds=SEND_TIMEOUT + sum(DB_BACKOFF)) <= LEASE / 2
    assert timedelta(minutes=2) == LEASE


async def test_a_stale_sending_row_is_taken_again_and_sent(desk: Desk) -> None:
    crashed, before_leases, expired = await desk.remind(await desk.members(3))
    # A sender died holding ``crashed``; ``before_leases`` was taken before leases existed.
    await desk.set(crashed, status="sending", attempts=1, lease_until=NOW - timedelta(seconds=1))
    await desk.set(before_leases, status="sending", attempts=1, lease_until=None)
    await desk.set(expired, status="sending", lease_until=None, expires_at=NOW)

    report = await deliver(desk)

    assert report.sent == 2 and report.expired == 1 and report.stopped is None
    rows = {row.id: row for row in await desk.rows()}
    assert [rows[i].status for i in (crashed, before_leases, expired)] == [
        "sent",
        "sent",
        "expired",
    ]
    assert rows[crashed].attempts == 2 and rows[crashed].lease_until is None
    assert sorted(desk.api.delivered().values()) == [1, 1]
    # Every reminder send is marked as a background send for the rate limiter.
    assert desk.limiter.args == [{"background": True}] * 2


async def test_a_fresh_lease_is_not_taken_by_a_second_sender(desk: Desk) -> None:
    [held] = await desk.remind(await desk.members(1))
    lease_until = NOW + timedelta(seconds=30)
    await desk.set(held, status="sending", attempts=1, lease_until=lease_until)

    report = await deliver(desk)

    assert report.sent == 0 and desk.api.sent() == []
    [row] = await desk.rows()
    assert row.status == "sending" and row.attempts == 1
    # Once the lease has run out, it is taken again.
    later = await deliver(desk, NOW + timedelta(seconds=31))
    assert later.sent == 1 and desk.api.delivered() == Counter({FIRST_CHAT: 1})


async def test_two_senders_at_once_send_each_of_many_reminders_once(desk: Desk) -> None:
    await desk.remind(await desk.members(60))
    other = ExtBot(TOKEN, request=desk.api, get_updates_request=desk.api)
    await other.initialize()
    try:
        first, second = await _gather(
            deliver(desk),
            deliver_pending(desk.sessions, telegram_channels(other), desk.commune_id, NOW),
        )
    finally:
        await other.shutdown()
    assert first.sent + second.sent == 60
    assert desk.api.delivered() == Counter({FIRST_CHAT + n: 1 for n in range(60)})
    assert await desk.statuses() == Counter({"sent": 60})


async def test_outcomes_are_recorded_batch_by_batch_before_a_fault(desk: Desk) -> None:
    total = 3 * BATCH + 5
    await desk.remind(await desk.members(total))
    crash_at = BATCH + 10  # in the second batch
    seen: dict[str, Any] = {}

    async def crash(n: int) -> None:
        if n != crash_at:
            return
        # Count the deliveries first: other sends go on while the statuses are read, and
        # what is recorded only grows, so the bound below holds at this moment.
        delivered = sum(desk.api.delivered().values())
        seen.update(statuses=await desk.statuses(), delivered=delivered)
        raise Crash

    desk.api.before_send = crash
    with pytest.raises(Crash):
        await deliver(desk)

    statuses = seen["statuses"]
    # At the fault, what went before it is recorded, but for the sends still in flight; only
    # the batch being sent is held, and the rows after it were never taken.
    assert statuses["sent"] >= seen["delivered"] - CONCURRENCY
    assert statuses["sending"] <= BATCH
    assert statuses["pending"] >= total - 2 * BATCH
    # After the run: every message that went out is recorded sent; the one that crashed
    # stays with its lease, the untouched rows are pending.
    delivered = desk.api.delivered()
    rows = await desk.rows()
    by_chat = {FIRST_CHAT + desk.member_ids.index(r.member_id): r for r in rows}
    assert all(by_chat[chat].status == "sent" for chat in delivered)
    assert sum(1 for r in rows if r.status == "sending") >= 1
    assert sum(1 for r in rows if r.status == "pending") >= total - 2 * BATCH

    # The next run after the lease sends the rest, nothing twice.
    desk.api.before_send = None
    await deliver(desk, NOW + LEASE + timedelta(seconds=1))
    assert desk.api.delivered() == Counter({FIRST_CHAT + n: 1 for n in range(total)})
    assert await desk.statuses() == Counter({"sent": total})


async def test_a_429_with_a_long_retry_after_does_not_sleep(desk: Desk) -> None:
    total = BATCH + 10
    await desk.remind(await desk.members(total))
    desk.api.faults.append(
        Fault("sendMessage", 429, "Too Many Requests: retry after 3600", retry_after=3600)
    )
    sleeps = Sleeps()

    started = time.monotonic()
    report = await deliver(desk, sleep=sleeps)
    took = time.monotonic() - started

    assert took < 5 and sleeps.calls == []
    assert report.stopped == "rate limited"
    assert report.rate_limited_until is not None
    rows = await desk.rows()
    [refused] = [r for r in rows if r.error and "Flood control" in r.error]
    not_before = refused.not_before.replace(tzinfo=UTC)
    assert refused.status == "pending" and refused.attempts == 0
    assert abs(not_before - (NOW + timedelta(seconds=3600))) < timedelta(seconds=5)
    # The rest of the batch went back to pending, as they were; the next batch was not taken.
    statuses = Counter(r.status for r in rows)
    assert statuses["sending"] == 0
    assert statuses["sent"] == report.sent < BATCH
    assert all(r.attempts == 0 for r in rows if r.status == "pending")
    assert report.retry_later == statuses["pending"] - (total - BATCH) >= 1

    # The next tick sends the others; the refused one waits for its hour.
    later = await deliver(desk, NOW + timedelta(minutes=5))
    assert later.sent == total - 1 - report.sent
    assert (await desk.statuses())["pending"] == 1
    await deliver(desk, NOW + timedelta(seconds=3601))
    assert await desk.statuses() == Counter({"sent": total})
    assert desk.api.delivered() == Counter({FIRST_CHAT + n: 1 for n in range(total)})


async def test_a_short_database_outage_while_recording_is_retried(desk: Desk) -> None:
    total = 40
    await desk.remind(await desk.members(total))
    flaky = FlakySessions(desk.sessions)

    async def outage(n: int) -> None:
        if n == 10:
            flaky.fail_next = len(DB_BACKOFF)  # one try fewer than the retries allow

    desk.api.before_send = outage
    sleeps = Sleeps()
    report = await deliver_pending(
        cast(SessionFactory, flaky),
        telegram_channels(desk.bot),
        desk.commune_id,
        NOW,
        sleep=sleeps,
    )

    assert flaky.failed == len(DB_BACKOFF) == len(sleeps.calls)
    assert set(sleeps.calls) <= set(DB_BACKOFF)
    assert report.sent == total and report.stopped is None
    assert await desk.statuses() == Counter({"sent": total})
    assert desk.api.delivered() == Counter({FIRST_CHAT + n: 1 for n in range(total)})


async def test_a_long_database_outage_stops_the_run_and_the_lease_resends_only_in_flight(
    desk: Desk,
) -> None:
    total = 3 * BATCH
    await desk.remind(await desk.members(total))
    flaky = FlakySessions(desk.sessions)

    async def outage(n: int) -> None:
        if n == 10:
            flaky.fail_next = 10_000

    desk.api.before_send = outage
    report = await deliver_pending(
        cast(SessionFactory, flaky),
        telegram_channels(desk.bot),
        desk.commune_id,
        NOW,
        sleep=Sleeps(),
    )
    assert report.stopped == "database"
    flaky.fail_next = 0
    delivered = desk.api.delivered()
    status_of = {
        FIRST_CHAT + desk.member_ids.index(r.member_id): r.status for r in await desk.rows()
    }
    unrecorded = [chat for chat in delivered if status_of[chat] == "sending"]
    held = sum(1 for status in status_of.values() if status == "sending")
    # No new send after the outage was noticed: only those in flight went unrecorded, and
    # only the one batch is held (its unsent rows wait for the lease, like the unrecorded).
    assert len(delivered) - report.sent == len(unrecorded) <= CONCURRENCY
    assert held <= BATCH
    assert sum(1 for status in status_of.values() if status == "pending") >= total - BATCH

    # The database is back; a run within the lease leaves the held rows alone, the first
    # run after it sends them again.
    await deliver(desk, NOW + timedelta(seconds=10))
    assert sum(1 for r in await desk.rows() if r.status == "sending") == held
    await deliver(desk, NOW + LEASE + timedelta(seconds=1))
    assert await desk.statuses() == Counter({"sent": total})
    counts = desk.api.delivered()
    assert set(counts) == {FIRST_CHAT + n for n in range(total)}
    assert sum(counts.values()) - total == len(unrecorded) <= CONCURRENCY


async def test_a_reminder_send_through_the_stock_limiter_passes_no_background_flag(
    desk: Desk,
) -> None:
    stock: ExtBot[int] = ExtBot(TOKEN, request=desk.api, rate_limiter=AIORateLimiter())
    plain: ExtBot[None] = ExtBot(TOKEN, request=desk.api)
    # PTB's own limiter reads ``rate_limit_args`` as a retry count; a bare bot refuses it.
    assert TelegramChannel(stock)._background(True) == {}
    assert TelegramChannel(plain)._background(True) == {}
    assert TelegramChannel(desk.bot)._background(True) == {"rate_limit_args": {"background": True}}
    assert TelegramChannel(desk.bot)._background(False) == {}


class FlakySessions:
    """The session factory, failing the next ``fail_next`` sessions as a lost database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.fail_next = 0
        self.failed = 0

    def __call__(self) -> AsyncSession:
        if self.fail_next > 0:
            self.fail_next -= 1
            self.failed += 1
            raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))
        return self.sessions()


async def _gather(*runs: Awaitable[delivery.DeliveryReport]) -> list[delivery.DeliveryReport]:
    return list(await asyncio.gather(*runs))


# --- A delivery process killed with SIGKILL mid-send ------------------------------------

MEMBERS = 400
CHILD = Path(__file__).resolve().parent / "fanout_child.py"
CHILD_LEASE = 2.0


class FakeTelegram:
    """Telegram's side, in this (the parent) process: it records every delivered message,
    and kills the sending process right after the n-th message of its run."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered: list[tuple[int, int, str]] = []  # (run, chat_id, text)
        self.run = 0
        self.run_count = 0
        self.kill_at: int | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.killed = False
        self.active = 0
        self.message_ids = 0

    def start(self, run: int, child: subprocess.Popen[bytes], kill_at: int | None) -> None:
        with self.lock:
            self.run, self.run_count, self.child = run, 0, child
            self.kill_at, self.killed = kill_at, False

    def deliver(self, chat_id: int, text: str) -> int:
        with self.lock:
            self.delivered.append((self.run, chat_id, text))
            self.run_count += 1
            self.message_ids += 1
            if self.run_count == self.kill_at and self.child is not None:
                os.kill(self.child.pid, signal.SIGKILL)
                self.killed = True
            return self.message_ids


def _serve(telegram: FakeTelegram) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            with telegram.lock:
                telegram.active += 1
            try:
                self._answer()
            finally:
                with telegram.lock:
                    telegram.active -= 1

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = {k: str(v) for k, v in json.loads(body or "{}").items()}
            else:
                params = {k: v[0] for k, v in parse_qs(body).items()}
            method = self.path.rsplit("/", 1)[-1]
            result: Any = True
            if method == "getMe":
                result = {"id": 1000000001, "is_bot": True, "first_name": "Fake", "username": "x"}
            elif method == "sendMessage":
                chat_id = int(params["chat_id"])
                message_id = telegram.deliver(chat_id, params.get("text", ""))
                result = {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": params.get("text", ""),
                }
            answer = json.dumps({"ok": True, "result": result}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the sender was killed meanwhile

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _child(*args: str) -> subprocess.Popen[bytes]:
    proxies = {"http_proxy", "https_proxy", "all_proxy"}
    env = {k: v for k, v in os.environ.items() if k.lower() not in proxies}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _statuses_by_chat(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT a.chat_id, r.status FROM reminder r"
            " JOIN chataccount a ON a.member_id = r.member_id AND a.channel = 'telegram'"
        ).fetchall()
    connection.close()
    return {int(chat): str(status) for chat, status in rows}


@pytest.mark.e2e
def test_sigkill_mid_send_resends_at_most_the_sends_in_flight(tmp_path: Path) -> None:
    path = tmp_path / "fanout.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    setup = _child("setup", url, str(MEMBERS))
    out, err = setup.communicate(timeout=120)
    assert setup.returncode == 0, err.decode()
    chats = set(json.loads(out)["chats"])
    assert len(chats) == MEMBERS

    telegram = FakeTelegram()
    server = _serve(telegram)
    port = server.server_address[1]
    rng = random.Random(20261126)
    in_flight: list[int] = []
    try:
        run = 0
        while True:
            run += 1
            # Kill somewhere between ~50 and ~300 messages into the run, while enough is
            # left for the run to get there; then one run to the end.
            reached = {chat for _, chat, _ in telegram.delivered}
            room = len(chats - reached) - 25
            kill_at = (
                rng.randint(50, min(300, room)) if len(in_flight) < 3 and room >= 50 else None
            )
            child = _child("deliver", url, str(port), str(CHILD_LEASE))
            telegram.start(run, child, kill_at)
            out, err = child.communicate(timeout=120)
            if kill_at is None:
                assert child.returncode == 0, err.decode()
                break
            assert child.returncode == -signal.SIGKILL and telegram.killed, err.decode()
            deadline = time.monotonic() + 5
            while telegram.active and time.monotonic() < deadline:
                time.sleep(0.01)
            # Delivered in this run but not recorded as sent: the sends in flight at the kill.
            statuses = _statuses_by_chat(path)
            this_run = {chat for r, chat, _ in telegram.delivered if r == run}
            unrecorded = {chat for chat in this_run if statuses[chat] != "sent"}
            assert len(unrecorded) <= CONCURRENCY
            assert sum(1 for s in statuses.values() if s == "sending") <= BATCH
            in_flight.append(len(unrecorded))
            time.sleep(CHILD_LEASE + 0.5)  # the dead sender's lease runs out
    finally:
        server.shutdown()
        server.server_close()

    assert len(in_flight) >= 2
    counts = Counter(chat for _, chat, _ in telegram.delivered)
    assert set(counts) == chats  # everyone reached at least once
    duplicates = sum(counts.values()) - len(chats)
    assert duplicates <= sum(in_flight) <= len(in_flight) * CONCURRENCY
    assert set(_statuses_by_chat(path).values()) == {ReminderStatus.SENT}
