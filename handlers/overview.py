"""Seeing where things stand: /nhiemvu (my tasks) and /tonghop (the whole plan)."""

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, reply
from handlers.render import split_message, summary_messages, task_lines
from models.plans import current_plan
from models.reports import latest_reports, member_unit, tasks_in_scope
from models.summary import summarise
from models.tables import Role


@members_only()
async def tasks_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/nhiemvu (/tasks): my tasks with my unit's latest status on each."""
    await show_tasks(update, visit)


async def show_tasks(update: Update, visit: Visit) -> None:
    """List the member's tasks with their unit's latest status on each."""
    plan = await current_plan(visit.session, visit.commune, visit.now.year)
    tasks = await tasks_in_scope(visit.session, visit.member, plan)
    unit = await member_unit(visit.session, visit.member)
    if not tasks or unit is None:
        leader = visit.member.role in (Role.CHAIRMAN, Role.OFFICE)
        await reply(update, texts.NO_TASKS_LEADER if leader else texts.NO_TASKS)
        return
    latest = {
        task_id: report
        for (task_id, unit_id), report in (await latest_reports(visit.session, plan)).items()
        if unit_id == unit.id
    }
    lines = [texts.TASKS_HEADER.format(unit=esc(unit.name), count=len(tasks))]
    lines += task_lines(tasks, latest)
    lines += ["", texts.TASKS_LEGEND]
    for part in split_message("\n".join(lines)):
        await reply(update, part)


@members_only({Role.CHAIRMAN, Role.OFFICE}, denied_text=texts.SUMMARY_NOT_ALLOWED)
async def summary_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """/tonghop (/summary): the plan and the current quarter at a glance."""
    await show_summary(update, visit)


async def show_summary(update: Update, visit: Visit) -> None:
    """Send the summary of the current plan (the caller has checked the role)."""
    plan = await current_plan(visit.session, visit.commune, visit.now.year)
    summary = await summarise(visit.session, visit.commune, plan, visit.now)
    for message in summary_messages(summary, visit.commune.timezone):
        await reply(update, message)
