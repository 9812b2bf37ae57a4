"""The one error handler: log with an id, tell the user the id, never the traceback."""

import logging
import secrets

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import texts
from handlers.turn import Turn
from models.chat import ChannelError
from models.errors import DomainError

# The database is down, restarting or locked: not a bug, and trying again later helps.
_OUTAGES = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError)

log = logging.getLogger(__name__)


def error_message(error: BaseException | None) -> str:
    """What the person is told about ``error`` (logged here, under a short id)."""
    error_id = secrets.token_hex(3).upper()
    if isinstance(error, DomainError) and error.reason == "no_plan":
        return texts.NO_PLAN
    if is_outage(error):
        log.warning("database unavailable (%s): %s", error_id, error)
        return texts.SYSTEM_BUSY
    log.error("error %s while handling an update", error_id, exc_info=error)
    return texts.ERROR.format(error_id=error_id)


async def report_error(turn: Turn, error: BaseException) -> None:
    """Log ``error`` and, since a person is waiting, give them its id (sent at once)."""
    message = error_message(error)
    try:
        if turn.tap is not None:
            await turn.tap.answer(None)
        await turn.channel.send_text(turn.incoming.chat_id, message)
    except ChannelError:
        log.warning("could not tell the user about an error", exc_info=True)


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached right now."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGES)
