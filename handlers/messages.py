"""Messages that are not commands: answers to the report in progress, a choice typed from
the options shown last, typed words for commands ("bao cao"), and a friendly word for
anything else.
"""

from bot import texts
from bot.texts import esc
from handlers import plan_upload, relink, reporting, review
from handlers.commands import is_quick_report, read_typed_command
from handlers.context import Handler, Visit, members_only, run_choice, run_in_visit
from handlers.onboarding import start
from handlers.plan_upload import is_plan_file, receive_plan_file
from handlers.turn import Turn
from models.accounts import member_and_account
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

# Who answers a chosen option, by the action's prefix (the same whether tapped or typed).
OPTION_HANDLERS: dict[str, Handler] = {
    "rp": reporting.report_button,
    "rv": review.review_button,
    "im": plan_upload.import_button,
    "lk": relink.relink_button,
}


def option_handler(action: str) -> Handler | None:
    """The handler of an option's action ("rp:task:12" goes to the report flow)."""
    return OPTION_HANDLERS.get(action.split(":", 1)[0])


async def on_bare_code(turn: Turn) -> None:
    """A text that looks like an invite code: for someone not linked yet, the code is
    redeemed as ``/start CODE`` would; for a member it is ordinary text.
    """
    incoming, services = turn.incoming, turn.services
    async with transaction(services.sessions) as session:
        found = await member_and_account(session, incoming.channel, incoming.user_id)
    if found is not None:
        await on_text(turn)
        return
    incoming.args = [turn.text.strip()]
    await start(turn)


@members_only()
async def on_text(turn: Turn, visit: Visit) -> None:
    """Typed text: an answer to the current step, a choice from the options shown last, or
    a command said in words.
    """
    text = turn.text
    if len(text) > MAX_TEXT_LENGTH:
        await turn.say(texts.MESSAGE_TOO_LONG)
        return
    words = fold(text)
    if words in _CANCEL_WORDS:
        dropped = await discard_draft(visit.session, visit.member)
        dropped = await drop_return(visit.session, visit.member) or dropped
        dropped = await plan_upload.drop_pending_import(visit) or dropped
        await turn.say(texts.CANCELLED if dropped else texts.NOTHING_TO_CANCEL)
        return
    if await review.return_comment(turn, visit, text):
        return
    if await _typed_choice(turn, visit, text):
        return
    draft = await get_draft(visit.session, visit.member)
    if draft is not None:
        await reporting.draft_text(turn, visit, draft, text)
    elif (typed := read_typed_command(text)) is not None:
        await run_in_visit(typed.command.callback, turn, visit, typed.args)
    elif is_quick_report(text) and visit.member.role in REPORTING_ROLES:
        await run_in_visit(reporting.report_command, turn, visit, text.split())
    else:
        await turn.say(texts.NOT_UNDERSTOOD)


async def _typed_choice(turn: Turn, visit: Visit, text: str) -> bool:
    """A typed number, label or word that chooses one of the options shown last; the
    option is then answered exactly as a tap on it would be.
    """
    shown = visit.last_menu
    option = shown.choose(text) if shown is not None else None
    handler = option_handler(option.action) if option is not None else None
    if option is None or handler is None:
        return False
    if option.action.startswith("rp:start") and await get_draft(visit.session, visit.member):
        # A reminder arrived in the middle of a report: what is typed answers the report.
        return False
    await run_choice(handler, turn, visit, option.action)
    return True


@members_only()
async def on_option(turn: Turn, visit: Visit) -> None:
    """A tap on an option: the handler of its action, or a word that it is out of date."""
    handler = option_handler(turn.action)
    if handler is None:
        await turn.notice(texts.BAD_BUTTON)
        return
    await run_choice(handler, turn, visit, turn.action)


@members_only()
async def on_media(turn: Turn, visit: Visit) -> None:
    """A photo, document or location: evidence for the report in progress."""
    draft = await get_draft(visit.session, visit.member)
    if draft is None and visit.member.role == Role.OFFICE and is_plan_file(turn.attachment):
        await receive_plan_file(turn, visit)
        return
    if draft is None and visit.member.role in REPORTING_ROLES:
        await reporting.start_with_evidence(turn, visit)
        return
    if draft is None:
        await turn.say(texts.PHOTO_WITHOUT_REPORT)
        return
    await reporting.draft_media(turn, visit, draft)


@members_only()
async def on_unknown_command(turn: Turn, visit: Visit) -> None:
    """A command the bot does not have."""
    command = "/" + (turn.incoming.command or "")
    await turn.say(texts.UNKNOWN_COMMAND.format(command=esc(command[:40])))


@members_only()
async def on_edited(turn: Turn, visit: Visit) -> None:
    """An edit of an earlier message: the bot answers new messages only, so say so."""
    await turn.say(texts.EDITS_IGNORED)


@members_only()
async def on_other(turn: Turn, visit: Visit) -> None:
    """Stickers, voice, contacts and the like."""
    files = turn.channel.receives_files
    await turn.say(texts.UNSUPPORTED_MESSAGE if files else texts.UNSUPPORTED_MESSAGE_PHOTO)
