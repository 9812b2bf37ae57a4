"""Recording reminders and delivering them, each exactly once, within Telegram's limits.

1. :func:`record` inserts a row per reminder under its unique key (member, kind, period)
   *before* anything is sent. A second scheduler, a retried job or a restart that decides
   the same reminder hits the key and records nothing.
2. :func:`deliver_pending` takes each pending row with a conditional update
   (``pending`` → ``sending``): only one sender can win a row, so only one sends it.
3. The send goes through the bot, whose AIORateLimiter paces all messages under the
   per-bot limit and waits out a 429 (``retry_after``). A network error is retried with
   backoff; a 403 (the member blocked the bot) marks the member unreachable, stops further
   sends to them and tells the office once. Each row ends with its outcome.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import texts
from bot.texts import esc
from models.clock import as_utc
from models.db import SessionFactory, transaction
from models.tables import Member, Reminder, ReminderStatus, Role, Task, Unit
from scheduler.messages import report_buttons

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
NETWORK_BACKOFF = (0.5, 1.0, 2.0)
CONCURRENCY = 16


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
    retry_later: int = 0
    expired: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


async def record(
    sessions: SessionFactory, commune_id: int, items: Sequence[Outgoing], now: datetime
) -> list[int]:
    """Insert a pending row per reminder not recorded before; return the new rows' ids.

    One ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL both have it): a key
    recorded already, by an earlier run or by another scheduler at the same moment, is
    skipped by the database itself.
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
    async with transaction(sessions) as session:
        dialect = (await session.connection()).dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = (
            insert(Reminder)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["member_id", "kind", "period"])
            .returning(col(Reminder.id))
        )
        result = await session.exec(statement)
        return [row[0] for row in result]


async def _claim(session: AsyncSession, reminder_ids: list[int]) -> set[int]:
    """Take pending rows for this sender; return the ids it won (another sender, running at
    the same time, wins the rest).
    """
    if not reminder_ids:
        return set()
    result = await session.exec(
        update(Reminder)
        .where(col(Reminder.id).in_(reminder_ids), col(Reminder.status) == ReminderStatus.PENDING)
        .values(status=ReminderStatus.SENDING, attempts=Reminder.attempts + 1)
        .returning(col(Reminder.id))
    )
    return {row[0] for row in result}


async def deliver_pending(
    sessions: SessionFactory,
    bot: Bot,
    commune_id: int,
    now: datetime,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    backoff: Sequence[float] = NETWORK_BACKOFF,
) -> DeliveryReport:
    """Send every pending reminder of the commune that may go at ``now``."""
    report = DeliveryReport()
    async with transaction(sessions) as session:
        rows = list(
            await session.exec(
                select(Reminder, Member, Task)
                .join(Member, col(Member.id) == col(Reminder.member_id))
                .join(Task, col(Task.id) == col(Reminder.task_id), isouter=True)
                .where(
                    Reminder.commune_id == commune_id,
                    Reminder.status == ReminderStatus.PENDING,
                    col(Reminder.not_before) <= now,
                )
                .order_by(col(Reminder.id))
            )
        )
    expired = [r.id for r, _, _ in rows if r.id is not None and as_utc(r.expires_at) <= now]
    for reminder_id in expired:
        await _finish(sessions, reminder_id, ReminderStatus.EXPIRED, now)
    report.expired = len(expired)
    live = [r.id for r, _, _ in rows if r.id is not None and r.id not in expired]
    async with transaction(sessions) as session:
        won = await _claim(session, live)
    jobs = [
        (reminder, member, report_buttons(task.id, task.code) if task else None)
        for reminder, member, task in rows
        if reminder.id in won
    ]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(reminder: Reminder, member: Member, markup: InlineKeyboardMarkup | None) -> None:
        async with gate:
            await _send_one(sessions, bot, reminder, member, markup, now, report, sleep, backoff)

    await asyncio.gather(*(one(*job) for job in jobs))
    return report


async def _send_one(
    sessions: SessionFactory,
    bot: Bot,
    reminder: Reminder,
    member: Member,
    markup: InlineKeyboardMarkup | None,
    now: datetime,
    report: DeliveryReport,
    sleep: Callable[[float], Awaitable[None]],
    backoff: Sequence[float],
) -> None:
    assert reminder.id is not None and member.chat_id is not None
    for attempt in range(len(backoff) + 1):
        try:
            await bot.send_message(member.chat_id, reminder.text, reply_markup=markup)
        except Forbidden as error:
            await _finish(sessions, reminder.id, ReminderStatus.BLOCKED, now, str(error))
            await _mark_unreachable(sessions, member, now)
            report.blocked += 1
            report.outcomes[reminder.id] = ReminderStatus.BLOCKED
            return
        except RetryAfter as error:
            # The rate limiter has waited and retried already: try again on a later run.
            await _retry_later(sessions, reminder, now + timedelta(minutes=1), str(error))
            report.retry_later += 1
            return
        except BadRequest as error:
            await _finish(sessions, reminder.id, ReminderStatus.FAILED, now, str(error))
            report.failed += 1
            report.outcomes[reminder.id] = ReminderStatus.FAILED
            return
        except (NetworkError, TelegramError) as error:
            if attempt < len(backoff):
                await sleep(backoff[attempt])
                continue
            await _retry_later(sessions, reminder, now + timedelta(minutes=1), str(error))
            report.retry_later += 1
            return
        await _finish(sessions, reminder.id, ReminderStatus.SENT, now)
        report.sent += 1
        report.outcomes[reminder.id] = ReminderStatus.SENT
        return


async def _finish(
    sessions: SessionFactory, reminder_id: int, status: str, now: datetime, error: str = ""
) -> None:
    async with transaction(sessions) as session:
        row = await session.get(Reminder, reminder_id)
        assert row is not None
        row.status = status
        row.error = error[:500] or None
        if status == ReminderStatus.SENT:
            row.sent_at = now


async def _retry_later(
    sessions: SessionFactory, reminder: Reminder, when: datetime, error: str
) -> None:
    async with transaction(sessions) as session:
        row = await session.get(Reminder, reminder.id)
        assert row is not None
        row.error = error[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = ReminderStatus.FAILED
        else:
            row.status, row.not_before = ReminderStatus.PENDING, when


async def _mark_unreachable(sessions: SessionFactory, member: Member, now: datetime) -> None:
    """Stop sending to a member who blocked the bot, and tell the office (once)."""
    async with transaction(sessions) as session:
        row = await session.get(Member, member.id)
        assert row is not None
        if row.unreachable_at is None:
            row.unreachable_at = now
        unit = await session.get(Unit, row.unit_id) if row.unit_id else None
        office = await session.exec(
            select(Member).where(
                Member.commune_id == row.commune_id,
                Member.role == Role.OFFICE,
                col(Member.chat_id).is_not(None),
                col(Member.id) != row.id,
            )
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
                now,
                now + timedelta(days=7),
            )
            for clerk in office
        ]
    await record(sessions, member.commune_id, notices, now)
