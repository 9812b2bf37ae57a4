"""Following up: /trehan (tasks past due and not done) and /chuabaocao (who has not
reported this quarter). Leaders see the commune; officers and hamlet heads their unit. The
decisions are in models/followup.py; this words them.
"""

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, reply
from handlers.overview import LEADERS
from handlers.render import split_message, task_icon, task_state_line
from models.clock import format_date, quarter_label, quarter_of
from models.followup import open_tasks_of, overdue, short_of_reports
from models.plans import current_plan
from models.reports import member_unit
from models.wording import shorten


@members_only()
async def overdue_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """/trehan (/overdue): year tasks not done once the year-end deadline has passed, and
    ongoing tasks not reported last quarter by whoever leads them (or by my unit).
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    unit = None
    if visit.member.role not in LEADERS:
        unit = await member_unit(visit.session, visit.member)
        if unit is None:
            await reply(update, texts.NO_TASKS)
            return
    late = await overdue(visit.session, visit.commune, plan, visit.now, unit)
    past_deadline, previous = late.past_deadline, late.previous_quarter
    late_year, late_ongoing = late.year_tasks, late.ongoing_tasks
    scope = f" — {esc(unit.name)}" if unit is not None else ""
    count = late.count
    if not count:
        await reply(update, texts.OVERDUE_NONE.format(scope=scope))
        if not past_deadline:
            deadline = format_date(plan.report_deadline)
            await reply(update, texts.OVERDUE_NOT_YET.format(deadline=deadline))
        return
    lines = [texts.OVERDUE_TITLE.format(scope=scope, count=count)]
    if late_year:
        deadline = format_date(plan.report_deadline)
        lines += [
            "",
            texts.OVERDUE_YEAR.format(deadline=deadline),
            *map(task_state_line, late_year),
        ]
    if late_ongoing:
        label = quarter_label(previous)
        lines += [
            "",
            texts.OVERDUE_ONGOING.format(quarter=label),
            *map(task_state_line, late_ongoing),
        ]
    for part in split_message("\n".join(lines)):
        await reply(update, part)


@members_only()
async def missing_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """/chuabaocao (/missing): for leaders, the units and hamlets short of reports this
    quarter and who is behind each; for others, their own tasks not reported yet.
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    quarter = quarter_of(visit.now, visit.commune.timezone)
    label = quarter_label(quarter)
    if visit.member.role in LEADERS:
        await _missing_in_commune(update, visit, label)
        return
    unit = await member_unit(visit.session, visit.member)
    if unit is None:
        await reply(update, texts.NO_TASKS)
        return
    open_tasks, latest = await open_tasks_of(visit.session, visit.member, unit, plan, quarter)
    if not open_tasks:
        await reply(update, texts.MISSING_OWN_NONE.format(unit=esc(unit.name), quarter=label))
        return
    lines = [texts.MISSING_OWN.format(unit=esc(unit.name), count=len(open_tasks), quarter=label)]
    lines += [
        f"{task_icon(latest.get(t.id or 0))} <b>{t.code}</b> {esc(shorten(t.text, 48))}"
        for t in open_tasks
    ]
    for part in split_message("\n".join(lines)):
        await reply(update, part)


async def _missing_in_commune(update: Update, visit: Visit, label: str) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    late = await short_of_reports(visit.session, visit.commune, plan, visit.now)
    if not late:
        await reply(update, texts.MISSING_NONE.format(quarter=label))
        return
    lines = [texts.MISSING_TITLE.format(quarter=label)]
    for short in late:
        item = short.item
        who = ", ".join(short.members) or texts.MISSING_NOBODY
        lines.append(
            texts.MISSING_LINE.format(
                name=esc(item.name), who=esc(who), reported=item.reported, in_scope=item.in_scope
            )
        )
    for part in split_message("\n".join(lines)):
        await reply(update, part)
