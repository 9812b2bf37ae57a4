"""A new invite code redeemed by another account for a member who is linked already.

Nothing moves on its own: the account that used the code waits, the account that holds the
member is told at once, and the office confirms or refuses (an option, tapped or typed, or
``/xacnhan N`` / ``/tuchoi N``).

The messages to the other accounts go on each account's own channel (Telegram or Zalo).
"""

import functools
import logging
from collections import defaultdict
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.texts import esc
from handlers.answers import parse_row_id
from handlers.context import Visit, members_only
from handlers.turn import Turn, send_later
from models.accounts import TELEGRAM, best_account, channel_account
from models.audit import Actor
from models.chat import Channel, Menu, Option, menu
from models.errors import DomainError
from models.members import Redeemed, decide_relink
from models.tables import ChatAccount, Member, Role

log = logging.getLogger(__name__)


def question_menu(invite_id: int) -> Menu:
    """The office's options for request ``invite_id``.

    Not numbered, and with words of their own: the question arrives while a clerk may be in
    the middle of a report, where "1" or "đồng ý" answer the report, not this.
    """
    return menu(
        [
            [
                Option(texts.RELINK_ACCEPT, f"lk:ok:{invite_id}", ("xac nhan", "chuyen")),
                Option(texts.RELINK_REFUSE, f"lk:no:{invite_id}", ("khong chuyen",)),
            ]
        ],
        numbered=False,
    )


async def ask_office_to_confirm(
    turn: Turn, session: AsyncSession, redeemed: Redeemed, account_name: str
) -> None:
    """Tell the waiting account (this turn's chat), the account that holds the member, and
    the office.
    """
    member, invite = redeemed.member, redeemed.invite
    channels = turn.services.channels
    await turn.say(texts.RELINK_WAIT.format(name=esc(member.name)))
    # The holder is the member's account on the channel the code was used on.
    holder = await channel_account(session, member, invite.claimant_channel or TELEGRAM)
    if holder is not None and holder.unreachable_at is None:
        warning = texts.RELINK_HOLDER_WARNED.format(name=esc(member.name))
        await _send(channels.get(holder.channel), holder.chat_id, warning)
    accounts = await session.exec(
        select(ChatAccount)
        .join(Member, col(Member.id) == col(ChatAccount.member_id))
        .where(
            Member.commune_id == member.commune_id,
            Member.role == Role.OFFICE,
            col(Member.id) != member.id,
        )
    )
    clerks: defaultdict[int, list[ChatAccount]] = defaultdict(list)
    for account in accounts:
        if account.channel in channels:
            clerks[account.member_id].append(account)
    text = texts.RELINK_ASK_OFFICE.format(
        name=esc(member.name), account=esc(account_name[:80] or "?"), number=invite.id
    )
    question = question_menu(invite.id or 0)
    for reachable in clerks.values():
        clerk = best_account(reachable)
        if clerk is None:
            continue
        # Stored for the clerk's chat, so that typing the answer works as tapping it.
        clerk.menu = question.to_json()
        await _send(channels[clerk.channel], clerk.chat_id, text, question)


@members_only({Role.OFFICE})
async def confirm_command(turn: Turn, visit: Visit) -> None:
    """/xacnhan N: move the member to the account that used the new code."""
    await _decide(turn, visit, turn.args, accept=True)


@members_only({Role.OFFICE})
async def refuse_command(turn: Turn, visit: Visit) -> None:
    """/tuchoi N: keep the member on the account it has; the new code is void."""
    await _decide(turn, visit, turn.args, accept=False)


@members_only({Role.OFFICE})
async def relink_button(turn: Turn, visit: Visit) -> None:
    """The office's answer to the question, tapped or typed: ``lk:ok:N`` or ``lk:no:N``."""
    _, action, value = [*turn.action.split(":", 2), "", ""][:3]
    await turn.ack()
    await turn.retire_options()
    if action not in ("ok", "no"):
        await turn.say(texts.BAD_BUTTON)
        return
    await _decide(turn, visit, [value], accept=action == "ok")


async def _decide(turn: Turn, visit: Visit, args: list[str], *, accept: bool) -> None:
    number = parse_row_id(args[0]) if args else None
    if number is None:
        await turn.say(texts.RELINK_USAGE)
        return
    try:
        done = await decide_relink(
            visit.session, number, commune_id=visit.member.commune_id,
            actor=Actor.of(visit.member), accept=accept, now=visit.now,
            ttl=timedelta(days=visit.services.settings.invite_days),
        )  # fmt: skip
    except DomainError as error:
        if error.reason == "account_linked":
            await turn.say(texts.RELINK_ACCOUNT_TAKEN.format(name=esc(error.detail)))
        else:
            await turn.say(texts.RELINK_GONE)
        return
    member, invite = done.member, done.invite
    name = esc(member.name)
    # The claimant and the previous holder are both on the channel the code was used on.
    on = invite.claimant_channel or TELEGRAM
    channel = visit.services.channels.get(on)
    claimant = invite.claimant_chat
    if not accept:
        await turn.say(texts.RELINK_REFUSED_OFFICE.format(name=name))
        await _send(channel, claimant, texts.RELINK_REFUSED_CLAIMANT)
        return
    await turn.say(texts.RELINK_DONE_OFFICE.format(name=name))
    moved = await channel_account(visit.session, member, on)
    if moved is not None:
        moved.menu = None  # the options the old phone was shown are not the new phone's
    await _send(channel, claimant, texts.RELINK_DONE_CLAIMANT.format(name=name))
    if channel is not None and claimant is not None:
        await send_later(functools.partial(channel.show_commands, claimant, member.role))
    previous = done.previous_chat
    if previous is not None and previous != claimant:
        await _send(channel, previous, texts.RELINK_DONE_HOLDER.format(name=name))


async def _send(
    channel: Channel | None, chat_id: str | None, text: str, options: Menu | None = None
) -> None:
    """Write to another account's chat once the update has committed (nowhere if this
    process does not speak its channel).
    """
    if channel is None or not chat_id:
        if chat_id:
            log.warning("no channel here for a relink message; it was not sent")
        return
    await send_later(functools.partial(channel.send_text, chat_id, text, options))
