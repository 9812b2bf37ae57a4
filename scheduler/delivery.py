"""Recording reminders and delivering them, at least once, within each channel's limits.

1. :func:`record` inserts a row per reminder under its unique key (member, kind, period)
   *before* anything is sent. A second scheduler, a retried job or a restart that decides
   the same reminder hits the key and records nothing.
2. :func:`deliver_pending` works in batches of :data:`BATCH` rows (about one second of
   Telegram's ~30 messages a second). It takes each batch with a conditional update
   (``pending`` → ``sending`` with ``lease_until = now + LEASE``, or a ``sending`` row whose
   lease has run out → ``sending`` again): only one sender wins a row. It sends the batch,
   :data:`CONCURRENCY` messages at a time, records each outcome right after its send, and
   only then takes the next batch. Nothing is claimed up front.
3. Each row goes to the member's account used last (Telegram or Zalo) through that
   channel's sender (:class:`models.chat.Channel`), marked as a background send: a rate
   limit is raised at once instead of waited for. A rate limit puts the row back to
   ``pending`` until ``retry_after`` (not counted as an attempt), puts the rest of the batch
   back too and ends the run: the next tick goes on. A network error is retried with
   backoff; a blocked account is marked unreachable and the row goes back at once to the
   member's other account, if any (else it is ``blocked`` and the office is told once); a
   refused message fails the row. The options a message carries are remembered for the
   account, so that a typed number answers them (Zalo has no buttons).
4. Recording an outcome is retried with a short backoff if the database is unreachable;
   if it stays down, the run stops and the rows it still holds wait for their lease.

The guarantee is *at least once*, with a stated bound on duplicates. A message can go twice
only if the sender dies (SIGKILL, power cut) or loses the database between sending it and
recording its outcome: the row is still ``sending``, and once its lease runs out the next
run sends it again. Only the sends in flight at that moment are exposed: **at most
CONCURRENCY (16) duplicate messages per crash or outage**, all from the one batch of
BATCH (25) rows held then. Claimed rows not yet sent are merely delayed until the lease
runs out. A send (or a retry of one) starts only while at least half of its lease is left,
so a slow but living sender never has its rows taken from under it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from time import monotonic
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.texts import esc
from models.accounts import accounts_of, best_account
from models.chat import Blocked, Channel, ChannelError, Menu, RateLimited, Rejected
from models.db import SessionFactory, transaction
from models.tables import ChatAccount, Member, Reminder, ReminderStatus, Role, Task, Unit
from scheduler.messages import buttons_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
NETWORK_BACKOFF = (0.5, 1.0, 2.0)
# Waits between tries to record an outcome while the database is unreachable.
DB_BACKOFF = (0.25, 0.5, 1.0, 2.0)
# Messages in flight at once, and rows held at once: about one second of sends at ~28/s.
CONCURRENCY = 16
BATCH = 25
# The most one send attempt can take: PTB's connect, write, read and pool timeouts (5+5+5+1
# seconds by default; the Zalo client's are shorter) and some to spare.
SEND_TIMEOUT = 20.0
# A batch normally takes about a second. A send, or a retry of one, starts only while at
# least half the lease is left, and one attempt plus recording its outcome (database retries
# included) takes at most SEND_TIMEOUT + sum(DB_BACKOFF), about 24 s: the lease is at least
# four times that, so whatever a living sender starts is sent and recorded inside its lease.
LEASE = timedelta(seconds=max(120.0, 4 * (SEND_TIMEOUT + sum(DB_BACKOFF))))
RETRY_LATER = timedelta(minutes=1)

# What an unreachable database looks like through SQLAlchemy, asyncpg and aiosqlite.
_DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError, OSError)

T = TypeVar("T")


@dataclass(frozen=True)
class Outgoing:
    """A reminder decided and worded, ready to be recorded."""

    member_id: int
    kind: str
    period: str
    text: str
    not_before: datetime
    expires_at: datetime
    task_id: int | None = None


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    # Put back to pending, to go on a later run: network trouble, a 429, or held but unsent
    # when the run stopped.
    retry_later: int = 0
    expired: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)
    # Why the run stopped early: "rate limited", "database" or "error"; None if it finished.
    stopped: str | None = None
    # After a 429: Telegram takes no more messages until then.
    rate_limited_until: datetime | None = None
    # Final outcomes by (channel, "sent" or "failed"), for the metrics.
    by_channel: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, channel: str, outcome: str) -> None:
        """One reminder's final outcome on ``channel``."""
        self.by_channel[channel, outcome] = self.by_channel.get((channel, outcome), 0) + 1


async def record(
    sessions: SessionFactory, commune_id: int, items: Sequence[Outgoing], now: datetime
) -> list[int]:
    """Insert a pending row per reminder not recorded before; return the new rows' ids.

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL both have it): a key
    recorded already, by an earlier run or by another scheduler at the same moment, is
    skipped by the database itself.
    """
    async with transaction(sessions) as session:
        return await record_in(session, commune_id, items, now)


async def record_in(
    session: AsyncSession, commune_id: int, items: Sequence[Outgoing], now: datetime
) -> list[int]:
    """:func:`record` in a transaction of the caller's (e.g. the office's /nhacnho update,
    so the reminders and the update's mark commit together).
    """
    if not items:
        return []
    rows = [
        {
            "commune_id": commune_id,
            "member_id": item.member_id,
            "kind": item.kind,
            "period": item.period,
            "text": item.text,
            "task_id": item.task_id,
            "status": ReminderStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "not_before": item.not_before,
            "expires_at": item.expires_at,
        }
        for item in items
    ]
    dialect = (await session.connection()).dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = (
        insert(Reminder)
        .on_conflict_do_nothing(index_elements=["member_id", "kind", "period"])
        .returning(col(Reminder.id))
    )
    # The rows as parameters (an executemany, which SQLAlchemy batches into multi-row
    # INSERTs itself), not one statement with every value in it: a statement of 11,000
    # bound values took 0.6 s to build for 1,000 reminders; this one is compiled once.
    result = await session.exec(statement, params=rows)
    return [row[0] for row in result]


class DatabaseDown(Exception):
    """The database stayed unreachable through every retry."""


def is_database_down(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (rather than a bad query)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _DATABASE_DOWN)


@dataclass
class _Job:
    reminder: Reminder
    member: Member
    menu: Menu | None
    # Where to reach the member (None: no reachable account on a channel this run has).
    account: ChatAccount | None = None
    # Another reachable account to fall back on if this one turns out blocked.
    fallback: bool = False
    started: bool = False


@dataclass
class _Batch:
    lease_until: datetime
    jobs: list[_Job]


@dataclass
class _Run:
    """One delivery run: its settings, its clock and what it did so far."""

    sessions: SessionFactory
    channels: Mapping[str, Channel]
    commune_id: int
    now: datetime
    lease: timedelta
    sleep: Callable[[float], Awaitable[None]]
    backoff: Sequence[float]
    db_backoff: Sequence[float]
    report: DeliveryReport = field(default_factory=DeliveryReport)
    started: float = field(default_factory=monotonic)

    def clock(self) -> datetime:
        """``now`` moved on by the time this run has taken (leases are real time)."""
        return self.now + timedelta(seconds=monotonic() - self.started)

    def may_start(self, batch: _Batch) -> bool:
        """Whether a send may start: the run goes on and half the lease is left."""
        return self.report.stopped is None and self.clock() + self.lease / 2 <= batch.lease_until

    async def db(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation`` (its own transaction), retrying while the database is down."""
        for attempt in range(len(self.db_backoff) + 1):
            try:
                return await operation()
            except Exception as error:
                if not is_database_down(error):
                    raise
                if attempt == len(self.db_backoff):
                    raise DatabaseDown(str(error)) from error
                log.warning("database unreachable (%s); retrying", error)
                await self.sleep(self.db_backoff[attempt])
        raise AssertionError("unreachable")


async def deliver_pending(
    sessions: SessionFactory,
    channels: Mapping[str, Channel],
    commune_id: int,
    now: datetime,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    backoff: Sequence[float] = NETWORK_BACKOFF,
    db_backoff: Sequence[float] = DB_BACKOFF,
    lease: timedelta = LEASE,
    batch_size: int = BATCH,
) -> DeliveryReport:
    """Send the commune's reminders that may go at ``now``, batch by batch.

    Takes the pending rows due by now and the ``sending`` rows whose lease ran out (a sender
    that died), among the rows that existed when the run began: what one run reports is
    what was waiting when it started (the office notices it records go on the next run).
    """
    run = _Run(sessions, channels, commune_id, now, lease, sleep, backoff, db_backoff)
    try:
        run.report.expired = await run.db(lambda: _expire(run))
        ceiling = await run.db(lambda: _highest_id(run))
        while ceiling is not None and run.report.stopped is None:
            batch = await run.db(partial(_claim, run, ceiling, batch_size))
            if batch is None:
                break
            await _send_batch(run, batch)
    except DatabaseDown as error:
        log.error("reminder delivery stopped, the database is unreachable: %s", error)
        run.report.stopped = "database"
    return run.report


def _claimable(run: _Run, at: datetime) -> Any:
    """Rows this run may take at ``at``: due and pending, or held on a lease that ran out."""
    lease_over = or_(col(Reminder.lease_until).is_(None), col(Reminder.lease_until) < at)
    return and_(
        col(Reminder.commune_id) == run.commune_id,
        or_(
            and_(col(Reminder.status) == ReminderStatus.PENDING, col(Reminder.not_before) <= at),
            and_(col(Reminder.status) == ReminderStatus.SENDING, lease_over),
        ),
    )


async def _expire(run: _Run) -> int:
    """Rows whose period passed before they could go become ``expired``."""
    at = run.clock()
    async with transaction(run.sessions) as session:
        result = await session.exec(
            update(Reminder)
            .where(_claimable(run, at), col(Reminder.expires_at) <= at)
            .values(status=ReminderStatus.EXPIRED, lease_until=None)
            .returning(col(Reminder.id))
        )
        return len(list(result))


async def _highest_id(run: _Run) -> int | None:
    async with transaction(run.sessions) as session:
        statement = select(func.max(Reminder.id)).where(Reminder.commune_id == run.commune_id)
        return (await session.exec(statement)).one()


async def _claim(run: _Run, ceiling: int, size: int) -> _Batch | None:
    """Take up to ``size`` rows on a lease; None when nothing is left to take.

    The candidates are read first, then taken with a conditional ``UPDATE … RETURNING`` that
    repeats the condition: a row another sender took in between is not taken again (on
    SQLite the update holds the write lock; on PostgreSQL it re-checks each locked row).
    Each statement opens its own transaction, so SQLite never has to upgrade a read.
    """
    at = run.clock()
    claimable = and_(
        _claimable(run, at), col(Reminder.id) <= ceiling, col(Reminder.expires_at) > at
    )
    async with transaction(run.sessions) as session:
        candidates = list(
            await session.exec(
                select(Reminder.id).where(claimable).order_by(col(Reminder.id)).limit(size)
            )
        )
    if not candidates:
        return None
    lease_until = at + run.lease
    async with transaction(run.sessions) as session:
        result = await session.exec(
            update(Reminder)
            .where(col(Reminder.id).in_(candidates), claimable)
            .values(
                status=ReminderStatus.SENDING,
                lease_until=lease_until,
                attempts=Reminder.attempts + 1,
            )
            .returning(col(Reminder.id))
        )
        won = [row[0] for row in result]
        rows = list(
            await session.exec(
                select(Reminder, Member, Task)
                .join(Member, col(Member.id) == col(Reminder.member_id))
                .join(Task, col(Task.id) == col(Reminder.task_id), isouter=True)
                .where(col(Reminder.id).in_(won))
                .order_by(col(Reminder.id))
            )
        )
        accounts = await accounts_of(session, {member.id or 0 for _, member, _ in rows})
        jobs = []
        for reminder, member, task in rows:
            usable = [a for a in accounts[member.id or 0] if a.channel in run.channels]
            account = best_account(usable)
            others = [a for a in usable if a is not account and a.unreachable_at is None]
            menu = buttons_for(reminder.kind, task.id, task.code) if task else None
            jobs.append(_Job(reminder, member, menu, account, bool(others)))
    return _Batch(lease_until, jobs)


async def _send_batch(run: _Run, batch: _Batch) -> None:
    """Send a batch, CONCURRENCY at a time, each outcome recorded as soon as it is known;
    then put back what was not sent (after a 429, or when the lease grew short).
    """
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: _Job) -> None:
        async with gate:
            if not run.may_start(batch):
                return
            job.started = True
            try:
                await _send_one(run, batch, job)
            except DatabaseDown as error:
                if run.report.stopped != "database":
                    log.error("reminder delivery stopped, the database is unreachable: %s", error)
                run.report.stopped = "database"
            except BaseException:
                # Unexpected: start nothing more; the row keeps its lease, the error is raised.
                run.report.stopped = run.report.stopped or "error"
                raise

    results = await asyncio.gather(*(one(job) for job in batch.jobs), return_exceptions=True)
    unsent = [job.reminder.id for job in batch.jobs if not job.started]
    if unsent and run.report.stopped != "database":
        ids = [reminder_id for reminder_id in unsent if reminder_id is not None]
        released = await run.db(partial(_release, run, batch, ids))
        if run.report.stopped is not None:
            # Left for a later run (otherwise the next batch of this run takes them again).
            run.report.retry_later += released
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _send_one(run: _Run, batch: _Batch, job: _Job) -> None:
    reminder, member, report, account = job.reminder, job.member, run.report, job.account
    reminder_id = reminder.id
    assert reminder_id is not None
    lease = batch.lease_until
    if account is None:
        await run.db(partial(_finish, run, reminder_id, lease, ReminderStatus.FAILED, "no chat"))
        report.failed += 1
        return
    channel = run.channels[account.channel]
    for attempt in range(len(run.backoff) + 1):
        try:
            await channel.send_text(account.chat_id, reminder.text, job.menu, background=True)
        except Blocked as error:
            await run.db(partial(_mark_unreachable, run, member, account, job.fallback))
            if job.fallback:
                # The member has another account: the row goes back at once, to go there.
                await run.db(partial(_defer, run, reminder_id, lease, run.clock(), str(error)))
                report.retry_later += 1
                return
            await run.db(
                partial(_finish, run, reminder_id, lease, ReminderStatus.BLOCKED, str(error))
            )
            report.blocked += 1
            report.outcomes[reminder_id] = ReminderStatus.BLOCKED
            report.count(account.channel, "failed")
            return
        except RateLimited as error:
            # Not an attempt that failed: the channel asks to wait. No waiting here: the
            # row and the rest of the batch go back to pending, the next tick goes on.
            until = run.clock() + error.retry_after
            report.stopped = "rate limited"
            if report.rate_limited_until is None or until > report.rate_limited_until:
                report.rate_limited_until = until
            await run.db(partial(_defer, run, reminder_id, lease, until, str(error)))
            report.retry_later += 1
            return
        except Rejected as error:
            await run.db(
                partial(_finish, run, reminder_id, lease, ReminderStatus.FAILED, str(error))
            )
            report.failed += 1
            report.outcomes[reminder_id] = ReminderStatus.FAILED
            report.count(account.channel, "failed")
            return
        except ChannelError as error:
            if attempt < len(run.backoff):
                await run.sleep(run.backoff[attempt])
                if run.may_start(batch):
                    continue
            status = await run.db(
                partial(_retry_later, run, reminder_id, lease, run.clock() + RETRY_LATER, error)
            )
            if status == ReminderStatus.FAILED:
                report.failed += 1
                report.outcomes[reminder_id] = ReminderStatus.FAILED
                report.count(account.channel, "failed")
            else:
                report.retry_later += 1
            return
        # Sent: record it before anything else, so that a crash from here on can resend
        # only what is still in flight.
        shown = (account.id, job.menu.to_json()) if job.menu is not None else None
        await run.db(partial(_finish, run, reminder_id, lease, ReminderStatus.SENT, "", shown))
        report.sent += 1
        report.outcomes[reminder_id] = ReminderStatus.SENT
        report.count(account.channel, "sent")
        return


def _held(reminder_id: int, lease_until: datetime) -> Any:
    """The row, still held by this sender (a sender whose lease ran out changes nothing)."""
    return and_(
        col(Reminder.id) == reminder_id,
        col(Reminder.status) == ReminderStatus.SENDING,
        col(Reminder.lease_until) == lease_until,
    )


async def _finish(
    run: _Run,
    reminder_id: int,
    lease_until: datetime,
    status: str,
    error: str = "",
    shown: tuple[int | None, str] | None = None,
) -> None:
    """Record a row's outcome; ``shown``: the account that was sent options, and them."""
    at = run.clock()
    values: dict[str, Any] = {"status": status, "error": error[:500] or None, "lease_until": None}
    if status == ReminderStatus.SENT:
        values["sent_at"] = at
    async with transaction(run.sessions) as session:
        result = await session.exec(
            update(Reminder)
            .where(_held(reminder_id, lease_until))
            .values(**values)
            .returning(col(Reminder.id))
        )
        if not list(result):
            log.warning("reminder %s: lease lost before its outcome (%s) was recorded",
                        reminder_id, status)  # fmt: skip
        if shown is not None:
            account_id, menu_json = shown
            await session.exec(
                update(ChatAccount).where(col(ChatAccount.id) == account_id).values(menu=menu_json)
            )


async def _defer(
    run: _Run, reminder_id: int, lease_until: datetime, until: datetime, error: str
) -> None:
    """Back to pending until ``until``, without counting the attempt (a 429)."""
    async with transaction(run.sessions) as session:
        await session.exec(
            update(Reminder)
            .where(_held(reminder_id, lease_until))
            .values(
                status=ReminderStatus.PENDING,
                not_before=until,
                lease_until=None,
                attempts=Reminder.attempts - 1,
                error=error[:500],
            )
        )


async def _release(run: _Run, batch: _Batch, reminder_ids: list[int]) -> int:
    """Put held rows that were not sent back to pending, as they were."""
    if not reminder_ids:
        return 0
    async with transaction(run.sessions) as session:
        result = await session.exec(
            update(Reminder)
            .where(
                col(Reminder.id).in_(reminder_ids),
                col(Reminder.status) == ReminderStatus.SENDING,
                col(Reminder.lease_until) == batch.lease_until,
            )
            .values(
                status=ReminderStatus.PENDING, lease_until=None, attempts=Reminder.attempts - 1
            )
            .returning(col(Reminder.id))
        )
        return len(list(result))


async def _retry_later(
    run: _Run, reminder_id: int, lease_until: datetime, when: datetime, error: Exception
) -> str:
    """Back to pending until ``when``, or failed after MAX_ATTEMPTS; return the new status."""
    async with transaction(run.sessions) as session:
        result = await session.exec(
            update(Reminder)
            .where(_held(reminder_id, lease_until))
            .values(
                status=ReminderStatus.PENDING,
                not_before=when,
                lease_until=None,
                error=str(error)[:500],
            )
            .returning(col(Reminder.attempts))
        )
        attempts = [row[0] for row in result]
        if attempts and attempts[0] >= MAX_ATTEMPTS:
            await session.exec(
                update(Reminder)
                .where(col(Reminder.id) == reminder_id)
                .values(status=ReminderStatus.FAILED)
            )
            return ReminderStatus.FAILED
    return ReminderStatus.PENDING


async def _mark_unreachable(
    run: _Run, member: Member, account: ChatAccount, fallback: bool
) -> None:
    """Stop sending to an account that blocked the bot; if the member has no other, tell
    the office (once).
    """
    at = run.now
    async with transaction(run.sessions) as session:
        await session.exec(
            update(ChatAccount)
            .where(col(ChatAccount.id) == account.id, col(ChatAccount.unreachable_at).is_(None))
            .values(unreachable_at=at)
        )
        if fallback:
            return
        row = await session.get(Member, member.id)
        assert row is not None
        unit = await session.get(Unit, row.unit_id) if row.unit_id else None
        office = await session.exec(
            select(Member)
            .join(ChatAccount, col(ChatAccount.member_id) == col(Member.id))
            .where(
                Member.commune_id == row.commune_id,
                Member.role == Role.OFFICE,
                col(Member.id) != row.id,
            )
            .distinct()
        )
        text = texts.UNREACHABLE_NOTICE.format(
            name=esc(row.name), unit=f" ({esc(unit.name)})" if unit else ""
        )
        notices = [
            Outgoing(
                clerk.id or 0,
                "unreachable",
                f"member-{row.id}",
                text,
                at,
                at + timedelta(days=7),
            )
            for clerk in office
        ]
    await record(run.sessions, member.commune_id, notices, at)
