"""The office reviews reports (/duyet) and enters reports phoned in (/baothay).

A returned report carries a comment that must say everything missing (the plan: a file is
sent back to be completed at most once); the reporter is told at once and can report again
from the message with one tap.
"""

import logging
from datetime import timedelta

from sqlmodel import select
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers import reporting
from handlers.context import Visit, answer_tap, members_only, reply, send_later
from handlers.notices import notify
from handlers.render import keyboard
from models.clock import as_utc, format_datetime
from models.errors import DomainError
from models.plans import current_plan
from models.reports import REPORTING_ROLES, clean_note
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


@members_only({Role.OFFICE})
async def review_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/duyet (/review): the oldest report waiting for review, with its buttons."""
    await drop_return(visit.session, visit.member)
    await _show_next(update, visit, after_id=0)


async def _show_next(update: Update, visit: Visit, after_id: int) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    count, report = await waiting_reports(visit.session, plan, after_id)
    if report is None:
        await drop_return(visit.session, visit.member)
        await reply(update, texts.REVIEW_NONE)
        return
    task = await visit.session.get(Task, report.task_id)
    unit = await visit.session.get(Unit, report.unit_id)
    author = await visit.session.get(Member, report.member_id)
    typist = await visit.session.get(Member, report.entered_by_id)
    assert task is not None and unit is not None and author is not None
    entered = (
        texts.REVIEW_ENTERED_BY.format(name=esc(typist.name))
        if typist is not None and typist.id != author.id
        else ""
    )
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
        evidence=texts.EVIDENCE_LABELS[report.evidence_kind or ""],
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
    card += "\n" + texts.REVIEW_TYPE_HINT
    await show_card(visit.session, visit.member, report.id or 0, visit.now)
    await _show_evidence(update, report)
    rows = [
        [
            (texts.REVIEW_ACCEPT, f"rv:ok:{report.id}"),
            (texts.REVIEW_RETURN, f"rv:back:{report.id}"),
        ],
        [(texts.REVIEW_LATER, f"rv:next:{report.id}")],
    ]
    await reply(update, card, reply_markup=keyboard(rows))


async def _show_evidence(update: Update, report: Report) -> None:
    """The photo, file or place the reporter attached, so the office judges it, not a label."""
    message = update.effective_message
    if message is None or not report.evidence_kind:
        return
    await send_later(lambda: _send_evidence(message, report))


async def _send_evidence(message: Message, report: Report) -> None:
    try:
        if report.evidence_kind == "photo" and report.evidence_file_id:
            await message.reply_photo(report.evidence_file_id)
        elif report.evidence_kind == "document" and report.evidence_file_id:
            await message.reply_document(report.evidence_file_id)
        elif report.evidence_kind == "location" and report.evidence_text:
            latitude, longitude = (float(v) for v in report.evidence_text.split(","))
            await message.reply_location(latitude=latitude, longitude=longitude)
    except (TelegramError, ValueError):
        # The card still says what was attached; a file Telegram no longer has is no reason
        # to stop the review.
        log.warning("could not show a report's evidence", exc_info=True)


@members_only({Role.OFFICE})
async def review_button(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """A tap on a review card: accept, return (then the comment), or later."""
    query = update.callback_query
    assert query is not None
    _, action, value = [*(query.data or "").split(":", 2), "", ""][:3]
    report_id = int(value) if value.isdigit() and len(value) < 12 else 0
    await answer_tap(update)
    if action == "next":
        await _show_next(update, visit, after_id=report_id)
        return
    if action == "back":
        report = await visit.session.get(Report, report_id)
        if report is None or report.commune_id != visit.member.commune_id or report.review_status:
            await reply(update, texts.REVIEW_GONE)
            return
        await start_return(visit.session, visit.member, report_id, visit.now)
        await reply(update, texts.REVIEW_ASK_COMMENT)
        return
    if action == "ok":
        await _decide(update, visit, report_id, accept=True, comment="")
        return
    await reply(update, texts.BAD_BUTTON)


_ACCEPT_WORDS = {"1", "dong y", "chap nhan", "duyet", "dat"}
_RETURN_WORDS = {"2", "tra lai", "khong dat", "tra ve"}
_LATER_WORDS = {"3", "de sau", "bo qua", "sau", "tiep"}


async def typed_choice(update: Update, visit: Visit, text: str) -> bool:
    """A typed answer to the review card shown last ("1", "đồng ý", "trả lại", "để sau");
    False if no card waits or the text is no such answer.
    """
    if visit.member.role != Role.OFFICE:
        return False
    card = await shown_card(visit.session, visit.member)
    if card is None or as_utc(card.updated_at) < visit.now - RETURN_WAITS:
        return False
    words = fold(text)
    if words in _ACCEPT_WORDS:
        await _decide(update, visit, card.report_id, accept=True, comment="")
    elif words in _RETURN_WORDS:
        report = await visit.session.get(Report, card.report_id)
        if report is None or report.review_status:
            await drop_return(visit.session, visit.member)
            await reply(update, texts.REVIEW_GONE)
        else:
            await start_return(visit.session, visit.member, card.report_id, visit.now)
            await reply(update, texts.REVIEW_ASK_COMMENT)
    elif words in _LATER_WORDS:
        await _show_next(update, visit, after_id=card.report_id)
    else:
        return False
    return True


async def return_comment(update: Update, visit: Visit, text: str) -> bool:
    """The comment for a report being returned; False if no return is in progress."""
    draft = await pending_return(visit.session, visit.member)
    if draft is None:
        return False
    if as_utc(draft.updated_at) < visit.now - RETURN_WAITS:
        # Hours later, a typed line is not the comment any more: forget the return.
        await drop_return(visit.session, visit.member)
        return False
    if not clean_note(text):
        await reply(update, texts.REVIEW_COMMENT_EMPTY)
        return True
    await drop_return(visit.session, visit.member)
    await _decide(update, visit, draft.report_id, accept=False, comment=text)
    return True


async def _decide(
    update: Update, visit: Visit, report_id: int, *, accept: bool, comment: str
) -> None:
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
        await reply(update, messages.get(error.reason, texts.REVIEW_GONE))
        return
    task = await visit.session.get(Task, report.task_id)
    unit = await visit.session.get(Unit, report.unit_id)
    assert task is not None and unit is not None
    done = texts.REVIEW_ACCEPTED if accept else texts.REVIEW_RETURNED
    await reply(update, done.format(code=task.code, unit=esc(unit.name)))
    await _tell_author(update, visit, report, task)
    await _show_next(update, visit, after_id=report.id or 0)


async def _tell_author(update: Update, visit: Visit, report: Report, task: Task) -> None:
    author = await visit.session.get(Member, report.member_id)
    if author is None:
        return
    if report.review_status == "accepted":
        kind = ACCEPTED_NOTICE
        text = texts.REVIEW_TOLD_ACCEPTED.format(code=task.code, version=report.version)
    else:
        kind = RETURNED_NOTICE
        text = texts.REVIEW_TOLD_RETURNED.format(
            code=task.code, version=report.version, comment=esc(report.review_comment or "")
        )
    key = f"report-{report.id}"
    await notify(visit, update.get_bot(), author, kind, key, text, task.id)


@members_only({Role.OFFICE})
async def proxy_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/baothay <name or hamlet>: enter a report for a member who phoned it in."""
    wanted = fold(" ".join(context.args or []))
    if not wanted:
        await reply(update, texts.PROXY_USAGE)
        return
    members = list(
        await visit.session.exec(select(Member).where(Member.commune_id == visit.commune.id))
    )
    units = {
        u.id: u
        for u in await visit.session.exec(select(Unit).where(Unit.commune_id == visit.commune.id))
    }
    exact = [
        m for m in members
        if fold(m.name) == wanted or (m.unit_id and fold(units[m.unit_id].name) == wanted)
    ]  # fmt: skip
    found = exact or [m for m in members if wanted in fold(m.name)]
    shown = " ".join(context.args or [])
    if not found:
        await reply(update, texts.PROXY_NOT_FOUND.format(text=esc(shown)))
        return
    if len(found) > 1:
        names = ", ".join(esc(m.name) for m in found[:8])
        await reply(update, texts.PROXY_MANY.format(text=esc(shown), names=names))
        return
    target = found[0]
    if target.role not in REPORTING_ROLES or target.unit_id is None:
        await reply(update, texts.PROXY_NOT_REPORTER.format(name=esc(target.name)))
        return
    await reporting.start_report(update, visit, [], on_behalf_of=target)
