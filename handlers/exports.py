"""/xuat: the office and the chairman download the Excel workbook or the Word reports."""

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, reply, send_later
from models.errors import DomainError
from models.exports import make_export, parse_format
from models.plans import current_plan
from models.tables import Role


@members_only({Role.OFFICE, Role.CHAIRMAN})
async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/xuat [excel|word|csv|pctn] [2026Q4]: send the file."""
    args = list(context.args or [])
    period = next((a for a in args if a[:4].isdigit() and "Q" in a.upper()), None)
    words = " ".join(a for a in args if a != period) or "excel"
    try:
        kind = parse_format(words)
        plan = await current_plan(visit.session, visit.commune, visit.year)
        made = await make_export(
            visit.session, visit.commune, plan, kind=kind, now=visit.now, period=period
        )
    except DomainError as error:
        if error.reason == "bad_period":
            await reply(update, texts.EXPORT_BAD_PERIOD.format(period=esc(error.detail)))
        else:
            await reply(update, texts.EXPORT_USAGE)
        return
    message = update.effective_message
    assert message is not None
    document = InputFile(made.content, filename=made.name)
    caption = texts.EXPORT_CAPTIONS[made.kind]
    await send_later(lambda: message.reply_document(document, caption=caption))
