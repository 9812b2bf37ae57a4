"""Per-update plumbing: one database transaction per update, the member behind it, role
checks, and replies sent only once the update's work has committed.

Handlers are written as ``async def name(update, context, visit)`` and wrapped with
:func:`members_only`; the wrapper answers unknown users and wrong roles itself.

Inside an update's transaction every reply (:func:`reply`, :func:`send_later`) is held and
sent after the commit: a reply that fails or is slow can never undo saved work, and a
transaction that fails sends nothing that says "saved".
"""

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.ratelimit import one_wait_budget
from bot.services import Services, services_of
from models.accounts import TELEGRAM, member_and_account
from models.clock import local
from models.db import transaction
from models.tables import Commune, Member, Role
from models.updates import claim_update

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[object]]
# The sends held back until the current update's transaction commits (None: send at once).
_held_sends: ContextVar[list[Send] | None] = ContextVar("held_sends", default=None)


@dataclass
class Visit:
    """One update's view of the domain: a session (committed when the handler returns),
    the commune, the member who sent it, and the time.
    """

    session: AsyncSession
    commune: Commune
    member: Member
    now: datetime
    services: Services

    @property
    def year(self) -> int:
        """The current year in the commune (not in UTC: 1 January starts at 00:00 there)."""
        return local(self.now, self.commune.timezone).year


MemberHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Visit], Awaitable[None]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


async def reply(update: Update, text: str, **kwargs: object) -> None:
    """Answer in the chat the update came from (after the commit, inside a transaction)."""
    message = update.effective_message
    if message is not None:
        await send_later(lambda: message.reply_text(text, **kwargs))  # type: ignore[arg-type]


async def send_later(send: Send) -> None:
    """Make a Bot API call now or, inside an update's transaction, once it has committed."""
    held = _held_sends.get()
    if held is None:
        await send()
    else:
        held.append(send)


async def answer_tap(update: Update, text: str | None = None) -> None:
    """Answer a button tap (the toast), after the commit like every reply."""
    query = update.callback_query
    if query is not None:
        await send_later(lambda: query.answer(text))


async def drop_buttons(message: object) -> None:
    """Take the buttons off a message that has been answered, so it cannot be tapped twice."""
    if isinstance(message, Message):
        await send_later(lambda: _remove_buttons(message))


async def _remove_buttons(message: Message) -> None:
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError:
        log.debug("could not remove buttons", exc_info=True)


async def in_background(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    work: Callable[[], Coroutine[Any, Any, Any]],
) -> None:
    """Start ``work`` once the update's transaction has committed, without making the next
    update wait for it: one member's fan-out or plan file never holds the others' replies.
    A failure reaches the error handler with the update, as any other would.
    """
    services = services_of(context)

    async def guarded() -> None:
        try:
            await work()
        except Exception as error:
            await context.application.process_error(update, error)

    async def start() -> None:
        services.start(guarded())

    await send_later(start)


def update_channel(context: ContextTypes.DEFAULT_TYPE) -> str:
    """Where an update's id is unique: Telegram numbers updates per bot."""
    return f"telegram:{context.bot.id}"


@asynccontextmanager
async def update_transaction(services: Services) -> AsyncIterator[Any]:
    """The transaction of one update's work; the replies it makes go out after the commit.

    A reply that fails then is logged and the next one is still tried: the work is saved
    whatever happens to the messages about it.
    """
    held: list[Send] = []
    token = _held_sends.set(held)
    try:
        async with transaction(services.sessions) as session:
            yield session
    finally:
        _held_sends.reset(token)
    with one_wait_budget():
        failure = await _send_held(held)
    if failure is not None:
        # The work is saved; the error handler tells the member what went wrong after it.
        raise failure


async def _send_held(held: list[Send]) -> Exception | None:
    """Send what an update held back, in order; a failure other than Telegram refusing a
    message is kept (and returned) while the rest still goes.
    """
    failure: Exception | None = None
    for send in held:
        try:
            await send()
        except TelegramError as error:
            log.warning("a reply after a saved update failed: %s", error)
        except Exception as error:  # the next sends still go
            failure = failure or error
    return failure


async def load_commune(session: AsyncSession, services: Services) -> Commune:
    """The commune this Application serves."""
    assert services.commune_id is not None, "post_init has not run"
    commune = await session.get(Commune, services.commune_id)
    assert commune is not None
    return commune


def members_only(
    roles: Collection[Role] | None = None, denied_text: str = texts.NOT_ALLOWED
) -> Callable[[MemberHandler], Handler]:
    """Run the handler only for a linked member of this commune with one of ``roles``.

    An unknown user gets one short message on how to get an invite, and nothing else.
    """

    def decorate(handler: MemberHandler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            if user is None:
                return
            services = services_of(context)
            async with update_transaction(services) as session:
                found = await member_and_account(session, TELEGRAM, user.id)
                if found is None or found[0].commune_id != services.commune_id:
                    await _answer_stranger(update, user.id, services)
                    return
                if not await claim_update(
                    session, update_channel(context), update.update_id, services.now()
                ):
                    # Telegram delivered it again (after a crash, a failed webhook): done.
                    log.info("update %s seen before: ignored", update.update_id)
                    return
                member, account = found
                if roles is not None and member.role not in roles:
                    await answer_tap(update)
                    await reply(update, denied_text)
                    return
                # They write again: they unblocked the bot; and this is the channel they use.
                account.unreachable_at, account.last_seen_at = None, services.now()
                commune = await load_commune(session, services)
                visit = Visit(session, commune, member, services.now(), services)
                await handler(update, context, visit)

        _MEMBER_HANDLERS[wrapper] = (handler, roles, denied_text)
        return wrapper

    return decorate


# What each wrapped handler runs and who may run it, so a command typed as words can run
# inside the visit of the message that carried it (one update, one transaction).
_MEMBER_HANDLERS: dict[Callable[..., Any], tuple[MemberHandler, Collection[Role] | None, str]] = {}


async def run_in_visit(
    handler: Callable[..., Any],
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    visit: Visit,
    args: list[str],
) -> None:
    """Run a :func:`members_only` handler in an open visit, as if its command had come
    with ``args``, checking its roles the same way.
    """
    member_handler, roles, denied_text = _MEMBER_HANDLERS[handler]
    if roles is not None and visit.member.role not in roles:
        await reply(update, denied_text)
        return
    context.args = args
    await member_handler(update, context, visit)


async def _answer_stranger(update: Update, user_id: int, services: Services) -> None:
    """One short answer a minute to someone the bot does not know; the rest is counted."""
    await answer_tap(update)
    if services.strangers.may_answer(user_id, services.now()):
        await reply(update, texts.UNKNOWN_USER)
