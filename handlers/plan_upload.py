"""The office sends the plan's own Word or Excel file in chat: the bot reads it, shows
what would change (a dry run), and imports it when the office confirms.

The file is kept by its Telegram file id in a :class:`~models.tables.PendingImport` row,
so a restart between the preview and the confirmation loses nothing.
"""

import asyncio

from sqlmodel import select
from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, reply
from handlers.render import keyboard
from models.plan_data import PlanSpec, read_plan_file
from models.plan_import import PlanImportError, catalogue_for, check_file_size, read_plan_table
from models.plan_sync import ImportChanges, import_plan
from models.plans import current_plan
from models.tables import PendingImport, Role

PLAN_SUFFIXES = (".docx", ".xlsx", ".doc", ".xls")


def is_plan_file(document: Document | None) -> bool:
    """Whether a document looks like a plan table the office sent to import."""
    return document is not None and (document.file_name or "").lower().endswith(PLAN_SUFFIXES)


async def _read(
    context: ContextTypes.DEFAULT_TYPE, visit: Visit, file_id: str, name: str, year: int
) -> PlanSpec:
    """Download the file and read its plan table (in a thread: parsing is CPU work)."""
    telegram_file = await context.bot.get_file(file_id)
    content = bytes(await telegram_file.download_as_bytearray())
    catalogue = catalogue_for(read_plan_file(visit.services.settings.plan_file))
    return await asyncio.to_thread(
        read_plan_table, content, name, catalogue, commune=visit.commune.name, year=year
    )


async def _import(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    visit: Visit,
    pending: PendingImport,
    *,
    dry_run: bool,
) -> tuple[PlanSpec, ImportChanges] | None:
    """Read the file and import it (or only compare, in a dry run); None once the office
    has been told what is wrong with the file.
    """
    try:
        spec = await _read(context, visit, pending.file_id, pending.file_name, pending.year)
        changes = await import_plan(
            visit.session, visit.commune, spec, year=pending.year, dry_run=dry_run
        )
    except PlanImportError as error:
        await reply(update, esc(str(error)))
        return None
    except TelegramError:
        await reply(update, texts.IMPORT_GONE)
        return None
    return spec, changes


async def _take_pending(visit: Visit) -> PendingImport | None:
    """The member's file waiting for confirmation, removed from waiting."""
    statement = select(PendingImport).where(PendingImport.member_id == visit.member.id)
    pending = (await visit.session.exec(statement)).first()
    if pending is not None:
        await visit.session.delete(pending)
        await visit.session.flush()
    return pending


async def receive_plan_file(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """A .docx/.xlsx from the office: read it and show the dry run, with a confirm button."""
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    name = document.file_name or "kehoach"
    year = (await current_plan(visit.session, visit.commune, visit.year)).year
    try:
        check_file_size(document.file_size or 0, name)
    except PlanImportError as error:
        await reply(update, esc(str(error)))
        return
    waiting = PendingImport(
        commune_id=visit.commune.id or 0, member_id=visit.member.id or 0,
        file_id=document.file_id, file_name=name, year=year, created_at=visit.now,
    )  # fmt: skip
    read = await _import(update, context, visit, waiting, dry_run=True)
    if read is None:
        return
    spec, changes = read
    if not changes.changed:
        await reply(update, texts.IMPORT_NOTHING)
        return
    await _take_pending(visit)  # a file sent earlier and not confirmed gives way
    visit.session.add(waiting)
    tasks = len(spec.tasks)
    await reply(update, _preview(changes, name, tasks, len(spec.areas)))
    rows = [[(texts.IMPORT_BUTTON_OK, "im:ok"), (texts.BUTTON_CANCEL, "im:no")]]
    await reply(update, texts.IMPORT_CONFIRM, reply_markup=keyboard(rows))


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
    await query.answer()
    pending = await _take_pending(visit)
    if pending is None:
        await reply(update, texts.IMPORT_GONE)
        return
    if query.data != "im:ok":
        await reply(update, texts.IMPORT_CANCELLED)
        return
    read = await _import(update, context, visit, pending, dry_run=False)
    if read is None:
        return
    _, changes = read
    await reply(
        update,
        texts.IMPORT_DONE.format(
            year=changes.year, created=len(changes.created),
            updated=len(changes.updated), removed=len(changes.removed),
        ),
    )  # fmt: skip
