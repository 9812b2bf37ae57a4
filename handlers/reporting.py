"""Reporting progress from a phone: /baocao, step by step (task → status → percent → note →
evidence → confirm), by taps or typed answers; or in one line (/baocao 6.3 75 ghi chú).

The conversation's state is a :class:`~models.tables.ReportDraft` row, not process memory:
a restart in the middle of a report loses nothing. Every step checks the draft's step, and
every write checks the member's scope again, so stale or forged buttons change nothing.
"""

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.texts import esc
from handlers import answers
from handlers.context import Visit, members_only
from handlers.notices import notify
from handlers.proxy import ProxyTarget, draft_target, proxy_header
from handlers.task_picker import (
    PickerMarks,
    distinct_labels,
    distinctive,
    next_open,
    picker_marks,
)
from handlers.turn import Turn
from models.chat import ChannelError, Menu, Option, menu
from models.clock import format_datetime
from models.drafts import Step, claim_draft, discard_draft, get_draft, start_draft
from models.errors import DomainError
from models.evidence import store_evidence
from models.evidence_items import MAX_EVIDENCE, add_item, draft_items, set_first
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
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit (Zalo's is lower)
CALLBACK_PREFIX = "rp:"
_CANCEL = Option(texts.BUTTON_CANCEL, "rp:cancel", ("huy", "huy bo", "thoi"))
_SKIP = Option(texts.BUTTON_SKIP, "rp:skip", ("bo qua", "khong", "skip"))


# --- Entry points -------------------------------------------------------------------------


@members_only(REPORTING_ROLES)
async def report_command(turn: Turn, visit: Visit) -> None:
    """/baocao (/report): start the guided flow, or take a one-line report."""
    await start_report(turn, visit, list(turn.args))


async def start_report(
    turn: Turn, visit: Visit, args: list[str], on_behalf_of: ProxyTarget | None = None
) -> None:
    """Start reporting: one-line form when ``args`` are given, else the task list.

    With ``on_behalf_of``, the office enters a report phoned in, for a unit or hamlet (with
    or without anyone on the bot) or a member: their scope applies, and the report records
    who typed it.
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    if args:
        await _quick_report(turn, visit, plan, args)
        return
    reporter = on_behalf_of.reporter if on_behalf_of else visit.member
    tasks = await tasks_in_scope(visit.session, reporter, plan)
    if not tasks:
        await turn.say(texts.NO_TASKS)
        return
    # A report started now is what the next typed lines answer, not a review comment.
    await drop_return(visit.session, visit.member)
    draft = await start_draft(visit.session, visit.member, visit.now)
    if on_behalf_of is not None:
        on_behalf_of.mark(draft)
    marks = await _marks(visit, reporter, plan, tasks)
    text, markup = _task_page(tasks, draft.page, marks)
    if on_behalf_of is not None:
        text = on_behalf_of.header() + "\n" + text
    await turn.say(text, markup)


async def _reporter(visit: Visit, draft: ReportDraft) -> Member:
    """Whose report this is: the member typing, or the member or unit the office reports
    for (a unit with nobody on the bot as its stand-in).
    """
    target = await draft_target(visit.session, draft)
    return visit.member if target is None else target.reporter


@members_only()
async def cancel_command(turn: Turn, visit: Visit) -> None:
    """/huy (/cancel): drop the report in progress."""
    dropped = await discard_draft(visit.session, visit.member)
    dropped = await drop_return(visit.session, visit.member) or dropped
    await turn.say(texts.CANCELLED if dropped else texts.NOTHING_TO_CANCEL)


@members_only()
async def report_button(turn: Turn, visit: Visit) -> None:
    """A tap on one of the report flow's buttons (callback data ``rp:<action>[:<value>]``)."""
    _, action, value = [*turn.action.split(":", 2), "", ""][:3]
    if action == "start":
        # A reminder's button: open the report flow (for that task, or the task list).
        await turn.ack()
        await _start_from_reminder(turn, visit, _int(value))
        return
    draft = await get_draft(visit.session, visit.member)
    if draft is None:
        await turn.notice(texts.SESSION_OVER)
        await turn.retire_options()
        return
    if action == "cancel":
        await turn.ack()
        await turn.retire_options()
        await discard_draft(visit.session, visit.member)
        await turn.say(texts.CANCELLED)
        return
    if action not in FLOW[Step(draft.step)].options:
        await turn.notice(texts.STEP_PASSED)
        return
    await turn.ack()
    if action == "page":
        await _turn_page(turn, visit, draft, _int(value), replace=True)
        return
    step = draft.step
    if action == "task":
        await _choose_task_by_id(turn, visit, draft, _int(value))
    elif action == "status" and value in Status.__members__.values():
        await _choose_status(turn, visit, draft, Status(value))
    elif action == "pct":
        await _choose_percent(turn, visit, draft, _int(value))
    elif action == "skip":
        await (
            _give_note(turn, visit, draft, None)
            if draft.step == Step.NOTE
            else _give_evidence(turn, visit, draft, None)
        )
    elif action == "save":
        await _save(turn, visit, draft)
    else:
        await turn.say(texts.BAD_BUTTON)
    if draft.step != step or action == "save":
        # Answered: take the buttons off so the prompt cannot be tapped twice. A refused
        # tap leaves them, so the person can still choose.
        await turn.retire_options()


async def _typed_task(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    move = answers.page_move(text)
    if move:
        await _turn_page(turn, visit, draft, draft.page + move)
        return
    code = answers.parse_task_code(text)
    if code is None:
        await turn.correct(texts.BAD_TASK_ANSWER.format(example="6.3"))
        return
    plan = await current_plan(visit.session, visit.commune, visit.year)
    task = await task_by_code(visit.session, plan, code)
    if task is None:
        await turn.correct(texts.UNKNOWN_TASK.format(code=esc(code)))
        return
    await _choose_task(turn, visit, draft, task, plan)


async def _typed_status(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    status = answers.parse_status(text)
    await (
        _choose_status(turn, visit, draft, status) if status else turn.correct(texts.BAD_STATUS)
    )


async def _typed_percent(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    await _choose_percent(turn, visit, draft, answers.parse_percent(text))


async def _typed_note(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    await _give_note(turn, visit, draft, None if answers.is_skip(text) else text)


async def _typed_evidence(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    if answers.is_skip(text):
        await _give_evidence(turn, visit, draft, None)
    else:
        await turn.correct(texts.BAD_EVIDENCE)


async def _typed_confirm(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    if answers.is_yes(text):
        await _save(turn, visit, draft)
    elif answers.is_no(text):
        await discard_draft(visit.session, visit.member)
        await turn.say(texts.CANCELLED)
    else:
        await turn.correct(texts.BAD_CONFIRM)


TypedAnswer = Callable[[Turn, Visit, ReportDraft, str], Awaitable[None]]


@dataclass(frozen=True)
class ReportStep:
    """One state of the report conversation: the options that answer it (``rp:<option>``;
    "cancel" answers every step), what a typed line does there, and whether a file does.
    """

    options: frozenset[str]
    typed: TypedAnswer
    takes_files: bool = False


# The report conversation, declared in one place as PTB declares a ConversationHandler's
# states: task → status → percent → note → evidence → confirm. A tap and a typed answer to
# the same step end in the same function.
FLOW: dict[Step, ReportStep] = {
    Step.TASK: ReportStep(frozenset({"task", "page"}), _typed_task),
    Step.STATUS: ReportStep(frozenset({"status"}), _typed_status),
    Step.PERCENT: ReportStep(frozenset({"pct"}), _typed_percent),
    Step.NOTE: ReportStep(frozenset({"skip"}), _typed_note),
    Step.EVIDENCE: ReportStep(frozenset({"skip"}), _typed_evidence, takes_files=True),
    Step.CONFIRM: ReportStep(frozenset({"save"}), _typed_confirm),
}


async def draft_text(turn: Turn, visit: Visit, draft: ReportDraft, text: str) -> None:
    """A typed answer to the step the draft is at."""
    await FLOW[Step(draft.step)].typed(turn, visit, draft, text)


async def draft_media(turn: Turn, visit: Visit, draft: ReportDraft) -> None:
    """A photo, document or location sent while a report is in progress: evidence. The
    first item answers the evidence step (or waits for it, if sent earlier); more items
    join it, up to :data:`MAX_EVIDENCE` (an album arrives as one update per photo).
    """
    attachment = turn.attachment
    assert attachment is not None
    evidence = await fetch_evidence(turn, visit)
    if evidence is None:
        return
    had = draft_items(draft)
    if not had and draft.step == Step.EVIDENCE:
        draft.evidence_album = attachment.album or None
        await _give_evidence(turn, visit, draft, evidence)
        return
    if not add_item(draft, evidence):
        await turn.correct(texts.EVIDENCE_FULL.format(limit=MAX_EVIDENCE))
        return
    same_album = bool(attachment.album) and attachment.album == draft.evidence_album
    draft.evidence_album, draft.updated_at = attachment.album or None, visit.now
    if same_album:
        return  # the rest of an album: one answer for the album, not one per photo
    items = draft_items(draft)
    if not had:
        # Sent before the evidence step: kept for it; the question asked still stands.
        await turn.correct(texts.EVIDENCE_KEPT.format(what=_noun(evidence.kind)))
        return
    await turn.correct(texts.EVIDENCE_ADDED.format(what=describe_evidence(items)))


async def fetch_evidence(turn: Turn, visit: Visit) -> Evidence | None:
    """The attachment as evidence, a copy kept; None (the member told why) if it cannot be."""
    attachment = turn.attachment
    assert attachment is not None
    if attachment.kind == "location":
        return Evidence(kind="location", text=attachment.location)
    if attachment.kind not in ("photo", "document"):
        await turn.correct(texts.BAD_EVIDENCE)
        return None
    if (attachment.size or 0) > MAX_DOWNLOAD_BYTES:
        await turn.correct(texts.FILE_TOO_BIG)
        return None
    kind = attachment.kind
    suffix = (
        ".jpg" if kind == "photo" else Path(attachment.file_name).suffix.lower()[:10] or ".bin"
    )
    evidence = Evidence(kind=kind, file_id=attachment.ref)
    try:
        data = await turn.channel.fetch(attachment, MAX_DOWNLOAD_BYTES)
        path, digest = store_evidence(data, visit.services.settings.evidence_dir, suffix)
        evidence = Evidence(kind=kind, file_id=attachment.ref, path=str(path), sha256=digest)
    except (ChannelError, OSError):
        # The reference is enough to fetch it again later; the report must not be lost.
        log.warning("evidence download failed; keeping the file reference only", exc_info=True)
    return evidence


async def start_with_evidence(turn: Turn, visit: Visit) -> None:
    """Evidence sent before any report: kept, and the task picker asks what it is for."""
    evidence = await fetch_evidence(turn, visit)
    if evidence is None:
        return
    attachment = turn.attachment
    assert attachment is not None
    plan = await current_plan(visit.session, visit.commune, visit.year)
    tasks = await tasks_in_scope(visit.session, visit.member, plan)
    if not tasks:
        await turn.say(texts.NO_TASKS)
        return
    await drop_return(visit.session, visit.member)
    draft = await start_draft(visit.session, visit.member, visit.now)
    set_first(draft, evidence)
    draft.evidence_album = attachment.album or None
    marks = await _marks(visit, visit.member, plan, tasks)
    text, markup = _task_page(tasks, draft.page, marks)
    await turn.say(texts.EVIDENCE_FIRST.format(what=_noun(evidence.kind)) + "\n\n" + text, markup)


def _noun(kind: str) -> str:
    return texts.EVIDENCE_NOUNS.get(kind, texts.EVIDENCE_NOUNS["document"])


def describe_evidence(items: list[Evidence]) -> str:
    """The items counted by kind, as «2 ảnh, 1 tệp»; «(không có)» for none."""
    if not items:
        return texts.NO_NOTE
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return ", ".join(f"{n} {_noun(kind)}" for kind, n in counts.items())


async def _start_from_reminder(turn: Turn, visit: Visit, task_id: int) -> None:
    if visit.member.role not in REPORTING_ROLES:
        await turn.say(texts.NOT_ALLOWED)
        return
    plan = await current_plan(visit.session, visit.commune, visit.year)
    task = await visit.session.get(Task, task_id) if task_id > 0 else None
    if task is None or task.plan_id != plan.id:
        # No task, or one of another plan (another year's, another commune's): the list.
        await start_report(turn, visit, [])
        return
    draft = await start_draft(visit.session, visit.member, visit.now)
    await _choose_task(turn, visit, draft, task, plan)


# --- Steps --------------------------------------------------------------------------------


async def _quick_report(turn: Turn, visit: Visit, plan: Plan, args: list[str]) -> None:
    code = answers.parse_task_code(args[0])
    if code is None:
        await turn.say(texts.QUICK_USAGE)
        return
    task = await task_by_code(visit.session, plan, code)
    if task is None:
        await turn.correct(texts.UNKNOWN_TASK.format(code=esc(code)))
        return
    if not await can_report(visit.session, visit.member, task):
        await turn.correct(texts.OUT_OF_SCOPE.format(code=code))
        return
    rest = args[1:]
    if not rest:
        draft = await start_draft(visit.session, visit.member, visit.now)
        await _choose_task(turn, visit, draft, task, plan)
        return
    percent = answers.parse_percent(rest[0])
    if percent is not None:
        status, note_words = status_for_percent(percent), rest[1:]
    else:
        found, used = answers.parse_status_prefix(rest)
        if found is None:
            await turn.say(texts.QUICK_USAGE)
            return
        status, note_words = found, rest[used:]
        # "khó khăn 60 …": the status, then the percent.
        percent = answers.parse_percent(note_words[0]) if note_words else None
        if percent is not None:
            note_words = note_words[1:]
    note = clean_note(" ".join(note_words))
    if status == Status.BLOCKED and not note:
        await turn.correct(texts.NOTE_REQUIRED)
        return
    if percent is None:
        # A status without a number keeps the percent last reported ("khó khăn" is not 0%),
        # unless that percent says the task was finished: then ask, do not guess.
        history = await report_history(visit.session, task, visit.member.unit_id or 0)
        percent = history[-1].percent if history else 0
        if status in (Status.IN_PROGRESS, Status.BLOCKED) and percent >= 100:
            await _ask_percent_now(turn, visit, task, status, note, percent)
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
        await turn.say(_input_error(error))
        return
    await discard_draft(visit.session, visit.member)
    await turn.say(
        texts.SAVED_QUICK.format(
            code=task.code,
            status=texts.STATUS_LABELS[Status(report.status)],
            percent=report.percent,
            version=report.version,
            time=format_datetime(report.created_at, visit.commune.timezone),
        ),
    )


async def _ask_percent_now(
    turn: Turn, visit: Visit, task: Task, status: Status, note: str, last: int
) -> None:
    """A one-line report whose status contradicts the percent last reported: go on as the
    guided flow would, at the percent step, with the status and note already given.
    """
    draft = await start_draft(visit.session, visit.member, visit.now)
    draft.task_id, draft.status, draft.note = task.id, status, note or None
    draft.step = Step.PERCENT
    text = texts.ASK_PERCENT_NOW.format(
        code=task.code, percent=last, status=texts.STATUS_LABELS[status].lower()
    )
    await turn.say(text, _percent_menu(status))


def _percent_menu(status: Status) -> Menu:
    # Not numbered: a typed number is the percent itself. A blocked task is not finished.
    choices = [p for p in PERCENT_CHOICES if p < 100 or status != Status.BLOCKED]
    return menu([[Option(f"{p}%", f"rp:pct:{p}") for p in choices], [_CANCEL]], numbered=False)


async def _marks(visit: Visit, reporter: Member, plan: Plan, tasks: list[Task]) -> PickerMarks:
    timezone = visit.commune.timezone
    return await picker_marks(visit.session, reporter, plan, tasks, timezone, visit.now)


def _task_page(tasks: list[Task], page: int, marks: PickerMarks) -> tuple[str, Menu]:
    pages = max(1, math.ceil(len(tasks) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = tasks[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [texts.PICK_TASK.format(page=page + 1, pages=pages, example=shown[0].code)]
    if pages > 1:
        lines.append(texts.PICK_TASK_HINT_PAGES)
    if marks.reported:
        lines.append(texts.PICK_TASK_HINT_REPORTED)
    area = None
    for task in shown:
        if task.area_number != area:
            area = task.area_number
            lines.append("")
        part = f" <i>({marks.part(task)})</i>" if marks.part(task) else ""
        text = esc(distinctive(task.text, 90))
        lines.append(f"<b>{task.code}</b>{marks.tick(task)}{part} {text}")
    labels = distinct_labels([t.text for t in shown], 28)
    rows = [
        [Option(f"{t.code} · {label}{marks.tick(t)}", f"rp:task:{t.id}", (_words(t),))]
        for t, label in zip(shown, labels, strict=True)
    ]
    navigation: list[Option] = []
    if page > 0:
        navigation.append(Option(texts.BUTTON_PREV, f"rp:page:{page - 1}", ("truoc",)))
    if page < pages - 1:
        navigation.append(Option(texts.BUTTON_NEXT, f"rp:page:{page + 1}", ("tiep", "sau")))
    rows += [navigation] if navigation else []
    rows.append([_CANCEL])
    return "\n".join(lines), menu(rows)


async def _turn_page(
    turn: Turn, visit: Visit, draft: ReportDraft, page: int, replace: bool = False
) -> None:
    plan = await current_plan(visit.session, visit.commune, visit.year)
    tasks = await tasks_in_scope(visit.session, await _reporter(visit, draft), plan)
    if not tasks:
        await turn.say(texts.NO_TASKS)
        return
    pages = max(1, math.ceil(len(tasks) / PAGE_SIZE))
    draft.page = min(max(page, 0), pages - 1)
    draft.updated_at = visit.now
    marks = await _marks(visit, await _reporter(visit, draft), plan, tasks)
    text, markup = _task_page(tasks, draft.page, marks)
    if replace:
        await turn.show(text, markup)
    else:
        await turn.say(text, markup)


async def _choose_task_by_id(turn: Turn, visit: Visit, draft: ReportDraft, task_id: int) -> None:
    task = await visit.session.get(Task, task_id) if task_id > 0 else None
    plan = await current_plan(visit.session, visit.commune, visit.year)
    if task is None or task.plan_id != plan.id:
        await turn.say(texts.BAD_BUTTON)
        return
    await _choose_task(turn, visit, draft, task, plan)


async def _choose_task(
    turn: Turn, visit: Visit, draft: ReportDraft, task: Task, plan: Plan
) -> None:
    reporter = await _reporter(visit, draft)
    if task.plan_id != plan.id or not await can_report(visit.session, reporter, task):
        await turn.correct(texts.OUT_OF_SCOPE.format(code=task.code))
        return
    draft.task_id, draft.step, draft.updated_at = task.id, Step.STATUS, visit.now
    rows = [
        [Option(texts.STATUS_LABELS[Status.NOT_STARTED], "rp:status:not_started"),
         Option(texts.STATUS_LABELS[Status.IN_PROGRESS], "rp:status:in_progress")],
        [Option(texts.STATUS_LABELS[Status.DONE], "rp:status:done"),
         Option(texts.STATUS_LABELS[Status.BLOCKED], "rp:status:blocked")],
        [_CANCEL],
    ]  # fmt: skip
    await turn.say(
        texts.ASK_STATUS.format(code=task.code, title=esc(shorten(task.text, 120))),
        menu(rows),
    )


async def _choose_status(turn: Turn, visit: Visit, draft: ReportDraft, status: Status) -> None:
    draft.status = status
    if status in (Status.DONE, Status.NOT_STARTED):
        # The status says the percent; asking would only invite a contradiction.
        await _choose_percent(turn, visit, draft, 100 if status == Status.DONE else 0)
        return
    draft.step = Step.PERCENT
    await turn.say(texts.ASK_PERCENT, _percent_menu(status))


async def _choose_percent(
    turn: Turn, visit: Visit, draft: ReportDraft, percent: int | None
) -> None:
    if percent is None or not 0 <= percent <= 100:
        await turn.correct(texts.BAD_PERCENT)
        return
    if draft.status == Status.BLOCKED and percent >= 100:
        await turn.correct(texts.BLOCKED_AT_100)
        return
    finished = draft.status == Status.IN_PROGRESS and percent >= 100
    if finished:
        draft.status = Status.DONE  # "in progress, 100%" is done: said so, not saved as is
    draft.percent, draft.step = percent, Step.NOTE
    if draft.note:
        # Given already (a one-line report that needed its percent asked).
        await _give_note(turn, visit, draft, draft.note)
        return
    if finished:
        await turn.say(texts.DONE_AT_100)
    if draft.status == Status.BLOCKED:
        # Not numbered: the note is free text, and "2" may be all a person has to say.
        await turn.say(texts.ASK_NOTE_BLOCKED, menu([[_CANCEL]], numbered=False))
    else:
        await turn.say(texts.ASK_NOTE, menu([[_SKIP], [_CANCEL]], numbered=False))


async def _give_note(turn: Turn, visit: Visit, draft: ReportDraft, note: str | None) -> None:
    note = clean_note(note)
    if not note and draft.status == Status.BLOCKED:
        await turn.correct(texts.NOTE_REQUIRED)
        return
    if len(note) > MAX_NOTE_LENGTH:
        await turn.correct(texts.NOTE_TOO_LONG.format(length=len(note), limit=MAX_NOTE_LENGTH))
        return
    draft.note, draft.step = note, Step.EVIDENCE
    if draft_items(draft):
        # Sent earlier in the flow (or before /baocao): no need to ask for it.
        await _show_confirm(turn, visit, draft)
        return
    ask = texts.ASK_EVIDENCE if turn.channel.receives_files else texts.ASK_EVIDENCE_PHOTO
    await turn.say(ask, menu([[_SKIP], [_CANCEL]]))


async def _give_evidence(
    turn: Turn, visit: Visit, draft: ReportDraft, evidence: Evidence | None
) -> None:
    set_first(draft, evidence)
    await _show_confirm(turn, visit, draft)


async def _show_confirm(turn: Turn, visit: Visit, draft: ReportDraft) -> None:
    draft.step, draft.updated_at = Step.CONFIRM, visit.now
    task = await visit.session.get(Task, draft.task_id) if draft.task_id else None
    assert task is not None and draft.status is not None
    rows = [[Option(texts.BUTTON_SAVE, "rp:save", ("luu", "co", "dong y", "ok")), _CANCEL]]
    whose = await proxy_header(visit.session, draft)  # a report phoned in: whose it is
    await turn.say(
        (whose + "\n" if whose else "")
        + texts.CONFIRM.format(
            code=task.code,
            title=esc(shorten(task.text, 80)),
            status=texts.STATUS_LABELS[Status(draft.status)],
            percent=draft.percent,
            note=esc(draft.note) if draft.note else texts.NO_NOTE,
            evidence=describe_evidence(draft_items(draft)),
        ),
        menu(rows),
    )


async def _save(turn: Turn, visit: Visit, draft: ReportDraft) -> None:
    task = await visit.session.get(Task, draft.task_id) if draft.task_id else None
    assert task is not None and draft.status is not None and draft.percent is not None
    items = draft_items(draft)
    reporter = await _reporter(visit, draft)
    if not await claim_draft(visit.session, draft):
        await turn.say(texts.SESSION_OVER)
        return
    try:
        report = await record_report(
            visit.session,
            member=reporter,
            task=task,
            report=ReportInput(
                Status(draft.status),
                draft.percent,
                draft.note or "",
                items[0] if items else None,
                tuple(items[1:]),
            ),
            now=visit.now,
            timezone=visit.commune.timezone,
            entered_by=visit.member,
        )
    except DomainError as error:
        await turn.say(_input_error(error))
        return
    when = format_datetime(report.created_at, visit.commune.timezone)
    saved = texts.SAVED.format(code=task.code, version=report.version, time=when)
    if len(items) > 1:
        saved += "\n" + texts.SAVED_EVIDENCE.format(what=describe_evidence(items))
    if reporter.id != visit.member.id:
        saved += "\n" + texts.PROXY_SAVED.format(name=esc(reporter.name))
        await _tell_reporter(turn, reporter, visit, task, report)
        await turn.say(saved)
        return
    await turn.say(saved, await _next_task_offer(visit, task))


async def _next_task_offer(visit: Visit, done: Task) -> Menu | None:
    """One tap to the next task not yet reported this quarter (a unit with nine tasks no
    longer starts over from /baocao for each).
    """
    plan = await current_plan(visit.session, visit.commune, visit.year)
    tasks = await tasks_in_scope(visit.session, visit.member, plan)
    following = next_open(tasks, await _marks(visit, visit.member, plan, tasks), done)
    if following is None:
        return None
    label = texts.BUTTON_NEXT_TASK.format(
        code=following.code, title=distinctive(following.text, 24)
    )
    return menu([[Option(label, f"rp:start:{following.id}", ("tiep", "bao cao tiep"))]])


async def _tell_reporter(
    turn: Turn, reporter: Member, visit: Visit, task: Task, report: Report
) -> None:
    """The member the office reported for learns of it (a unit with nobody on the bot has
    no one to tell).
    """
    if reporter.id is None:
        return
    text = texts.PROXY_NOTICE.format(
        office=esc(visit.member.name),
        code=task.code,
        status=texts.STATUS_LABELS[Status(report.status)],
        percent=report.percent,
    )
    key = f"report-{report.id}"
    await notify(visit, reporter, PROXY_NOTICE, key, text, task.id)


# --- Helpers ------------------------------------------------------------------------------


def _input_error(error: DomainError) -> str:
    if error.reason == "out_of_scope":
        return texts.OUT_OF_SCOPE.format(code=esc(error.detail))
    if error.reason == "bad_percent":
        return texts.BAD_PERCENT
    if error.reason == "unfinished_at_100":
        return texts.UNFINISHED_AT_100
    if error.reason == "note_required":
        return texts.NOTE_REQUIRED
    if error.reason == "note_too_long":
        return texts.NOTE_TOO_LONG.format(length=error.detail, limit=MAX_NOTE_LENGTH)
    if error.reason == "busy":
        return texts.BUSY
    raise error


def _words(task: Task) -> str:
    return task.code.replace(".", " ")  # "6 3": what a typed "6.3" folds to


def _int(value: str) -> int:
    found = answers.parse_row_id(value)
    return -1 if found is None else found
