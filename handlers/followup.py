"""Following up: /trehan (tasks past due and not done) and /chuabaocao (who has not
reported this quarter). Leaders see the commune; officers and hamlet heads their unit. The
decisions are in models/followup.py; this words them.
"""

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only
from handlers.overview import LEADERS
from handlers.render import task_icon, task_state_line
from handlers.turn import Turn
from models.clock import format_date, quarter_label, quarter_of
from models.followup import open_tasks_of, overdue, short_of_reports
from models.plans import current_plan
from models.reports import member_unit
from models.tables import Unit
from models.wording import shorten


@members_only()
async def overdue_command(turn: Turn, visit: Visit) -> None:
    """/trehan (/overdue): year tasks not done once the year-end deadline has passed, and
    ongoing tasks not reported last quarter by whoever leads them (or by my unit).
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    unit = None
    if visit.member.role not in LEADERS:
        unit = await _own_unit(turn, visit)
        if unit is None:
            return
    late = await overdue(visit.session, visit.commune, plan, visit.now, unit)
    scope = f" — {esc(unit.name)}" if unit is not None else ""
    deadline = format_date(plan.report_deadline)
    if not late.count:
        await turn.say(texts.OVERDUE_NONE.format(scope=scope))
        if not late.past_deadline:
            await turn.say(texts.OVERDUE_NOT_YET.format(deadline=deadline))
        return
    lines = [texts.OVERDUE_TITLE.format(scope=scope, count=late.count)]
    if late.year_tasks:
        lines += [
            "",
            texts.OVERDUE_YEAR.format(deadline=deadline),
            *map(task_state_line, late.year_tasks),
        ]
    for day, due_lines in late.due_tasks:
        # Tasks due on a day of their own ("Quý I": 31/03), late since that day.
        lines += [
            "",
            texts.OVERDUE_DUE.format(deadline=format_date(day)),
            *map(task_state_line, due_lines),
        ]
    if late.ongoing_tasks:
        lines += [
            "",
            texts.OVERDUE_ONGOING.format(quarter=quarter_label(late.previous_quarter)),
            *map(task_state_line, late.ongoing_tasks),
        ]
    await turn.say("\n".join(lines))  # the channel splits it at its own limit


@members_only()
async def missing_command(turn: Turn, visit: Visit) -> None:
    """/chuabaocao (/missing): for leaders, the units and hamlets short of reports this
    quarter and who is behind each; for others, their own tasks not reported yet.
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    quarter = quarter_of(visit.now, visit.commune.timezone)
    label = quarter_label(quarter)
    if visit.member.role in LEADERS:
        late = await short_of_reports(visit.session, visit.commune, plan, visit.now)
        if not late:
            await turn.say(texts.MISSING_NONE.format(quarter=label))
            return
        lines = [texts.MISSING_TITLE.format(quarter=label)]
        lines += [
            texts.MISSING_LINE.format(
                name=esc(short.item.name),
                who=esc(", ".join(short.members) or texts.MISSING_NOBODY),
                reported=short.item.reported,
                in_scope=short.item.in_scope,
            )
            for short in late
        ]
        await turn.say("\n".join(lines))
        return
    unit = await _own_unit(turn, visit)
    if unit is None:
        return
    open_tasks, latest = await open_tasks_of(visit.session, visit.member, unit, plan, quarter)
    if not open_tasks:
        await turn.say(texts.MISSING_OWN_NONE.format(unit=esc(unit.name), quarter=label))
        return
    lines = [texts.MISSING_OWN.format(unit=esc(unit.name), count=len(open_tasks), quarter=label)]
    lines += [
        f"{task_icon(latest.get(t.id or 0))} <b>{t.code}</b> {esc(shorten(t.text, 48))}"
        for t in open_tasks
    ]
    await turn.say("\n".join(lines))


async def _own_unit(turn: Turn, visit: Visit) -> Unit | None:
    """The member's unit; None, answered, if they have none (so no tasks)."""
    unit = await member_unit(visit.session, visit.member)
    if unit is None:
        await turn.say(texts.NO_TASKS)
    return unit
