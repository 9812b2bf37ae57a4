"""Per-update plumbing: one database session per update, the member behind it, role checks.

Handlers are written as ``async def name(update, context, visit)`` and wrapped with
:func:`members_only`; the wrapper answers unknown users and wrong roles itself.
"""

import functools
from collections.abc import Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.services import Services, services_of
from models.clock import local
from models.db import transaction
from models.members import member_by_telegram_id
from models.tables import Commune, Member, Role


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
    """Answer in the chat the update came from."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, **kwargs)  # type: ignore[arg-type]


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
            async with transaction(services.sessions) as session:
                member = await member_by_telegram_id(session, user.id)
                if member is None or member.commune_id != services.commune_id:
                    await _answer_callback(update)
                    await reply(update, texts.UNKNOWN_USER)
                    return
                if roles is not None and member.role not in roles:
                    await _answer_callback(update)
                    await reply(update, denied_text)
                    return
                if member.unreachable_at is not None:
                    member.unreachable_at = None  # they write again: they unblocked the bot
                commune = await load_commune(session, services)
                visit = Visit(session, commune, member, services.now(), services)
                await handler(update, context, visit)

        return wrapper

    return decorate


async def _answer_callback(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
