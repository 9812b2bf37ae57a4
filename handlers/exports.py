"""/xuat: the office and the chairman download the Excel workbook or the Word reports.

The request is checked in the update's own transaction (a wrong quarter is answered at
once); the file is made after it has committed, as background work: the rows are read in
short transactions of its own, the file is written in a worker thread, and it is sent
when ready. A big plan's export never holds the database or the event loop, so the other
members' replies do not wait for it.

A channel that cannot send files (Zalo) gets a word on where to find them instead: /xuat
on Telegram, or ``hamlet-bot export`` at the commune office.

``/xuat mau`` sends the empty plan workbook (``hamlet-bot plan template`` on the command
line), for an office whose plan is written as prose, with no task table to import.
"""

import asyncio
import re
from datetime import datetime

from bot import texts
from bot.services import Services
from bot.texts import esc
from handlers.context import Visit, members_only
from handlers.overview import no_plan_for_year, parse_summary_filter
from handlers.turn import Turn
from models.errors import DomainError
from models.exports import ExportRequest, make_export_briefly, parse_format, plan_export
from models.plans import current_plan, plan_for_year
from models.tables import Role
from models.textfold import fold

# "/xuat mau": the empty plan to fill in, for a plan written without a task table.
_TEMPLATE_WORDS = ("mau", "mau ke hoach", "bang mau", "template")


@members_only({Role.OFFICE, Role.CHAIRMAN})
async def export_command(turn: Turn, visit: Visit) -> None:
    """/xuat [excel|word|csv|pctn|mau] [2026Q4]: send the file."""
    if not turn.channel.sends_files:
        await turn.say(texts.EXPORTS_ELSEWHERE)  # nothing is built that could not be sent
        return
    args = list(turn.args)
    if " ".join(fold(arg) for arg in args) in _TEMPLATE_WORDS:
        # The empty plan holds no data of the commune: made at once, nothing to read. Its
        # writer (the workbook's) is imported here: a bot start need not load it.
        from models.plan_template import TEMPLATE_FILE_NAME, plan_template

        content = await asyncio.to_thread(plan_template)
        await turn.send_file(TEMPLATE_FILE_NAME, content, texts.EXPORT_TEMPLATE_CAPTION)
        return
    wrong = next((a for a in args if re.fullmatch(r"20\d\d[qQ](?![1-4]$)\d+", a)), None)
    if wrong is not None:
        await turn.say(texts.EXPORT_BAD_PERIOD.format(period=esc(wrong)))
        return
    request = _read_request(args)
    if request is None:
        await turn.say(texts.EXPORT_USAGE)
        return
    words, year, quarter = request
    try:
        kind = parse_format(words)
        plan = await current_plan(visit.session, visit.commune, visit.year)
        if year is not None and year != plan.year:
            other = await plan_for_year(visit.session, visit.commune, year)
            if other is None:
                await turn.say(await no_plan_for_year(visit, year))
                return
            plan = other
        period = f"{plan.year}Q{quarter}" if quarter else None
        wanted = plan_export(visit.commune, plan, kind=kind, now=visit.now, period=period)
    except DomainError as error:
        if error.reason == "bad_period":
            await turn.say(texts.EXPORT_BAD_PERIOD.format(period=esc(error.detail)))
        else:
            await turn.say(texts.EXPORT_USAGE)
        return
    services, now = visit.services, visit.now
    commune_id, plan_id = visit.commune.id or 0, plan.id or 0
    await turn.in_background(
        lambda: _make_and_send(turn, services, commune_id, plan_id, wanted, now)
    )


async def _make_and_send(
    turn: Turn,
    services: Services,
    commune_id: int,
    plan_id: int,
    request: ExportRequest,
    now: datetime,
) -> None:
    """Make the file (after the update's commit) and send it at once."""
    made = await make_export_briefly(services.sessions, commune_id, plan_id, request, now)
    await turn.send_file(made.name, made.content, texts.EXPORT_CAPTIONS[made.kind])


def _read_request(args: list[str]) -> tuple[str, int | None, int | None] | None:
    """The format words, and the year and quarter asked, read the way /tonghop reads them
    (``quý 3``, ``q3``, ``quý III``, ``2025``, ``2026Q4``); None if something is off.
    """
    split: list[str] = []
    for arg in args:
        joined = re.fullmatch(r"(20\d\d)[qQ]([1-4])", arg)
        split += [joined[1], f"q{joined[2]}"] if joined else [arg]
    asked = parse_summary_filter(split)
    if asked is None or asked.area is not None:
        return None
    return asked.unit_text or "excel", asked.year, asked.quarter
