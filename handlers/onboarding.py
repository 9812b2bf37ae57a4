"""/start with an invite code, /start and /help for members."""

import logging
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.texts import esc
from handlers.context import Visit, members_only, update_transaction
from handlers.menus import help_text
from handlers.relink import ask_office_to_confirm
from handlers.turn import Turn, send_later
from models.accounts import accounts_of, member_and_account
from models.errors import DomainError
from models.members import redeem_invite
from models.tables import Member, Role, Unit
from models.updates import claim_update

log = logging.getLogger(__name__)


async def start(turn: Turn) -> None:
    """/start [code]: link the account with an invite, or greet a member, or tell a stranger
    how to get an invite (and nothing else).
    """
    incoming, services = turn.incoming, turn.services
    now = services.now()
    code = (turn.args or [""])[0].strip()
    stranger_key = f"{incoming.channel}:{incoming.user_id}"
    async with update_transaction(services) as session:
        if not await claim_update(session, incoming.endpoint, incoming.update_key, now):
            return
        found = await member_and_account(session, incoming.channel, incoming.user_id)
        if not code:
            if found is None:
                if services.strangers.may_answer(stranger_key, now):
                    await turn.say(texts.UNKNOWN_USER)
            else:
                await turn.say(texts.WELCOME_BACK.format(name=esc(found[0].name)))
            return
        try:
            redeemed = await redeem_invite(
                session,
                code,
                external_id=incoming.user_id,
                chat_id=incoming.chat_id,
                now=now,
                channel=incoming.channel,
                # The invite names its commune: the member joins that one (of the many one
                # deployment may serve).
                account_name=incoming.user_name,
            )
        except DomainError as error:
            # Someone the bot does not know trying codes is answered every few seconds.
            if found is not None or services.code_attempts.may_answer(stranger_key, now):
                message = texts.INVITE_ERRORS[error.reason].format(detail=esc(error.detail))
                await turn.say(message)
            return
        member = redeemed.member
        if redeemed.pending:
            await ask_office_to_confirm(turn, session, redeemed, incoming.user_name)
            return
        await _warn_other_accounts(turn, session, member)
        unit = await session.get(Unit, member.unit_id) if member.unit_id else None
        await turn.say(_welcome(member, unit))
        await turn.say(texts.WELCOME_NEXT)
        role = Role(member.role)
        channel, chat_id = turn.channel, incoming.chat_id
        await send_later(lambda: channel.show_commands(chat_id, role))


async def _warn_other_accounts(turn: Turn, session: AsyncSession, member: Member) -> None:
    """A member linked on one channel who now links another: the accounts they had are
    told at once, so a code that reached the wrong hands does not go unnoticed.
    """
    incoming = turn.incoming
    found = await accounts_of(session, [member.id or 0])
    for account in found[member.id or 0]:
        if account.channel == incoming.channel or account.unreachable_at is not None:
            continue
        channel = turn.services.channels.get(account.channel)
        if channel is None:
            continue
        where = texts.CHANNEL_LABELS.get(incoming.channel, incoming.channel)
        notice = texts.ACCOUNT_ADDED.format(channel=where, name=esc(member.name))
        await send_later(partial(channel.send_text, account.chat_id, notice))


def _welcome(member: Member, unit: Unit | None) -> str:
    return texts.WELCOME.format(
        name=esc(member.name),
        role=texts.ROLE_LABELS[Role(member.role)],
        unit=f" — {esc(unit.name)}" if unit else "",
    )


@members_only()
async def help_command(turn: Turn, visit: Visit) -> None:
    """/help: what this member's role can do (and, where files cannot be sent, where they
    are).
    """
    channel = turn.channel
    role = Role(visit.member.role)
    await turn.say(help_text(role, files=channel.sends_files, photos=channel.sends_photos))
