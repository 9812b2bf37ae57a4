"""Seeing where things stand: /nhiemvu (my tasks), /tonghop (the plan, with a chart and
filters), /trehan (overdue tasks) and /chuabaocao (who has not reported this quarter).

Chairman and office see the whole commune; officers and hamlet heads see their own unit.
"""

import re
from dataclasses import dataclass

from sqlmodel import col, select

from bot import texts
from bot.texts import esc
from handlers.charts import draw_summary_chart
from handlers.context import Visit, members_only
from handlers.render import summary_messages, task_lines, task_state_line
from handlers.turn import Turn
from models.clock import quarter_label, quarter_of
from models.errors import DomainError
from models.followup import overdue
from models.members import find_unit
from models.plans import current_plan, plan_for_year
from models.reports import latest_of_unit, member_unit, tasks_in_scope
from models.summary import summarise
from models.tables import Plan, Role, Unit
from models.textfold import fold

LEADERS = frozenset({Role.CHAIRMAN, Role.OFFICE})


@members_only()
async def tasks_command(turn: Turn, visit: Visit) -> None:
    """/nhiemvu (/tasks): my tasks with my unit's latest status on each."""
    await show_tasks(turn, visit)


async def show_tasks(turn: Turn, visit: Visit) -> None:
    """List the member's tasks with their unit's latest status on each."""
    plan = await current_plan(visit.session, visit.commune, visit.year)
    tasks = await tasks_in_scope(visit.session, visit.member, plan)
    unit = await member_unit(visit.session, visit.member)
    if not tasks or unit is None:
        leader = visit.member.role in LEADERS
        await turn.say(texts.NO_TASKS_LEADER if leader else texts.NO_TASKS)
        return
    # Only this unit's rows: its latest report on each of its tasks.
    latest = await latest_of_unit(visit.session, plan, unit.id or 0, [t.id or 0 for t in tasks])
    lines = [texts.TASKS_HEADER.format(unit=esc(unit.name), count=len(tasks))]
    lines += task_lines(tasks, latest)
    lines += ["", texts.TASKS_LEGEND]
    await turn.say("\n".join(lines))  # the channel splits it at its own limit


# --- /tonghop ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryFilter:
    """What /tonghop was asked to show."""

    year: int | None = None
    quarter: int | None = None
    area: int | None = None
    unit_text: str | None = None


_QUARTER_NUMBERS = {"1": 1, "2": 2, "3": 3, "4": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}


def parse_summary_filter(args: list[str]) -> SummaryFilter | None:
    """Read a quarter (``q2``, ``q 2``, ``quý II``), a year (``2023``), an area (``6``) and
    a hamlet or unit (``ấp 3``, ``trạm y tế``), in any order; None if something is off.
    """
    words = fold(" ".join(args)).split()
    year = quarter = area = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word, following = words[i], words[i + 1] if i + 1 < len(words) else ""
        if re.fullmatch(r"q\d+", word):
            quarter = _QUARTER_NUMBERS.get(word[1:])
            if quarter is None:
                return None
        elif word in ("q", "quy"):
            quarter = _QUARTER_NUMBERS.get(following)
            if quarter is None:
                return None
            i += 1
        elif word == "ap" and following.isdigit():
            rest += [word, following]  # "ấp 3" names a hamlet, not area 3
            i += 1
        elif re.fullmatch(r"20\d\d", word):
            year = int(word)
        elif word.isdigit() and len(word) <= 2 and area is None:
            area = int(word)
        elif word.isdigit():
            return None
        else:
            rest.append(word)
        i += 1
    return SummaryFilter(year, quarter, area, " ".join(rest) or None)


@members_only()
async def summary_command(turn: Turn, visit: Visit) -> None:
    """/tonghop (/summary) [q2] [2023] [ấp 3 | unit] [6]: the plan at a glance, with a chart."""
    await show_summary(turn, visit, list(turn.args))


async def show_summary(turn: Turn, visit: Visit, args: list[str]) -> None:
    """Send the chart (where the channel shows pictures) and the summary, for the member's
    view and the filter asked.
    """
    asked = parse_summary_filter(args)
    if asked is None:
        await turn.say(texts.SUMMARY_USAGE)
        return
    plan = await _plan(turn, visit, asked.year)
    if plan is None:
        return
    answered, unit = await _unit_for(turn, visit, asked.unit_text)
    if answered:
        return
    current = quarter_of(visit.now, visit.commune.timezone)
    quarter = f"{plan.year}Q{asked.quarter}" if asked.quarter else None
    if quarter is None and plan.year != int(current[:4]):
        quarter = f"{plan.year}Q4" if plan.year < int(current[:4]) else f"{plan.year}Q1"
    if quarter is not None and quarter > current:
        quarter = current
    if asked.area is not None and not 1 <= asked.area <= 8:
        await turn.say(texts.SUMMARY_NO_AREA.format(number=asked.area, last=8))
        return
    summary = await summarise(
        visit.session, visit.commune, plan, visit.now,
        quarter=quarter, unit=unit, area_number=asked.area,
    )  # fmt: skip
    if not summary.areas:
        await turn.say(texts.SUMMARY_NO_AREA.format(number=asked.area, last=8))
        return
    if turn.channel.sends_photos:
        # Drawn in a worker thread: the chart takes a tenth of a second or more.
        chart = await draw_summary_chart(summary)
        caption = texts.SUMMARY_CHART_CAPTION.format(
            scope=esc(summary.scope or "toàn xã"), quarter=quarter_label(summary.quarter)
        )
        await turn.send_photo(chart, caption)
    for text in summary_messages(summary, visit.commune.timezone):
        await turn.say(text)
    if quarter is None and asked.area is None:
        # What is late by each task's own deadline (31/03 for "Quý I", the year's end…).
        late = await overdue(visit.session, visit.commune, plan, visit.now, unit, summary)
        if late.count:
            await turn.say(texts.SUMMARY_OVERDUE.format(count=late.count))
    if asked.area is not None:
        lines = [texts.SUMMARY_AREA_TASKS, *map(task_state_line, summary.tasks)]
        await turn.say("\n".join(lines))


async def _plan(turn: Turn, visit: Visit, year: int | None) -> Plan | None:
    """The plan asked for (this year's by default); None, answered, if there is none."""
    if year is None:
        return await current_plan(visit.session, visit.commune, visit.year)
    plan = await plan_for_year(visit.session, visit.commune, year)
    if plan is None:
        await turn.say(await no_plan_for_year(visit, year))
    return plan


async def no_plan_for_year(visit: Visit, year: int) -> str:
    """The answer to a year with no plan, naming the years that have one (the example in
    /help cannot know which years a commune has).
    """
    statement = (
        select(Plan.year).where(Plan.commune_id == visit.commune.id).order_by(col(Plan.year))
    )
    years = ", ".join(str(y) for y in await visit.session.exec(statement))
    missing = texts.SUMMARY_NO_PLAN_YEAR.format(year=year)
    return f"{missing}\n{texts.SUMMARY_PLAN_YEARS.format(years=years)}" if years else missing


async def _unit_for(turn: Turn, visit: Visit, unit_text: str | None) -> tuple[bool, Unit | None]:
    """The unit the view is narrowed to: the member's own for officers and hamlet heads;
    the one asked for (or none: the whole commune) for leaders. The flag says the member
    has been answered already (a refusal), and nothing more should be sent.
    """
    own = await member_unit(visit.session, visit.member)
    if visit.member.role not in LEADERS:
        if own is None:
            await turn.say(texts.NO_TASKS)
            return True, None
        if unit_text:
            try:
                named = await find_unit(visit.session, visit.commune, unit_text)
            except DomainError:
                named = None
            if named is None or named.id != own.id:
                await turn.say(texts.SUMMARY_OTHER_UNIT.format(unit=esc(own.name)))
                return True, None
        return False, own
    if not unit_text:
        return False, None
    try:
        return False, await find_unit(visit.session, visit.commune, unit_text)
    except DomainError as error:
        # Whatever was typed may have been meant as a filter: show how filters are written.
        hint = texts.UNKNOWN_UNIT_HINT.format(nearest=esc(error.detail)) if error.detail else ""
        unknown = texts.INVITE_ERRORS_OFFICE["unknown_unit"].format(hint=hint)
        await turn.say(f"{unknown}\n{texts.SUMMARY_USAGE}")
        return True, None
