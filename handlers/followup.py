"""Following up: /trehan (tasks past due and not done) and /chuabaocao (who has not
reported this quarter). Leaders see the commune; officers and hamlet heads their unit.
"""

from sqlmodel import select
from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, reply
from handlers.overview import LEADERS
from handlers.render import split_message, task_icon, task_state_line
from models.clock import format_date, local, quarter_label, quarter_of
from models.plans import current_plan, lead_units, plan_tasks
from models.reports import (
    latest_reports,
    member_unit,
    owes_report,
    reported_in,
    tasks_in_scope,
)
from models.summary import summarise
from models.tables import Member, Status, Timeframe
from models.wording import shorten


def previous_quarter(quarter: str) -> str:
    """``"2026Q1"`` → ``"2025Q4"``."""
    year, number = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


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
    today = local(visit.now, visit.commune.timezone).date()
    previous = previous_quarter(quarter_of(visit.now, visit.commune.timezone))
    view = await summarise(visit.session, visit.commune, plan, visit.now, unit=unit)
    timeframe = {t.code: (t.id, t.timeframe) for t in await plan_tasks(visit.session, plan)}
    past_deadline = today > plan.report_deadline
    late_year = [
        line
        for line in view.tasks
        if past_deadline and line.status != Status.DONE
        and timeframe[line.code][1] == Timeframe.YEAR
    ]  # fmt: skip
    late_ongoing = []
    if previous.startswith(str(plan.year)):
        reported = await reported_in(visit.session, plan, previous)
        leads = await lead_units(visit.session, plan)
        for line in view.tasks:
            task_id, kind = timeframe[line.code]
            answerable = [unit.id or 0] if unit is not None else leads.get(task_id or 0, [])
            silent = not any((task_id, u) in reported for u in answerable)
            if kind == Timeframe.ONGOING and silent and line.status != Status.DONE:
                late_ongoing.append(line)
    scope = f" — {esc(unit.name)}" if unit is not None else ""
    count = len(late_year) + len(late_ongoing)
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
    latest = {
        task_id: report
        for (task_id, unit_id), report in (await latest_reports(visit.session, plan)).items()
        if unit_id == unit.id
    }
    open_tasks = [
        task
        for task in await tasks_in_scope(visit.session, visit.member, plan)
        if owes_report(task, latest.get(task.id or 0), quarter)
    ]
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
    summary = await summarise(visit.session, visit.commune, plan, visit.now)
    statement = select(Member).where(Member.commune_id == visit.commune.id)
    names: dict[int, list[str]] = {}
    for member in await visit.session.exec(statement):
        if member.unit_id is not None:
            names.setdefault(member.unit_id, []).append(member.name)
    late = [p for p in summary.participation if p.reported < p.in_scope]
    if not late:
        await reply(update, texts.MISSING_NONE.format(quarter=label))
        return
    lines = [texts.MISSING_TITLE.format(quarter=label)]
    for item in late:
        who = ", ".join(names.get(item.unit_id, [])) or texts.MISSING_NOBODY
        lines.append(
            texts.MISSING_LINE.format(
                name=esc(item.name), who=esc(who), reported=item.reported, in_scope=item.in_scope
            )
        )
    for part in split_message("\n".join(lines)):
        await reply(update, part)
