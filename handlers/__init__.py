"""Telegram-facing handlers: parse an update, call the domain, render the reply.

:func:`register_handlers` is the one place they are wired, top to bottom in the order PTB
tries them (the first matching handler in a group wins).
"""

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import guard, messages, plan_upload, relink, reporting, review
from handlers.commands import COMMANDS
from handlers.errors import on_error


def register_handlers(application: Application) -> None:
    """Wire every handler. English names and Vietnamese aliases go to the same callback."""
    # Before anything else (a group of its own, tried first): private chats only.
    application.add_handler(TypeHandler(Update, guard.private_chats_only), group=-1)
    # Only new messages: an edit of an earlier answer must not answer the current step.
    new = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, messages.on_edited))
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.names, command.callback, filters=new))
    application.add_handler(CallbackQueryHandler(reporting.report_button, pattern=r"^rp:"))
    application.add_handler(CallbackQueryHandler(review.review_button, pattern=r"^rv:"))
    application.add_handler(CallbackQueryHandler(plan_upload.import_button, pattern=r"^im:"))
    application.add_handler(CallbackQueryHandler(relink.relink_button, pattern=r"^lk:"))
    application.add_handler(CallbackQueryHandler(messages.on_stale_button))
    # Order matters from here on: known commands are taken above, so any command left is
    # unknown; text and media are answers to a report in progress or stray messages.
    application.add_handler(MessageHandler(new & filters.COMMAND, messages.on_unknown_command))
    bare_code = new & filters.TEXT & filters.Regex(messages.BARE_CODE)
    application.add_handler(MessageHandler(bare_code, messages.on_bare_code))
    application.add_handler(MessageHandler(new & filters.TEXT, messages.on_text))
    media = filters.PHOTO | filters.Document.ALL | filters.LOCATION
    application.add_handler(MessageHandler(new & media, messages.on_media))
    application.add_handler(MessageHandler(new, messages.on_other))
    application.add_error_handler(on_error)
