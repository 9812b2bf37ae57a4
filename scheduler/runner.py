"""One scheduler tick: read the situation, decide what is due, record it, deliver it.

Runs every few minutes (see :mod:`scheduler.jobs`) and once at start-up, so a prompt that
fell due while the bot was down goes out when it comes back, if still relevant.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.services import Services
from models.clock import as_utc, format_date, local
from models.commune_profile import read_profile
from models.db import is_sqlite, transaction
from models.plans import current_plan
from models.reports import latest_reports
from models.summary import summarise
from models.tables import Commune, Plan, Report, Status
from scheduler.calendar import WorkCalendar
from scheduler.delivery import DeliveryReport, Outgoing, deliver_pending, record
from scheduler.messages import anticorruption_text, escalation_text, prompt_text
from scheduler.rules import Due, Rules, Situation, in_quiet_hours, quiet_hours_end
from scheduler.situation import read_situation

log = logging.getLogger(__name__)

# Any fixed number will do: it names "the hamlet-bot scheduler" among advisory locks.
_SCHEDULER_LOCK = 0x4A4D4C54


@dataclass
class TickResult:
    """What a tick decided and delivered (summed over the communes it went through)."""

    due: int = 0
    recorded: int = 0
    held: bool = False
    delivery: DeliveryReport | None = None
    skipped: bool = False

    def add(self, one: "TickResult") -> None:
        """Count one commune's tick in."""
        self.due += one.due
        self.recorded += one.recorded
        self.held = self.held or one.held
        if one.delivery is not None:
            self.delivery = merged(self.delivery, one.delivery)


def merged(total: DeliveryReport | None, one: DeliveryReport) -> DeliveryReport:
    """Two delivery runs as one report (a tick delivers commune by commune)."""
    if total is None:
        return one
    total.sent += one.sent
    total.blocked += one.blocked
    total.failed += one.failed
    total.retry_later += one.retry_later
    total.expired += one.expired
    total.outcomes.update(one.outcomes)
    total.stopped = total.stopped or one.stopped
    later = [t for t in (total.rate_limited_until, one.rate_limited_until) if t is not None]
    total.rate_limited_until = max(later) if later else None
    for key, count in one.by_channel.items():
        total.by_channel[key] = total.by_channel.get(key, 0) + count
    return total


def rules_for(services: Services) -> Rules:
    """The configured schedules."""
    reminders = services.settings.reminders
    return Rules(reminders, WorkCalendar(skip_weekends=reminders.skip_weekends))


@asynccontextmanager
async def scheduler_lock(engine: AsyncEngine, commune_id: int) -> AsyncIterator[bool]:
    """On PostgreSQL, only one process runs a commune's tick at a time (an advisory lock
    keyed by the commune, so that two instances can share the communes of a province);
    SQLite is one process. The unique reminder key prevents a double send even without it.
    """
    if is_sqlite(str(engine.url)):
        yield True
        return
    key = {"kind": _SCHEDULER_LOCK, "commune": commune_id}
    async with engine.connect() as connection:
        acquired = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:kind, :commune)"), key)
        ).scalar_one()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                await connection.execute(text("SELECT pg_advisory_unlock(:kind, :commune)"), key)
            await connection.commit()


async def run_tick(services: Services, now: datetime | None = None) -> TickResult:
    """Decide, record and deliver what is due at ``now`` (default: the services' clock), in
    every commune of the database, each with its own plan, timezone and lock.
    """
    now = now or services.now()
    async with transaction(services.sessions) as session:
        commune_ids = [c for c in await session.exec(select(Commune.id).order_by(col(Commune.id)))]
    total = TickResult(skipped=bool(commune_ids))
    for commune_id in commune_ids:
        assert commune_id is not None
        # After a 429 Telegram takes nothing for a while: the other communes only record.
        stopped = total.delivery is not None and total.delivery.stopped == "rate limited"
        one = await _tick_commune(services, commune_id, now, deliver=not stopped)
        total.skipped = total.skipped and one.skipped
        total.add(one)
    return total


async def _tick_commune(
    services: Services, commune_id: int, now: datetime, *, deliver: bool
) -> TickResult:
    async with scheduler_lock(services.engine, commune_id) as acquired:
        if not acquired:
            return TickResult(skipped=True)  # another instance is at this commune now
        async with transaction(services.sessions) as session:
            commune = await session.get(Commune, commune_id)
            assert commune is not None
            plan = await current_plan(session, commune, local(now, commune.timezone).year)
            situation = await read_situation(session, commune, plan, now)
            dues = rules_for(services).due(situation)
            outgoing = [await _word(session, commune, plan, situation, due) for due in dues]
        created = await record(services.sessions, commune_id, outgoing, now)
        result = TickResult(due=len(dues), recorded=len(created))
        if deliver:
            result.held, result.delivery = await deliver_now(services, now, commune_id)
        return result


async def deliver_now(
    services: Services, now: datetime, commune_id: int | None = None
) -> tuple[bool, DeliveryReport]:
    """Deliver the commune's pending reminders (default: the bot's default commune), unless
    it is quiet hours there (then they wait for morning).
    """
    reminders = services.settings.reminders
    commune_id = commune_id or services.commune_id
    assert commune_id is not None
    async with transaction(services.sessions) as session:
        commune = await session.get(Commune, commune_id)
        assert commune is not None
    if in_quiet_hours(now, commune.timezone, reminders.quiet_start, reminders.quiet_end):
        return True, DeliveryReport()
    report = await deliver_pending(services.sessions, services.channels, commune_id, now)
    services.metrics.delivered(report.by_channel)
    if report.blocked and report.stopped is None:
        # The notices to the office about members who blocked the bot go in the same tick
        # (not after a 429 or with the database gone: the next tick takes them).
        notices = await deliver_pending(services.sessions, services.channels, commune_id, now)
        services.metrics.delivered(notices.by_channel)
    return False, report


def hold_until(services: Services, now: datetime, timezone: str) -> datetime:
    """When a reminder decided at ``now`` may go: now, or the end of quiet hours."""
    reminders = services.settings.reminders
    if in_quiet_hours(now, timezone, reminders.quiet_start, reminders.quiet_end):
        return quiet_hours_end(now, timezone, reminders.quiet_end)
    return now


async def _word(
    session: AsyncSession, commune: Commune, plan: Plan, situation: Situation, due: Due
) -> Outgoing:
    if due.kind == "escalation":
        body = escalation_text(plan.year, plan.report_deadline, situation.late_units)
    elif due.kind == "anticorruption":
        body = anticorruption_text(due, await read_profile(session, commune))
    elif due.kind == "digest":
        body = await _digest_text(session, commune, plan, situation.now)
    else:
        body = prompt_text(due, plan.report_deadline)
    first_task = due.tasks[0].id if due.tasks else None
    return Outgoing(
        due.member_id, due.kind, due.period, body, due.fire_at, due.expires_at, first_task
    )


async def _digest_text(session: AsyncSession, commune: Commune, plan: Plan, now: datetime) -> str:
    summary = await summarise(session, commune, plan, now)
    week_ago = now - timedelta(days=7)
    recent = (
        select(func.count())
        .select_from(Report)
        .where(Report.plan_id == plan.id, col(Report.created_at) >= week_ago)
    )
    done_recently = {
        report.task_id
        for report in (await latest_reports(session, plan)).values()
        if report.status == Status.DONE and as_utc(report.created_at) >= week_ago
    }
    return texts.DIGEST.format(
        date=format_date(local(now, commune.timezone).date()),
        percent=summary.percent,
        done=summary.done,
        total=summary.total,
        reports=(await session.exec(recent)).one(),
        newly_done=len(done_recently),
        blocked=len(summary.blocked),
        missing=len(summary.missing_units) + len(summary.missing_hamlets),
    )
