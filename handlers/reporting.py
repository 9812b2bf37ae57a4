"""Reporting progress from a phone: /baocao, step by step (task → status → percent → note →
evidence → confirm), by taps or typed answers; or in one line (/baocao 6.3 75 ghi chú).

The conversation's state is a :class:`~models.tables.ReportDraft` row, not process memory:
a restart in the middle of a report loses nothing. Every step checks the draft's step, and
every write checks the member's scope again, so stale or forged buttons change nothing.
"""

import logging
import math
from pathlib import Path

from telegram import Document, Message, PhotoSize, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers import answers
from handlers.context import (
    Visit,
    answer_tap,
    drop_buttons,
    members_only,
    reply,
    send_later,
)
from handlers.notices import notify
from handlers.render import keyboard, status_options
from models.clock import format_datetime
from models.drafts import Step, claim_draft, discard_draft, get_draft, start_draft
from models.errors import DomainError
from models.evidence import store_evidence
from models.plans import current_plan, task_by_code
from models.reports import (
    MAX_NOTE_LENGTH,
    REPORTING_ROLES,
    Evidence,
    ReportInput,
    can_report,
    clean_note,
    record_report,
    report_history,
    status_for_percent,
    tasks_in_scope,
)
from models.review import drop_return
from models.tables import Member, Plan, Report, ReportDraft, Status, Task
from models.wording import shorten
from scheduler.messages import PROXY_NOTICE

log = logging.getLogger(__name__)

PAGE_SIZE = 6
PERCENT_CHOICES = (0, 25, 50, 75, 100)
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
CALLBACK_PREFIX = "rp:"
# Which step each button belongs to; "cancel" works at any step.
_BUTTON_STEPS = {
    "task": {Step.TASK},
    "page": {Step.TASK},
    "status": {Step.STATUS},
    "pct": {Step.PERCENT},
    "skip": {Step.NOTE, Step.EVIDENCE},
    "save": {Step.CONFIRM},
}
_CANCEL_ROW = [(texts.BUTTON_CANCEL, "rp:cancel")]


# --- Entry points -------------------------------------------------------------------------


@members_only(REPORTING_ROLES)
async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/baocao (/report): start the guided flow, or take a one-line report."""
    await start_report(update, visit, list(context.args or []))


async def start_report(
    update: Update, visit: Visit, args: list[str], on_behalf_of: Member | None = None
) -> None:
    """Start reporting: one-line form when ``args`` are given, else the task list.

    With ``on_behalf_of``, the office enters a report for a member who phoned it in: the
    member's scope applies, and the report records both.
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    if args:
        await _quick_report(update, visit, plan, args)
        return
    tasks = await tasks_in_scope(visit.session, on_behalf_of or visit.member, plan)
    if not tasks:
        await reply(update, texts.NO_TASKS)
        return
    # A report started now is what the next typed lines answer, not a review comment.
    await drop_return(visit.session, visit.member)
    draft = await start_draft(visit.session, visit.member, visit.now)
    draft.on_behalf_of_id = on_behalf_of.id if on_behalf_of else None
    text, markup = _task_page(tasks, draft.page)
    if on_behalf_of is not None:
        text = texts.PROXY_HEADER.format(name=esc(on_behalf_of.name)) + "\n" + text
    await reply(update, text, reply_markup=markup)


async def _reporter(visit: Visit, draft: ReportDraft) -> Member:
    """Whose report this is: the member typing, or the one the office reports for."""
    if draft.on_behalf_of_id is None:
        return visit.member
    member = await visit.session.get(Member, draft.on_behalf_of_id)
    assert member is not None and member.commune_id == visit.member.commune_id
    return member


@members_only()
async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/huy (/cancel): drop the report in progress."""
    dropped = await discard_draft(visit.session, visit.member)
    dropped = await drop_return(visit.session, visit.member) or dropped
    await reply(update, texts.CANCELLED if dropped else texts.NOTHING_TO_CANCEL)


@members_only()
async def report_button(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """A tap on one of the report flow's buttons (callback data ``rp:<action>[:<value>]``)."""
    query = update.callback_query
    assert query is not None
    _, action, value = [*(query.data or "").split(":", 2), "", ""][:3]
    if action == "start":
        # A reminder's button: open the report flow (for that task, or the task list).
        await answer_tap(update)
        await _start_from_reminder(update, visit, _int(value))
        return
    draft = await get_draft(visit.session, visit.member)
    if draft is None:
        await answer_tap(update, texts.SESSION_OVER)
        await drop_buttons(query.message)
        return
    if action == "cancel":
        await answer_tap(update)
        await drop_buttons(query.message)
        await discard_draft(visit.session, visit.member)
        await reply(update, texts.CANCELLED)
        return
    if draft.step not in _BUTTON_STEPS.get(action, set()):
        await answer_tap(update, texts.STEP_PASSED)
        return
    await answer_tap(update)
    if action == "page":
        await _turn_page(update, visit, draft, _int(value), edit=query.message)
        return
    step = draft.step
    if action == "task":
        await _choose_task_by_id(update, visit, draft, _int(value))
    elif action == "status" and value in Status.__members__.values():
        await _choose_status(update, draft, Status(value))
    elif action == "pct":
        await _choose_percent(update, draft, _int(value))
    elif action == "skip":
        await (
            _give_note(update, draft, None)
            if draft.step == Step.NOTE
            else _give_evidence(update, visit, draft, None)
        )
    elif action == "save":
        await _save(update, visit, draft)
    else:
        await reply(update, texts.BAD_BUTTON)
    if draft.step != step or action == "save":
        # Answered: take the buttons off so the prompt cannot be tapped twice. A refused
        # tap leaves them, so the person can still choose.
        await drop_buttons(query.message)


async def draft_text(update: Update, visit: Visit, draft: ReportDraft, text: str) -> None:
    """A typed answer to the step the draft is at."""
    if draft.step == Step.TASK:
        move = answers.page_move(text)
        if move:
            await _turn_page(update, visit, draft, draft.page + move)
            return
        code = answers.parse_task_code(text)
        if code is None:
            await reply(update, texts.BAD_TASK_ANSWER.format(example="6.3"))
            return
        plan = await current_plan(visit.session, visit.commune, visit.year)
        task = await task_by_code(visit.session, plan, code)
        if task is None:
            await reply(update, texts.UNKNOWN_TASK.format(code=esc(code)))
            return
        await _choose_task(update, visit, draft, task, plan)
    elif draft.step == Step.STATUS:
        status = answers.parse_status(text)
        await (
            _choose_status(update, draft, status) if status else reply(update, texts.BAD_STATUS)
        )
    elif draft.step == Step.PERCENT:
        await _choose_percent(update, draft, answers.parse_percent(text))
    elif draft.step == Step.NOTE:
        await _give_note(update, draft, None if answers.is_skip(text) else text)
    elif draft.step == Step.EVIDENCE:
        if answers.is_skip(text):
            await _give_evidence(update, visit, draft, None)
        else:
            await reply(update, texts.BAD_EVIDENCE)
    elif draft.step == Step.CONFIRM:
        if answers.is_yes(text):
            await _save(update, visit, draft)
        elif answers.is_no(text):
            await discard_draft(visit.session, visit.member)
            await reply(update, texts.CANCELLED)
        else:
            await reply(update, texts.BAD_CONFIRM)


async def draft_media(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit, draft: ReportDraft
) -> None:
    """A photo, document or location sent while a report is in progress."""
    message = update.effective_message
    assert message is not None
    if draft.step == Step.CONFIRM and draft.evidence_kind:
        # Albums arrive as several photos: the first is kept, the rest get a plain answer.
        await reply(update, texts.EVIDENCE_ONE)
        return
    if draft.step != Step.EVIDENCE:
        await reply(update, texts.TEXT_EXPECTED)
        return
    if message.location is not None:
        location = f"{message.location.latitude:.6f},{message.location.longitude:.6f}"
        await _give_evidence(update, visit, draft, Evidence(kind="location", text=location))
        return
    attachment: PhotoSize | Document
    if message.photo:
        attachment, kind, suffix = message.photo[-1], "photo", ".jpg"
    elif message.document is not None:
        attachment, kind = message.document, "document"
        suffix = Path(message.document.file_name or "").suffix.lower()[:10] or ".bin"
    else:
        await reply(update, texts.BAD_EVIDENCE)
        return
    if (attachment.file_size or 0) > MAX_DOWNLOAD_BYTES:
        await reply(update, texts.FILE_TOO_BIG)
        return
    evidence = Evidence(kind=kind, file_id=attachment.file_id)
    try:
        telegram_file = await context.bot.get_file(attachment.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
        path, digest = store_evidence(data, visit.services.settings.evidence_dir, suffix)
        evidence = Evidence(kind=kind, file_id=attachment.file_id, path=str(path), sha256=digest)
    except (TelegramError, OSError):
        # The file id is enough to fetch it again later; the report must not be lost.
        log.warning("evidence download failed; keeping the file id only", exc_info=True)
    await _give_evidence(update, visit, draft, evidence)


async def _start_from_reminder(update: Update, visit: Visit, task_id: int) -> None:
    if visit.member.role not in REPORTING_ROLES:
        await reply(update, texts.NOT_ALLOWED)
        return
    plan = await current_plan(visit.session, visit.commune, visit.year)
    task = await visit.session.get(Task, task_id) if task_id > 0 else None
    if task is None:
        await start_report(update, visit, [])
        return
    draft = await start_draft(visit.session, visit.member, visit.now)
    await _choose_task(update, visit, draft, task, plan)


# --- Steps --------------------------------------------------------------------------------


async def _quick_report(update: Update, visit: Visit, plan: Plan, args: list[str]) -> None:
    code = answers.parse_task_code(args[0])
    if code is None:
        await reply(update, texts.QUICK_USAGE)
        return
    task = await task_by_code(visit.session, plan, code)
    if task is None:
        await reply(update, texts.UNKNOWN_TASK.format(code=esc(code)))
        return
    if not await can_report(visit.session, visit.member, task):
        await reply(update, texts.OUT_OF_SCOPE.format(code=code))
        return
    rest = args[1:]
    if not rest:
        draft = await start_draft(visit.session, visit.member, visit.now)
        await _choose_task(update, visit, draft, task, plan)
        return
    percent = answers.parse_percent(rest[0])
    if percent is not None:
        status, note_words = status_for_percent(percent), rest[1:]
    else:
        found, used = answers.parse_status_prefix(rest)
        if found is None:
            await reply(update, texts.QUICK_USAGE)
            return
        status, note_words = found, rest[used:]
        # A status without a number keeps the percent last reported ("khó khăn" is not 0%).
        history = await report_history(visit.session, task, visit.member.unit_id or 0)
        percent = history[-1].percent if history else 0
    note = clean_note(" ".join(note_words))
    if status == Status.BLOCKED and not note:
        await reply(update, texts.NOTE_REQUIRED)
        return
    try:
        report = await record_report(
            visit.session,
            member=visit.member,
            task=task,
            report=ReportInput(status, percent, note),
            now=visit.now,
            timezone=visit.commune.timezone,
        )
    except DomainError as error:
        await reply(update, _input_error(error))
        return
    await discard_draft(visit.session, visit.member)
    await reply(
        update,
        texts.SAVED_QUICK.format(
            code=task.code,
            status=texts.STATUS_LABELS[Status(report.status)],
            percent=report.percent,
            version=report.version,
            time=format_datetime(report.created_at, visit.commune.timezone),
        ),
    )


def _task_page(tasks: list[Task], page: int) -> tuple[str, object]:
    pages = max(1, math.ceil(len(tasks) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = tasks[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [texts.PICK_TASK.format(page=page + 1, pages=pages, example=shown[0].code)]
    if pages > 1:
        lines.append(texts.PICK_TASK_HINT_PAGES)
    area = None
    for task in shown:
        if task.area_number != area:
            area = task.area_number
            lines.append("")
        lines.append(f"<b>{task.code}</b> {esc(shorten(task.text))}")
    rows = [[(f"{t.code} · {shorten(t.text, 28)}", f"rp:task:{t.id}")] for t in shown]
    navigation = []
    if page > 0:
        navigation.append((texts.BUTTON_PREV, f"rp:page:{page - 1}"))
    if page < pages - 1:
        navigation.append((texts.BUTTON_NEXT, f"rp:page:{page + 1}"))
    rows += [navigation] if navigation else []
    rows.append(_CANCEL_ROW)
    return "\n".join(lines), keyboard(rows)


async def _turn_page(
    update: Update, visit: Visit, draft: ReportDraft, page: int, edit: object = None
) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    tasks = await tasks_in_scope(visit.session, await _reporter(visit, draft), plan)
    if not tasks:
        await reply(update, texts.NO_TASKS)
        return
    pages = max(1, math.ceil(len(tasks) / PAGE_SIZE))
    draft.page = min(max(page, 0), pages - 1)
    draft.updated_at = visit.now
    text, markup = _task_page(tasks, draft.page)
    if isinstance(edit, Message):
        await send_later(lambda: edit.edit_text(text, reply_markup=markup))  # type: ignore[arg-type]
    else:
        await reply(update, text, reply_markup=markup)


async def _choose_task_by_id(
    update: Update, visit: Visit, draft: ReportDraft, task_id: int
) -> None:
    task = await visit.session.get(Task, task_id) if task_id > 0 else None
    plan = await current_plan(visit.session, visit.commune, visit.year)
    if task is None or task.plan_id != plan.id:
        await reply(update, texts.BAD_BUTTON)
        return
    await _choose_task(update, visit, draft, task, plan)


async def _choose_task(
    update: Update, visit: Visit, draft: ReportDraft, task: Task, plan: Plan
) -> None:
    reporter = await _reporter(visit, draft)
    if task.plan_id != plan.id or not await can_report(visit.session, reporter, task):
        await reply(update, texts.OUT_OF_SCOPE.format(code=task.code))
        return
    draft.task_id, draft.step, draft.updated_at = task.id, Step.STATUS, visit.now
    rows = [
        [(texts.STATUS_LABELS[Status.NOT_STARTED], "rp:status:not_started"),
         (texts.STATUS_LABELS[Status.IN_PROGRESS], "rp:status:in_progress")],
        [(texts.STATUS_LABELS[Status.DONE], "rp:status:done"),
         (texts.STATUS_LABELS[Status.BLOCKED], "rp:status:blocked")],
        _CANCEL_ROW,
    ]  # fmt: skip
    await reply(
        update,
        texts.ASK_STATUS.format(
            code=task.code, title=esc(shorten(task.text, 120)), options=status_options()
        ),
        reply_markup=keyboard(rows),
    )


async def _choose_status(update: Update, draft: ReportDraft, status: Status) -> None:
    draft.status = status
    if status in (Status.DONE, Status.NOT_STARTED):
        # The status says the percent; asking would only invite a contradiction.
        await _choose_percent(update, draft, 100 if status == Status.DONE else 0)
        return
    draft.step = Step.PERCENT
    rows = [[(f"{p}%", f"rp:pct:{p}") for p in PERCENT_CHOICES], _CANCEL_ROW]
    await reply(update, texts.ASK_PERCENT, reply_markup=keyboard(rows))


async def _choose_percent(update: Update, draft: ReportDraft, percent: int | None) -> None:
    if percent is None or not 0 <= percent <= 100:
        await reply(update, texts.BAD_PERCENT)
        return
    draft.percent, draft.step = percent, Step.NOTE
    if draft.status == Status.BLOCKED:
        await reply(update, texts.ASK_NOTE_BLOCKED, reply_markup=keyboard([_CANCEL_ROW]))
    else:
        rows = [[(texts.BUTTON_SKIP, "rp:skip")], _CANCEL_ROW]
        await reply(update, texts.ASK_NOTE, reply_markup=keyboard(rows))


async def _give_note(update: Update, draft: ReportDraft, note: str | None) -> None:
    note = clean_note(note)
    if not note and draft.status == Status.BLOCKED:
        await reply(update, texts.NOTE_REQUIRED)
        return
    if len(note) > MAX_NOTE_LENGTH:
        await reply(update, texts.NOTE_TOO_LONG.format(length=len(note), limit=MAX_NOTE_LENGTH))
        return
    draft.note, draft.step = note, Step.EVIDENCE
    rows = [[(texts.BUTTON_SKIP, "rp:skip")], _CANCEL_ROW]
    await reply(update, texts.ASK_EVIDENCE, reply_markup=keyboard(rows))


async def _give_evidence(
    update: Update, visit: Visit, draft: ReportDraft, evidence: Evidence | None
) -> None:
    evidence = evidence or Evidence(kind="")
    draft.evidence_kind = evidence.kind or None
    draft.evidence_file_id = evidence.file_id
    draft.evidence_path = evidence.path
    draft.evidence_sha256 = evidence.sha256
    draft.evidence_text = evidence.text
    draft.step, draft.updated_at = Step.CONFIRM, visit.now
    task = await visit.session.get(Task, draft.task_id) if draft.task_id else None
    assert task is not None and draft.status is not None
    rows = [[(texts.BUTTON_SAVE, "rp:save"), (texts.BUTTON_CANCEL, "rp:cancel")]]
    await reply(
        update,
        texts.CONFIRM.format(
            code=task.code,
            title=esc(shorten(task.text, 80)),
            status=texts.STATUS_LABELS[Status(draft.status)],
            percent=draft.percent,
            note=esc(draft.note) if draft.note else texts.NO_NOTE,
            evidence=texts.EVIDENCE_LABELS[draft.evidence_kind or ""],
        ),
        reply_markup=keyboard(rows),
    )


async def _save(update: Update, visit: Visit, draft: ReportDraft) -> None:
    task = await visit.session.get(Task, draft.task_id) if draft.task_id else None
    assert task is not None and draft.status is not None and draft.percent is not None
    evidence = None
    if draft.evidence_kind:
        evidence = Evidence(
            kind=draft.evidence_kind,
            file_id=draft.evidence_file_id,
            path=draft.evidence_path,
            sha256=draft.evidence_sha256,
            text=draft.evidence_text,
        )
    reporter = await _reporter(visit, draft)
    if not await claim_draft(visit.session, draft):
        await reply(update, texts.SESSION_OVER)
        return
    try:
        report = await record_report(
            visit.session,
            member=reporter,
            task=task,
            report=ReportInput(Status(draft.status), draft.percent, draft.note or "", evidence),
            now=visit.now,
            timezone=visit.commune.timezone,
            entered_by=visit.member,
        )
    except DomainError as error:
        await reply(update, _input_error(error))
        return
    when = format_datetime(report.created_at, visit.commune.timezone)
    saved = texts.SAVED.format(code=task.code, version=report.version, time=when)
    if reporter.id != visit.member.id:
        saved += "\n" + texts.PROXY_SAVED.format(name=esc(reporter.name))
        await _tell_reporter(update, reporter, visit, task, report)
    await reply(update, saved)


async def _tell_reporter(
    update: Update, reporter: Member, visit: Visit, task: Task, report: Report
) -> None:
    """The member the office reported for learns of it."""
    text = texts.PROXY_NOTICE.format(
        office=esc(visit.member.name),
        code=task.code,
        status=texts.STATUS_LABELS[Status(report.status)],
        percent=report.percent,
    )
    key = f"report-{report.id}"
    await notify(visit, update.get_bot(), reporter, PROXY_NOTICE, key, text, task.id)


# --- Helpers ------------------------------------------------------------------------------


def _input_error(error: DomainError) -> str:
    if error.reason == "out_of_scope":
        return texts.OUT_OF_SCOPE.format(code=esc(error.detail))
    if error.reason == "bad_percent":
        return texts.BAD_PERCENT
    if error.reason == "note_required":
        return texts.NOTE_REQUIRED
    if error.reason == "note_too_long":
        return texts.NOTE_TOO_LONG.format(length=error.detail, limit=MAX_NOTE_LENGTH)
    if error.reason == "busy":
        return texts.BUSY
    raise error


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 12 else -1
