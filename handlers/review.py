"""The office reviews reports (/duyet) and enters reports phoned in (/baothay), for a unit
or hamlet or a member (whom: :mod:`handlers.proxy`).

A returned report carries a comment that must say everything missing (the plan: a file is
sent back to be completed at most once); the reporter is told at once and can report again
from the message with one tap.

The review card's options can be tapped or typed ("1", "đồng ý", "trả lại", "để sau"); a
typed answer counts only for the card shown last, and only for an hour.
"""

import logging
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot import texts
from bot.texts import esc
from handlers import answers, proxy, reporting
from handlers.context import Visit, members_only
from handlers.notices import notify
from handlers.reporting import describe_evidence
from handlers.turn import Turn, send_later
from models.chat import Attachment, Channel, ChannelError, Menu, Option, menu
from models.clock import as_utc, format_datetime
from models.errors import DomainError
from models.evidence_items import saved_items
from models.plans import current_plan
from models.reports import REPORTING_ROLES, Evidence, clean_note, tasks_in_scope
from models.review import (
    drop_return,
    pending_return,
    review_report,
    show_card,
    shown_card,
    start_return,
    waiting_reports,
)
from models.tables import Member, Report, Role, Status, Task, Unit
from models.textfold import fold
from models.wording import shorten
from scheduler.messages import ACCEPTED_NOTICE, RETURNED_NOTICE

log = logging.getLogger(__name__)
RETURN_WAITS = timedelta(hours=1)
# The words that answer a review card when typed (folded), besides its number and label.
_ACCEPT_WORDS = ("dong y", "chap nhan", "duyet", "ok", "dat")
_RETURN_WORDS = ("tra lai", "tra ve", "khong dat")
_LATER_WORDS = ("de sau", "sau", "bo qua", "tiep")
# The review command said in words: "duyệt" typed for a card long gone starts a review.
_REVIEW_WORDS = ("duyet",)


@members_only({Role.OFFICE})
async def review_command(turn: Turn, visit: Visit) -> None:
    """/duyet (/review): the oldest report waiting for review, with its options."""
    await drop_return(visit.session, visit.member)
    await _show_next(turn, visit, after_id=0)


def card_menu(report_id: int) -> Menu:
    """The options of a review card: 1 accept, 2 return, 3 later."""
    return menu(
        [
            [
                Option(texts.REVIEW_ACCEPT, f"rv:ok:{report_id}", _ACCEPT_WORDS),
                Option(texts.REVIEW_RETURN, f"rv:back:{report_id}", _RETURN_WORDS),
            ],
            [Option(texts.REVIEW_LATER, f"rv:next:{report_id}", _LATER_WORDS)],
        ]
    )


async def _show_next(turn: Turn, visit: Visit, after_id: int) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    count, report = await waiting_reports(visit.session, plan, after_id)
    if report is None:
        await drop_return(visit.session, visit.member)
        await turn.say(texts.REVIEW_NONE)
        return
    task = await visit.session.get(Task, report.task_id)
    unit = await visit.session.get(Unit, report.unit_id)
    author = await visit.session.get(Member, report.member_id)
    typist = await visit.session.get(Member, report.entered_by_id)
    assert task is not None and unit is not None and author is not None
    entered = ""
    if typist is not None and typist.id != author.id:
        entered = texts.REVIEW_ENTERED_BY.format(name=esc(typist.name))
    elif author.unit_id != report.unit_id:
        entered = texts.REVIEW_ENTERED_FOR_UNIT  # a unit with nobody on the bot
    evidence = await saved_items(visit.session, report)
    card = texts.REVIEW_CARD.format(
        count=count,
        code=task.code,
        title=esc(shorten(task.text, 80)),
        unit=esc(unit.name),
        who=esc(author.name),
        entered=entered,
        status=texts.STATUS_LABELS[Status(report.status)],
        percent=report.percent,
        note=esc(report.note) if report.note else texts.NO_NOTE,
        evidence=describe_evidence(evidence),
        time=format_datetime(report.created_at, visit.commune.timezone),
        version=report.version,
    )
    earlier = (
        await visit.session.exec(
            select(Report).where(
                Report.task_id == report.task_id,
                Report.unit_id == report.unit_id,
                Report.review_status == "returned",
            )
        )
    ).all()
    if earlier:
        # The plan: a file is sent back to be completed at most once. Show what was asked.
        last = max(earlier, key=lambda r: r.version)
        card += "\n" + texts.REVIEW_RETURNED_BEFORE.format(
            version=last.version, comment=esc(last.review_comment or "")
        )
    if turn.channel.has_buttons:  # without buttons the options are numbered lines already
        card += "\n" + texts.REVIEW_TYPE_HINT
    await show_card(visit.session, visit.member, report.id or 0, visit.now)
    for item in evidence:
        await _show_evidence(turn, item)
    await turn.say(card, card_menu(report.id or 0))


async def _show_evidence(turn: Turn, item: Evidence) -> None:
    """A photo, file or place the reporter attached, so the office judges it, not a label."""
    kind = item.kind
    if kind == "location":
        if not item.text:
            return
        attachment = Attachment(kind=kind, location=item.text)
    elif kind in ("photo", "document") and (item.file_id or item.path):
        name = Path(item.path).name if item.path else ""
        attachment = Attachment(kind=kind, ref=item.file_id or "", file_name=name)
    else:
        return
    channel, chat_id, path = turn.channel, turn.incoming.chat_id, item.path
    await send_later(lambda: _send_evidence(channel, chat_id, attachment, path))


async def _send_evidence(
    channel: Channel, chat_id: str, attachment: Attachment, path: str | None
) -> None:
    try:
        await channel.send_stored(chat_id, attachment, path)
    except (ChannelError, ValueError):
        # The card still says what was attached; a file the channel no longer has is no
        # reason to stop the review.
        log.warning("could not show a report's evidence", exc_info=True)


@members_only({Role.OFFICE})
async def review_button(turn: Turn, visit: Visit) -> None:
    """An answer to a review card, tapped or typed: accept, return (then the comment), or
    later.
    """
    _, action, value = [*turn.action.split(":", 2), "", ""][:3]
    report_id = answers.parse_row_id(value) or 0
    await turn.ack()
    if action == "px":
        await _proxy_choice(turn, visit, value)
        return
    if not turn.tapped and not await _card_waits(visit, report_id):
        # Typed for a card answered already, or shown hours ago: not a review answer.
        if fold(turn.text) in _REVIEW_WORDS:
            await drop_return(visit.session, visit.member)
            await _show_next(turn, visit, after_id=0)
        else:
            await turn.say(texts.NOT_UNDERSTOOD)
        return
    if action == "next":
        await _show_next(turn, visit, after_id=report_id)
        return
    if action == "back":
        report = await visit.session.get(Report, report_id)
        if report is None or report.commune_id != visit.member.commune_id or report.review_status:
            if not turn.tapped:
                await drop_return(visit.session, visit.member)  # the card typed to is gone
            await turn.say(texts.REVIEW_GONE)
            return
        await start_return(visit.session, visit.member, report_id, visit.now)
        await turn.say(texts.REVIEW_ASK_COMMENT)
        return
    if action == "ok":
        await _decide(turn, visit, report_id, accept=True, comment="")
        return
    await turn.say(texts.BAD_BUTTON)


async def _card_waits(visit: Visit, report_id: int) -> bool:
    """Whether the card of ``report_id`` is the one shown last, and recently enough for a
    typed word to answer it.
    """
    card = await shown_card(visit.session, visit.member)
    return (
        card is not None
        and card.report_id == report_id
        and as_utc(card.updated_at) >= visit.now - RETURN_WAITS
    )


async def return_comment(turn: Turn, visit: Visit, text: str) -> bool:
    """The comment for a report being returned; False if no return is in progress."""
    draft = await pending_return(visit.session, visit.member)
    if draft is None:
        return False
    if as_utc(draft.updated_at) < visit.now - RETURN_WAITS:
        # Hours later, a typed line is not the comment any more: forget the return.
        await drop_return(visit.session, visit.member)
        return False
    if not clean_note(text):
        await turn.say(texts.REVIEW_COMMENT_EMPTY)
        return True
    await drop_return(visit.session, visit.member)
    await _decide(turn, visit, draft.report_id, accept=False, comment=text)
    return True


async def _decide(turn: Turn, visit: Visit, report_id: int, *, accept: bool, comment: str) -> None:
    try:
        report = await review_report(
            visit.session, report_id, reviewer=visit.member, accept=accept,
            comment=comment, now=visit.now,
        )  # fmt: skip
    except DomainError as error:
        messages = {
            "comment_required": texts.REVIEW_COMMENT_EMPTY,
            "comment_too_long": texts.NOTE_TOO_LONG.format(length=len(comment), limit=1000),
        }
        await turn.say(messages.get(error.reason, texts.REVIEW_GONE))
        return
    task = await visit.session.get(Task, report.task_id)
    unit = await visit.session.get(Unit, report.unit_id)
    assert task is not None and unit is not None
    done = texts.REVIEW_ACCEPTED if accept else texts.REVIEW_RETURNED
    await turn.say(done.format(code=task.code, unit=esc(unit.name)))
    await _tell_author(visit, report, task)
    await _show_next(turn, visit, after_id=report.id or 0)


async def _tell_author(visit: Visit, report: Report, task: Task) -> None:
    author = await visit.session.get(Member, report.member_id)
    if author is None or author.unit_id != report.unit_id:
        return  # entered by the office for a unit with nobody on the bot: no one to tell
    if report.review_status == "accepted":
        kind = ACCEPTED_NOTICE
        text = texts.REVIEW_TOLD_ACCEPTED.format(code=task.code, version=report.version)
    else:
        kind = RETURNED_NOTICE
        text = texts.REVIEW_TOLD_RETURNED.format(
            code=task.code, version=report.version, comment=esc(report.review_comment or "")
        )
    key = f"report-{report.id}"
    await notify(visit, author, kind, key, text, task.id)


@members_only()
async def proxy_command(turn: Turn, visit: Visit) -> None:
    """/baothay <unit, hamlet or name>: enter a report phoned in, for a unit or hamlet
    (whether or not anyone of it is on the bot) or for a member.
    """
    if visit.member.role != Role.OFFICE:
        own = visit.member.role in REPORTING_ROLES  # a reporter is pointed to /baocao
        await turn.say(texts.PROXY_OWN_REPORT if own else texts.NOT_ALLOWED)
        return
    shown = " ".join(turn.args)
    if not fold(shown):
        await turn.say(texts.PROXY_USAGE)
        return
    found = await proxy.find_targets(visit.session, visit.commune.id or 0, shown)
    if found.not_reporter is not None:
        await turn.say(texts.PROXY_NOT_REPORTER.format(name=esc(found.not_reporter.name)))
        return
    if not found.targets:
        names = ", ".join(esc(u.name) for u in found.units)
        await turn.say(texts.PROXY_NOT_FOUND.format(text=esc(shown), units=names))
        return
    if len(found.targets) > 1:
        many = len(found.targets) > proxy.MAX_CHOICES
        text = (texts.PROXY_TOO_MANY if many else texts.PROXY_MANY).format(text=esc(shown))
        await turn.say(text, None if many else proxy.choices_menu(found.targets))
        return
    await _start_proxy(turn, visit, found.targets[0])


async def _proxy_choice(turn: Turn, visit: Visit, value: str) -> None:
    """One of several matches, tapped or typed."""
    target = await proxy.chosen_target(visit.session, visit.commune.id or 0, value)
    if target is None:
        await turn.say(texts.BAD_BUTTON)
        return
    await turn.retire_options()
    await _start_proxy(turn, visit, target)


async def _start_proxy(turn: Turn, visit: Visit, target: proxy.ProxyTarget) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    if not await tasks_in_scope(visit.session, target.reporter, plan):
        await turn.say(texts.PROXY_NO_TASKS.format(unit=esc(target.unit.name), year=plan.year))
        return
    await reporting.start_report(turn, visit, [], on_behalf_of=target)
