"""Reminders from chat: the office prompts every non-reporter now (/nhacnho), and anyone
pauses routine prompts for a while (/tamdung).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.services import Services
from handlers.context import Visit, members_only
from handlers.turn import Turn
from models.audit import Actor, record_change
from models.clock import format_date, local
from models.plans import current_plan
from models.tables import Role
from scheduler.delivery import Outgoing, record_in
from scheduler.messages import prompt_text
from scheduler.rules import Due
from scheduler.runner import deliver_now, hold_until, rules_for
from scheduler.situation import read_situation

MAX_MUTE_DAYS = 90


@members_only({Role.OFFICE})
async def remind_command(turn: Turn, visit: Visit) -> None:
    """/nhacnho (/remind): prompt every member with tasks not reported this quarter, now.
    Who is prompted is the scheduler's rule (:meth:`scheduler.rules.Rules.on_demand`).
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    situation = await read_situation(visit.session, visit.commune, plan, visit.now)
    # One key a minute: tapping /nhacnho twice by mistake sends once.
    period = local(visit.now, visit.commune.timezone).strftime("%Y-%m-%dT%H:%M")
    not_before = hold_until(visit.services, visit.now, visit.commune.timezone)
    expires = visit.now + timedelta(days=1)
    dues = rules_for(visit.services).on_demand(
        situation, asked_by=visit.member.id or 0, period=period,
        not_before=not_before, expires_at=expires,
    )  # fmt: skip
    outgoing = [_outgoing(due, plan.report_deadline) for due in dues]
    if not outgoing:
        await turn.say(texts.REMIND_NOBODY)
        return
    # Recorded with this update's work; sent once that has committed (the rows are the
    # promise: if the process dies half-way, the scheduler's next tick sends the rest).
    await record_in(visit.session, visit.commune.id or 0, outgoing, visit.now)
    count, services, now = len(outgoing), visit.services, visit.now
    commune_id = visit.commune.id
    await turn.in_background(lambda: _deliver_and_tell(turn, services, now, count, commune_id))


async def _deliver_and_tell(
    turn: Turn, services: Services, now: datetime, count: int, commune_id: int | None
) -> None:
    """Deliver what /nhacnho recorded (after its commit), then tell the office how it went.
    Runs after the update's session has closed: it takes nothing from the visit but these.
    """
    held, report = await deliver_now(services, now, commune_id)
    reminders = services.settings.reminders
    if held:
        await turn.say(
            texts.REMIND_HELD.format(
                start=reminders.quiet_start.strftime("%H:%M"),
                end=reminders.quiet_end.strftime("%H:%M"),
                count=count,
            )
        )
        return
    await turn.say(texts.REMIND_SENT.format(sent=report.sent))
    problems = report.blocked + report.failed + report.retry_later
    if problems:
        await turn.say(texts.REMIND_SENT_PROBLEMS.format(failed=problems))


@members_only()
async def mute_command(turn: Turn, visit: Visit) -> None:
    """/tamdung N: no routine prompts for N days (0: prompts again). Deadlines still go."""
    args = turn.args
    days = int(args[0]) if len(args) == 1 and args[0].isdigit() else -1
    if not 0 <= days <= MAX_MUTE_DAYS:
        await turn.say(texts.MUTE_USAGE)
        return
    before = {"muted_until": visit.member.muted_until}
    if days == 0:
        visit.member.muted_until = None
        await _audit_mute(visit, before)
        await turn.say(texts.UNMUTED)
        return
    # "Until the end of day N" in the commune: prompts resume the next morning.
    zone = ZoneInfo(visit.commune.timezone)
    last_day = local(visit.now, visit.commune.timezone).date() + timedelta(days=days)
    visit.member.muted_until = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    await _audit_mute(visit, before)
    await turn.say(texts.MUTED.format(until=format_date(last_day)))


async def _audit_mute(visit: Visit, before: Mapping[str, object]) -> None:
    await record_change(
        visit.session, actor=Actor.of(visit.member), action="member.mute",
        object_type="member", object_id=visit.member.id, at=visit.now,
        commune_id=visit.member.commune_id, before=before,
        after={"muted_until": visit.member.muted_until},
    )  # fmt: skip


def _outgoing(due: Due, deadline: date) -> Outgoing:
    text = prompt_text(due, deadline)
    first_task = due.tasks[0].id
    return Outgoing(
        due.member_id, due.kind, due.period, text, due.fire_at, due.expires_at, first_task
    )
