"""The office sends the plan's own Word or Excel file in chat: the bot reads it, shows
what would change (a dry run), and imports it when the office confirms (an option, tapped
or typed: "1", "nhập").

The file is kept by the channel's reference to it (a Telegram file id, a Zalo file URL) in
a :class:`~models.tables.PendingImport` row, so a restart between the preview and the
confirmation loses nothing.

The file is downloaded and read after the update's own transaction has committed, so no
transaction is held open meanwhile, and the reading runs in a worker thread (it is CPU work,
and the event loop keeps serving other chats); the worker gets bytes and gives back a plain
:class:`~models.plan_reading.ImportReading`, never touching a session. Only then is the
database asked (the dry run) or written (the import), in a transaction of its own. The dry
run also shows what the reading left out or guessed.
"""

import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.services import Services
from bot.texts import esc
from handlers.context import Visit, members_only
from handlers.turn import Turn
from models.audit import Actor
from models.chat import Attachment, ChannelError, Option, menu
from models.db import transaction
from models.plan_data import (
    PlanSpec,
    UnitSpec,
    area_lines,
    deadline_groups,
    guessed_deadlines,
    read_plan_file,
)
from models.plan_file import MAX_FILE_BYTES, PlanImportError, check_file_size
from models.plan_import import TEMPLATE_HINTED, catalogue_for, read_plan_import
from models.plan_reading import ImportReading, reading_lines
from models.plan_sync import FIELD_NAMES, ImportChanges, import_plan
from models.plans import current_plan
from models.tables import ChatAccount, Commune, Member, PendingImport, Role
from models.unit_sync import commune_units, new_unit_lines

log = logging.getLogger(__name__)

PLAN_SUFFIXES = (".docx", ".xlsx", ".doc", ".xls")
# Import the file shown, or not: tapped, or typed as "1", "nhập", "hủy".
_CONFIRM_WORDS = ("nhap", "nhap ke hoach", "dong y", "ap dung", "co")
CONFIRM_MENU = menu(
    [
        [
            Option(texts.IMPORT_BUTTON_OK, "im:ok", _CONFIRM_WORDS),
            Option(texts.BUTTON_CANCEL, "im:no", ("huy", "huy bo", "khong")),
        ]
    ]
)


def is_plan_file(attachment: Attachment | None) -> bool:
    """Whether an attachment looks like a plan table the office sent to import."""
    return (
        attachment is not None
        and attachment.kind == "document"
        and attachment.file_name.lower().endswith(PLAN_SUFFIXES)
    )


def _parse(
    content: bytes,
    name: str,
    plan_file: Path,
    commune: str,
    year: int,
    known: tuple[UnitSpec, ...] = (),
) -> ImportReading:
    """Read the plan table from the file's bytes (run in a worker thread: no session here;
    ``known``: the commune's units, read before).
    """
    catalogue = catalogue_for(read_plan_file(plan_file), known)
    return read_plan_import(content, name, catalogue, commune=commune, year=year)


@dataclass(frozen=True)
class _Upload:
    """What the work after the commit needs to know (the update's session is closed)."""

    services: Services
    commune_id: int
    member_id: int
    # The chat account the file came from: its chat is offered the confirm options.
    account_id: int | None
    file: Attachment
    year: int
    # The channel the file came on (it is fetched there, wherever the confirmation came).
    channel: str


# Notes on the reading shown in chat (the command line prints them all): a message stays
# short enough to read on a phone.
_NOTES = 8
# What is downloaded at most: over MAX_FILE_BYTES still, so that a file whose size the
# channel did not announce is refused with its size rather than as a failed download.
_FETCH_LIMIT = 2 * MAX_FILE_BYTES


async def _read(turn: Turn, upload: _Upload, commune: str) -> ImportReading | None:
    """Download the file and read its plan table in a worker thread; None once the office
    has been told what is wrong with the file. The year is set when it is imported.
    """
    try:
        channel = upload.services.channels.get(upload.channel, turn.channel)
        content = await channel.fetch(upload.file, _FETCH_LIMIT)
    except (ChannelError, OSError):
        log.warning("could not download a plan file", exc_info=True)
        await turn.say(texts.IMPORT_GONE)
        return None
    plan_file = upload.services.settings.plan_file
    name = upload.file.file_name
    known = await _commune_units(upload)
    try:
        return await asyncio.to_thread(
            _parse, content, name, plan_file, commune, upload.year, known
        )
    except PlanImportError as error:
        await turn.say(esc(str(error)))
        if error.reason in TEMPLATE_HINTED:
            await turn.say(texts.IMPORT_USE_TEMPLATE)
    return None


async def _commune_units(upload: _Upload) -> tuple[UnitSpec, ...]:
    """The commune's units and their other names, which the file is read knowing."""
    async with transaction(upload.services.sessions) as session:
        commune = await session.get(Commune, upload.commune_id)
        assert commune is not None
        return await commune_units(session, commune)


async def _take_pending(session: AsyncSession, member_id: int) -> PendingImport | None:
    """The member's file waiting for confirmation, removed from waiting."""
    statement = select(PendingImport).where(PendingImport.member_id == member_id)
    pending = (await session.exec(statement)).first()
    if pending is not None:
        await session.delete(pending)
        await session.flush()
    return pending


def _forget_options(account: ChatAccount | None) -> None:
    """Stop a chat's typed "1" or "nhập" from meaning this import (it is done or gone)."""
    if account is not None and account.menu == CONFIRM_MENU.to_json():
        account.menu = None


async def receive_plan_file(turn: Turn, visit: Visit) -> None:
    """A .docx/.xlsx from the office: read it and show the dry run, with the options to
    confirm or cancel (the reading once this update has committed).
    """
    attachment = turn.attachment
    assert attachment is not None
    name = attachment.file_name or "kehoach"
    try:
        check_file_size(attachment.size or 0, name)
    except PlanImportError as error:
        await turn.say(esc(str(error)))
        return
    year = (await current_plan(visit.session, visit.commune, visit.year)).year
    upload = _Upload(
        visit.services, visit.commune.id or 0, visit.member.id or 0,
        visit.account.id if visit.account is not None else None,
        replace(attachment, file_name=name), year, turn.incoming.channel,
    )  # fmt: skip
    await turn.in_background(lambda: _dry_run(turn, upload))


async def _dry_run(turn: Turn, upload: _Upload) -> None:
    commune_name = await _commune_name(upload)
    reading = await _read(turn, upload, commune_name)
    if reading is None:
        return
    spec = reading.spec
    now = upload.services.now()
    async with transaction(upload.services.sessions) as session:
        commune = await session.get(Commune, upload.commune_id)
        assert commune is not None
        changes = await import_plan(session, commune, spec, year=upload.year, dry_run=True)
        if changes.changed:
            await _take_pending(session, upload.member_id)  # an earlier file gives way
            session.add(
                PendingImport(
                    commune_id=upload.commune_id, member_id=upload.member_id,
                    file_id=upload.file.ref, file_name=upload.file.file_name,
                    year=upload.year, created_at=now, channel=upload.channel,
                )
            )  # fmt: skip
            # This runs after the update's own visit: store the options for the chat here,
            # so that a typed "1" or "nhập" confirms as a tap would.
            if upload.account_id is not None:
                account = await session.get(ChatAccount, upload.account_id)
                if account is not None:
                    account.menu = CONFIRM_MENU.to_json()
    if not changes.changed:
        await turn.say(texts.IMPORT_NOTHING)
        return
    await turn.say(_preview(changes, upload.file.file_name, len(spec.tasks), len(spec.areas)))
    await turn.say("\n".join([texts.IMPORT_AREAS_TITLE, *map(esc, area_lines(spec))]))
    notes = reading_lines(reading)
    if notes:
        shown = [texts.IMPORT_READING_LINE.format(line=esc(note)) for note in notes[:_NOTES]]
        if len(notes) > _NOTES:
            shown.append(texts.IMPORT_READING_MORE.format(count=len(notes) - _NOTES))
        await turn.say(texts.IMPORT_READING_NOTES.format(lines="\n".join(shown)))
    await turn.say(_deadlines(spec, upload.year))
    await turn.say(texts.IMPORT_CONFIRM, CONFIRM_MENU)


def _deadlines(spec: PlanSpec, year: int) -> str:
    """Each task's deadline as read, grouped by deadline; the guesses said, to be checked."""
    lines = [texts.IMPORT_DEADLINES_TITLE, *(esc(line) for line in deadline_groups(spec, year))]
    guessed = guessed_deadlines(spec, year)
    if guessed:
        lines.append(texts.IMPORT_DEADLINES_GUESSED.format(count=guessed))
    return "\n".join(lines)


async def _commune_name(upload: _Upload) -> str:
    async with transaction(upload.services.sessions) as session:
        commune = await session.get(Commune, upload.commune_id)
        assert commune is not None
        return commune.name


def _preview(changes: ImportChanges, name: str, tasks: int, areas: int) -> str:
    lines = [
        texts.IMPORT_PREVIEW.format(
            year=changes.year, name=esc(name), tasks=tasks, areas=areas,
            created=len(changes.created), updated=len(changes.updated),
            unchanged=len(changes.unchanged), removed=len(changes.removed),
        )
    ]  # fmt: skip
    if changes.plan_created:
        lines.append(texts.IMPORT_NEW_PLAN.format(year=changes.year))
    for change in changes.updated[:10]:
        fields = ", ".join(FIELD_NAMES.get(f, f) for f in change.fields)
        kept = texts.IMPORT_REPORTS_KEPT.format(count=change.reports) if change.reports else ""
        lines.append(
            texts.IMPORT_UPDATED_LINE.format(code=change.code, fields=fields, reports=kept)
        )
    if changes.kept:
        lines.append(texts.IMPORT_KEPT.format(codes=", ".join(t.code for t in changes.kept)))
    if changes.shifted:
        pairs = ", ".join(f"{old}→{new}" for new, old in changes.shifted[:6])
        lines.append(texts.IMPORT_SHIFTED.format(pairs=pairs))
    lines.extend(esc(line) for line in new_unit_lines(changes.new_units, dry_run=True))
    return "\n".join(lines)


@members_only({Role.OFFICE})
async def import_button(turn: Turn, visit: Visit) -> None:
    """Confirm (``im:ok``) or cancel (``im:no``) the plan file shown, tapped or typed."""
    await turn.ack()
    if turn.action != "im:ok":
        pending = await _take_pending(visit.session, visit.member.id or 0)
        _forget_options(visit.account)
        await turn.say(texts.IMPORT_GONE if pending is None else texts.IMPORT_CANCELLED)
        return
    statement = select(PendingImport).where(PendingImport.member_id == visit.member.id)
    pending = (await visit.session.exec(statement)).first()
    if pending is None:
        _forget_options(visit.account)
        await turn.say(texts.IMPORT_GONE)
        return
    upload = _Upload(
        visit.services, visit.commune.id or 0, visit.member.id or 0,
        visit.account.id if visit.account is not None else None,
        Attachment(kind="document", ref=pending.file_id, file_name=pending.file_name),
        pending.year, pending.channel,
    )  # fmt: skip
    await turn.in_background(lambda: _import(turn, upload))


async def _import(turn: Turn, upload: _Upload) -> None:
    """Read the confirmed file again and import it, in one transaction that also takes the
    file off waiting (a second tap finds it gone).
    """
    reading = await _read(turn, upload, await _commune_name(upload))
    if reading is None:
        return
    spec = reading.spec
    async with transaction(upload.services.sessions) as session:
        if upload.account_id is not None:
            _forget_options(await session.get(ChatAccount, upload.account_id))
        if await _take_pending(session, upload.member_id) is None:
            await turn.say(texts.IMPORT_GONE)
            return
        commune = await session.get(Commune, upload.commune_id)
        member = await session.get(Member, upload.member_id)
        assert commune is not None and member is not None
        changes = await import_plan(
            session, commune, spec, year=upload.year, dry_run=False,
            actor=Actor.of(member), now=upload.services.now(),
        )  # fmt: skip
    await turn.say(
        texts.IMPORT_DONE.format(
            year=changes.year, created=len(changes.created),
            updated=len(changes.updated), removed=len(changes.removed),
        ),
    )  # fmt: skip


async def drop_pending_import(visit: Visit) -> bool:
    """Forget the plan file waiting for confirmation ("hủy"); say whether there was one."""
    _forget_options(visit.account)
    return await _take_pending(visit.session, visit.member.id or 0) is not None
