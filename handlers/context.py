"""Per-update plumbing: one database transaction per update, the member behind it, role
checks, and replies sent only once the update's work has committed.

Handlers are written as ``async def name(turn, visit)`` and wrapped with
:func:`members_only`; the wrapper answers unknown users and wrong roles itself, marks the
update as handled (a channel may deliver it twice), and remembers the options the reply
offered, so that the next typed answer can choose one.
"""

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.services import Services
from bot.wait_budget import one_wait_budget
from handlers.turn import Turn, hold_sends, send_held, stop_holding
from models.accounts import member_with_commune
from models.chat import Menu
from models.clock import local
from models.db import transaction
from models.tables import ChatAccount, Commune, Member, Role
from models.updates import claim_update

log = logging.getLogger(__name__)


@dataclass
class Visit:
    """One update's view of the domain: a session (committed when the handler returns),
    the commune, the member who sent it, the chat account it came from, and the time.
    """

    session: AsyncSession
    commune: Commune
    member: Member
    now: datetime
    services: Services
    account: ChatAccount | None = None

    @property
    def year(self) -> int:
        """The current year in the commune (not in UTC: 1 January starts at 00:00 there)."""
        return local(self.now, self.commune.timezone).year

    @property
    def last_menu(self) -> Menu | None:
        """The options this chat was offered last (what a typed number or word chooses)."""
        return Menu.from_json(self.account.menu) if self.account is not None else None


MemberHandler = Callable[[Turn, Visit], Awaitable[None]]
Handler = Callable[[Turn], Awaitable[None]]


@asynccontextmanager
async def update_transaction(services: Services) -> AsyncIterator[Any]:
    """The transaction of one update's work; the replies it makes go out after the commit.

    A reply that fails then is logged and the next one is still tried: the work is saved
    whatever happens to the messages about it.
    """
    held, token = hold_sends()
    try:
        async with transaction(services.sessions) as session:
            yield session
    finally:
        stop_holding(token)
    with one_wait_budget():
        failure = await send_held(held)
    if failure is not None:
        # The work is saved; the error handler tells the member what went wrong after it.
        raise failure


def members_only(
    roles: Collection[Role] | None = None, denied_text: str = texts.NOT_ALLOWED
) -> Callable[[MemberHandler], Handler]:
    """Run the handler only for a linked member with one of ``roles``. The visit is in the
    member's own commune (one deployment serves many): every query goes through it.

    An unknown user gets one short message on how to get an invite, and nothing else.
    """

    def decorate(handler: MemberHandler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(turn: Turn) -> None:
            incoming, services = turn.incoming, turn.services
            async with update_transaction(services) as session:
                found = await member_with_commune(session, incoming.channel, incoming.user_id)
                if found is None:
                    await _answer_stranger(turn)
                    return
                now = services.now()
                if not await claim_update(session, incoming.endpoint, incoming.update_key, now):
                    # The channel delivered it again (after a crash, a failed webhook): done.
                    log.info("update %s seen before: ignored", incoming.update_key)
                    return
                member, account, commune = found
                if roles is not None and member.role not in roles:
                    await turn.ack()
                    await turn.say(denied_text)
                    return
                # They write again: they unblocked the bot; and this is the channel they use.
                account.unreachable_at, account.last_seen_at = None, now
                visit = Visit(session, commune, member, now, services, account)
                await handler(turn, visit)
                if turn.offered is not None:
                    account.menu = turn.offered.to_json()
                elif turn.said and not turn.keeps_options:
                    account.menu = None  # what was offered before is answered or over
                await turn.ack()  # a tap is always answered, or the app keeps spinning

        _MEMBER_HANDLERS[wrapper] = (handler, roles, denied_text)
        return wrapper

    return decorate


# What each wrapped handler runs and who may run it, so a command typed as words can run
# inside the visit of the message that carried it (one update, one transaction).
_MEMBER_HANDLERS: dict[Callable[..., Any], tuple[MemberHandler, Collection[Role] | None, str]] = {}


async def run_in_visit(handler: Handler, turn: Turn, visit: Visit, args: list[str]) -> None:
    """Run a :func:`members_only` handler in an open visit, as if its command had come
    with ``args``, checking its roles the same way.
    """
    member_handler, roles, denied_text = _MEMBER_HANDLERS[handler]
    if roles is not None and visit.member.role not in roles:
        await turn.say(denied_text)
        return
    turn.incoming.args = list(args)
    await member_handler(turn, visit)


async def run_choice(handler: Handler, turn: Turn, visit: Visit, action: str) -> None:
    """Run a :func:`members_only` handler of options in an open visit, as if ``action``
    had been tapped (a choice typed as a number, a label or words).
    """
    turn.incoming.action = action
    await run_in_visit(handler, turn, visit, turn.args)


async def _answer_stranger(turn: Turn) -> None:
    """One short answer a minute to someone the bot does not know; the rest is counted."""
    await turn.ack()
    services = turn.services
    if services.strangers.may_answer(turn.incoming.user_id, services.now()):
        await turn.say(texts.UNKNOWN_USER)
