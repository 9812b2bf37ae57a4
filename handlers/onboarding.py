"""/start with an invite code, /start and /help for members."""

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.services import services_of
from bot.texts import esc
from handlers.context import (
    Visit,
    members_only,
    reply,
    send_later,
    update_channel,
    update_transaction,
)
from handlers.menus import help_text, set_menu
from handlers.relink import ask_office_to_confirm
from models.accounts import member_by_telegram_id
from models.errors import DomainError
from models.members import redeem_invite
from models.tables import Member, Role, Unit
from models.updates import claim_update

log = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [code]: link the account with an invite, or greet a member, or tell a stranger
    how to get an invite (and nothing else).
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = services_of(context)
    now = services.now()
    code = (context.args or [""])[0].strip()
    async with update_transaction(services) as session:
        if not await claim_update(session, update_channel(context), update.update_id, now):
            return
        if not code:
            member = await member_by_telegram_id(session, user.id)
            if member is None or member.commune_id != services.commune_id:
                if services.strangers.may_answer(user.id, services.now()):
                    await reply(update, texts.UNKNOWN_USER)
            else:
                await reply(update, texts.WELCOME_BACK.format(name=esc(member.name)))
            return
        try:
            redeemed = await redeem_invite(
                session,
                code,
                external_id=user.id,
                chat_id=chat.id,
                now=services.now(),
                commune_id=services.commune_id,
                account_name=user.full_name,
            )
        except DomainError as error:
            known = await member_by_telegram_id(session, user.id) is not None
            # Someone the bot does not know trying codes is answered every few seconds.
            if known or services.code_attempts.may_answer(user.id, now):
                message = texts.INVITE_ERRORS[error.reason].format(detail=esc(error.detail))
                await reply(update, message)
            return
        member = redeemed.member
        if redeemed.pending:
            await ask_office_to_confirm(update, session, redeemed, user.full_name)
            return
        unit = await session.get(Unit, member.unit_id) if member.unit_id else None
        await reply(update, _welcome(member, unit))
        await reply(update, texts.WELCOME_NEXT)
        role = Role(member.role)
        await send_later(lambda: set_menu(context.bot, chat.id, role))


def _welcome(member: Member, unit: Unit | None) -> str:
    return texts.WELCOME.format(
        name=esc(member.name),
        role=texts.ROLE_LABELS[Role(member.role)],
        unit=f" — {esc(unit.name)}" if unit else "",
    )


@members_only()
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/help: what this member's role can do."""
    await reply(update, help_text(Role(visit.member.role)))
