"""Where each incoming turn goes: the one entry point every channel calls.

Groups are refused first; then an edit, a chosen option, a command, a file, text (an
invite code pasted alone, or anything else), in that order. A failure anywhere is logged
under an id and the person is told the id, never the traceback.
"""

import re
from time import perf_counter

from handlers.commands import BY_NAME
from handlers.errors import report_error
from handlers.guard import outside_private_chat
from handlers.messages import (
    BARE_CODE,
    on_bare_code,
    on_edited,
    on_media,
    on_option,
    on_other,
    on_text,
    on_unknown_command,
)
from handlers.turn import Turn

_BARE_CODE = re.compile(BARE_CODE)


async def handle(turn: Turn) -> None:
    """Answer one turn; errors (also those of work it starts in the background) are
    reported in its chat.
    """

    async def on_failure(error: BaseException) -> None:
        await report_error(turn, error)

    turn.on_failure = on_failure
    started, ok = perf_counter(), True
    try:
        await _route(turn)
    except Exception as error:
        ok = False
        await report_error(turn, error)
    finally:
        turn.services.metrics.handled(turn.incoming.channel, ok, perf_counter() - started)


async def _route(turn: Turn) -> None:
    if await outside_private_chat(turn):
        return
    incoming = turn.incoming
    if incoming.edited:
        await on_edited(turn)
    elif incoming.action is not None:
        await on_option(turn)
    elif incoming.command is not None:
        command = BY_NAME.get(incoming.command.lower())
        await (command.callback if command is not None else on_unknown_command)(turn)
    elif incoming.attachment is not None:
        await on_media(turn)
    elif incoming.text is not None and _BARE_CODE.match(incoming.text):
        await on_bare_code(turn)
    elif incoming.text is not None:
        await on_text(turn)
    else:
        await on_other(turn)
