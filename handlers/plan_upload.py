"""The office sends the plan's own Word or Excel file in chat: the bot reads it, shows
what would change (a dry run), and imports it when the office confirms.

The file is kept by its Telegram file id in a :class:`~models.tables.PendingImport` row,
so a restart between the preview and the confirmation loses nothing.

The file is downloaded and read after the update's own transaction has committed, so no
transaction is held open meanwhile, and the reading runs in a worker thread (it is CPU work,
and the event loop keeps serving other chats); the worker gets bytes and gives back a plain
:class:`~models.plan_data.PlanSpec`, never touching a session. Only then is the database
asked (the dry run) or written (the import), in a transaction of its own.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.services import Services
from bot.texts import esc
from handlers.context import Visit, answer_tap, in_background, members_only, reply
from handlers.render import keyboard
from models.audit import Actor
from models.db import transaction
from models.plan_data import PlanSpec, read_plan_file
from models.plan_file import PlanImportError, check_file_size
from models.plan_import import catalogue_for, read_plan_table
from models.plan_sync import ImportChanges, import_plan
from models.plans import current_plan
from models.tables import Commune, Member, PendingImport, Role
from models.textfold import fold

PLAN_SUFFIXES = (".docx", ".xlsx", ".doc", ".xls")


def is_plan_file(document: Document | None) -> bool:
    """Whether a document looks like a plan table the office sent to import."""
    return document is not None and (document.file_name or "").lower().endswith(PLAN_SUFFIXES)


def _parse(content: bytes, name: str, plan_file: Path, commune: str, year: int) -> PlanSpec:
    """Read the plan table from the file's bytes (run in a worker thread: no session here)."""
    catalogue = catalogue_for(read_plan_file(plan_file))
    return read_plan_table(content, name, catalogue, commune=commune, year=year)


@dataclass(frozen=True)
class _Upload:
    """What the work after the commit needs to know (the update's session is closed)."""

    services: Services
    commune_id: int
    member_id: int
    file_id: str
    name: str
    year: int


async def _read(
    update: Update, context: ContextTypes.DEFAULT_TYPE, upload: _Upload, commune: str
) -> PlanSpec | None:
    """Download the file and read its plan table in a worker thread; None once the office
    has been told what is wrong with the file. The year is set when it is imported.
    """
    try:
        telegram_file = await context.bot.get_file(upload.file_id)
        content = bytes(await telegram_file.download_as_bytearray())
        plan_file = upload.services.settings.plan_file
        return await asyncio.to_thread(
            _parse, content, upload.name, plan_file, commune, upload.year
        )
    except PlanImportError as error:
        await reply(update, esc(str(error)))
    except TelegramError:
        await reply(update, texts.IMPORT_GONE)
    return None


async def _take_pending(session: AsyncSession, member_id: int) -> PendingImport | None:
    """The member's file waiting for confirmation, removed from waiting."""
    statement = select(PendingImport).where(PendingImport.member_id == member_id)
    pending = (await session.exec(statement)).first()
    if pending is not None:
        await session.delete(pending)
        await session.flush()
    return pending


async def receive_plan_file(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """A .docx/.xlsx from the office: read it and show the dry run, with a confirm button
    (the reading once this update has committed).
    """
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    name = document.file_name or "kehoach"
    try:
        check_file_size(document.file_size or 0, name)
    except PlanImportError as error:
        await reply(update, esc(str(error)))
        return
    year = (await current_plan(visit.session, visit.commune, visit.year)).year
    upload = _Upload(
        visit.services, visit.commune.id or 0, visit.member.id or 0, document.file_id, name, year
    )
    await in_background(update, context, lambda: _dry_run(update, context, upload))


async def _dry_run(update: Update, context: ContextTypes.DEFAULT_TYPE, upload: _Upload) -> None:
    commune_name = await _commune_name(upload)
    spec = await _read(update, context, upload, commune_name)
    if spec is None:
        return
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
                    file_id=upload.file_id, file_name=upload.name, year=upload.year,
                    created_at=now,
                )
            )  # fmt: skip
    if not changes.changed:
        await reply(update, texts.IMPORT_NOTHING)
        return
    await reply(update, _preview(changes, upload.name, len(spec.tasks), len(spec.areas)))
    rows = [[(texts.IMPORT_BUTTON_OK, "im:ok"), (texts.BUTTON_CANCEL, "im:no")]]
    await reply(update, texts.IMPORT_CONFIRM, reply_markup=keyboard(rows))


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
        fields = ", ".join(texts.IMPORT_FIELD_NAMES.get(f, f) for f in change.fields)
        kept = texts.IMPORT_REPORTS_KEPT.format(count=change.reports) if change.reports else ""
        lines.append(
            texts.IMPORT_UPDATED_LINE.format(code=change.code, fields=fields, reports=kept)
        )
    if changes.kept:
        lines.append(texts.IMPORT_KEPT.format(codes=", ".join(t.code for t in changes.kept)))
    if changes.shifted:
        pairs = ", ".join(f"{old}→{new}" for new, old in changes.shifted[:6])
        lines.append(texts.IMPORT_SHIFTED.format(pairs=pairs))
    return "\n".join(lines)


@members_only({Role.OFFICE})
async def import_button(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """Confirm (``im:ok``) or cancel (``im:no``) the plan file shown."""
    query = update.callback_query
    assert query is not None
    await answer_tap(update)
    if query.data != "im:ok":
        pending = await _take_pending(visit.session, visit.member.id or 0)
        await reply(update, texts.IMPORT_GONE if pending is None else texts.IMPORT_CANCELLED)
        return
    statement = select(PendingImport).where(PendingImport.member_id == visit.member.id)
    pending = (await visit.session.exec(statement)).first()
    if pending is None:
        await reply(update, texts.IMPORT_GONE)
        return
    upload = _Upload(
        visit.services, visit.commune.id or 0, visit.member.id or 0,
        pending.file_id, pending.file_name, pending.year,
    )  # fmt: skip
    await in_background(update, context, lambda: _import(update, context, upload))


async def _import(update: Update, context: ContextTypes.DEFAULT_TYPE, upload: _Upload) -> None:
    """Read the confirmed file again and import it, in one transaction that also takes the
    file off waiting (a second tap finds it gone).
    """
    spec = await _read(update, context, upload, await _commune_name(upload))
    if spec is None:
        return
    async with transaction(upload.services.sessions) as session:
        if await _take_pending(session, upload.member_id) is None:
            await reply(update, texts.IMPORT_GONE)
            return
        commune = await session.get(Commune, upload.commune_id)
        member = await session.get(Member, upload.member_id)
        assert commune is not None and member is not None
        changes = await import_plan(
            session, commune, spec, year=upload.year, dry_run=False,
            actor=Actor.of(member), now=upload.services.now(),
        )  # fmt: skip
    await reply(
        update,
        texts.IMPORT_DONE.format(
            year=changes.year, created=len(changes.created),
            updated=len(changes.updated), removed=len(changes.removed),
        ),
    )  # fmt: skip


_CONFIRM_WORDS = {"1", "nhap", "nhap ke hoach", "dong y", "ap dung", "co"}


async def typed_choice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit, text: str
) -> bool:
    """Typed "nhập" or "1" confirms the plan file shown ("hủy" cancels, as everywhere);
    False if no file waits or the text is no such answer.
    """
    if visit.member.role != Role.OFFICE or fold(text) not in _CONFIRM_WORDS:
        return False
    statement = select(PendingImport).where(PendingImport.member_id == visit.member.id)
    pending = (await visit.session.exec(statement)).first()
    if pending is None:
        return False
    upload = _Upload(
        visit.services, visit.commune.id or 0, visit.member.id or 0,
        pending.file_id, pending.file_name, pending.year,
    )  # fmt: skip
    await in_background(update, context, lambda: _import(update, context, upload))
    return True


async def drop_pending_import(visit: Visit) -> bool:
    """Forget the plan file waiting for confirmation ("hủy"); say whether there was one."""
    return await _take_pending(visit.session, visit.member.id or 0) is not None
