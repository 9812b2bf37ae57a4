"""Messages that are not commands: answers to the report in progress, typed words for
commands ("bao cao"), and a friendly word for anything else.
"""

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.services import services_of
from bot.texts import esc
from handlers import plan_upload, reporting, review
from handlers.commands import is_quick_report, read_typed_command
from handlers.context import Visit, answer_tap, members_only, reply, run_in_visit
from handlers.onboarding import start
from handlers.plan_upload import is_plan_file, receive_plan_file
from models.accounts import member_by_telegram_id
from models.db import transaction
from models.drafts import discard_draft, get_draft
from models.reports import REPORTING_ROLES
from models.review import drop_return
from models.tables import Role
from models.textfold import fold

MAX_TEXT_LENGTH = 2000
_CANCEL_WORDS = {"huy", "cancel", "huy bo"}


# An invite code pasted on its own (what a Zalo user, or anyone who copied the code, sends).
BARE_CODE = r"^\s*[A-Za-z0-9_-]{24,64}\s*$"


async def on_bare_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text that looks like an invite code: for someone not linked yet, the code is
    redeemed as ``/start CODE`` would; for a member it is ordinary text.
    """
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.text is None:
        return
    services = services_of(context)
    async with transaction(services.sessions) as session:
        member = await member_by_telegram_id(session, user.id)
    if member is not None:
        await on_text(update, context)
        return
    context.args = [message.text.strip()]
    await start(update, context)


@members_only()
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """Typed text: an answer to the current step, or a command said in words."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    if len(text) > MAX_TEXT_LENGTH:
        await reply(update, texts.MESSAGE_TOO_LONG)
        return
    words = fold(text)
    draft = await get_draft(visit.session, visit.member)
    if words in _CANCEL_WORDS:
        dropped = await discard_draft(visit.session, visit.member)
        dropped = await drop_return(visit.session, visit.member) or dropped
        dropped = await plan_upload.drop_pending_import(visit) or dropped
        await reply(update, texts.CANCELLED if dropped else texts.NOTHING_TO_CANCEL)
    elif await review.return_comment(update, visit, text):
        return
    elif draft is not None:
        await reporting.draft_text(update, visit, draft, text)
    elif await plan_upload.typed_choice(update, context, visit, text) or await review.typed_choice(
        update, visit, text
    ):
        return
    elif (typed := read_typed_command(text)) is not None:
        await run_in_visit(typed.command.callback, update, context, visit, typed.args)
    elif is_quick_report(text) and visit.member.role in REPORTING_ROLES:
        await run_in_visit(reporting.report_command, update, context, visit, text.split())
    else:
        await reply(update, texts.NOT_UNDERSTOOD)


async def _typed_choice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit, text: str
) -> bool:
    """A typed answer to the options the office was shown last (a plan file, a review)."""
    if await plan_upload.typed_choice(update, context, visit, text):
        return True
    return await review.typed_choice(update, visit, text)


@members_only()
async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """A photo, document or location: evidence for the report in progress."""
    draft = await get_draft(visit.session, visit.member)
    message = update.effective_message
    document = message.document if message else None
    if draft is None and visit.member.role == Role.OFFICE and is_plan_file(document):
        await receive_plan_file(update, context, visit)
        return
    if draft is None:
        await reply(update, texts.PHOTO_WITHOUT_REPORT)
        return
    await reporting.draft_media(update, context, visit, draft)


@members_only()
async def on_unknown_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    command = (message.text or "/").split()[0] if message else "/"
    await reply(update, texts.UNKNOWN_COMMAND.format(command=esc(command[:40])))


@members_only()
async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """An edit of an earlier message: the bot answers new messages only, so say so."""
    await reply(update, texts.EDITS_IGNORED)


@members_only()
async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """Stickers, voice, contacts and the like."""
    await reply(update, texts.UNSUPPORTED_MESSAGE)


@members_only()
async def on_stale_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """A button whose data the bot does not know (old, or forged)."""
    await answer_tap(update, texts.BAD_BUTTON)
