"""A new invite code redeemed by another account for a member who is linked already.

Nothing moves on its own: the account that used the code waits, the account that holds the
member is told at once, and the office confirms or refuses (a button, or typed
``/xacnhan N`` / ``/tuchoi N``).
"""

import functools
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.texts import esc
from handlers.context import Visit, answer_tap, drop_buttons, members_only, reply, send_later
from handlers.menus import set_menu
from handlers.render import keyboard
from models.accounts import TELEGRAM
from models.audit import Actor
from models.errors import DomainError
from models.members import Redeemed, decide_relink
from models.tables import ChatAccount, Member, Role


async def ask_office_to_confirm(
    update: Update, session: AsyncSession, redeemed: Redeemed, account_name: str
) -> None:
    """Tell the waiting account, the account that holds the member, and the office."""
    member, invite = redeemed.member, redeemed.invite
    await reply(update, texts.RELINK_WAIT.format(name=esc(member.name)))
    bot = update.get_bot()
    holder = _telegram_chat(redeemed.invite.claimant_channel, redeemed.previous_chat)
    if holder is not None:
        notice = texts.RELINK_HOLDER_WARNED.format(name=esc(member.name))
        await send_later(lambda: bot.send_message(holder, notice))
    office = await session.exec(
        select(ChatAccount)
        .join(Member, col(Member.id) == col(ChatAccount.member_id))
        .where(
            Member.commune_id == member.commune_id,
            Member.role == Role.OFFICE,
            ChatAccount.channel == TELEGRAM,
            col(Member.id) != member.id,
        )
    )
    text = texts.RELINK_ASK_OFFICE.format(
        name=esc(member.name), account=esc(account_name[:80] or "?"), number=invite.id
    )
    buttons = keyboard(
        [
            [
                (texts.RELINK_ACCEPT, f"lk:ok:{invite.id}"),
                (texts.RELINK_REFUSE, f"lk:no:{invite.id}"),
            ]
        ]
    )
    for clerk in office:
        chat_id = int(clerk.chat_id)
        await send_later(functools.partial(bot.send_message, chat_id, text, reply_markup=buttons))


@members_only({Role.OFFICE})
async def confirm_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit
) -> None:
    """/xacnhan N: move the member to the account that used the new code."""
    await _decide(update, visit, context.args or [], accept=True)


@members_only({Role.OFFICE})
async def refuse_command(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """/tuchoi N: keep the member on the account it has; the new code is void."""
    await _decide(update, visit, context.args or [], accept=False)


@members_only({Role.OFFICE})
async def relink_button(update: Update, context: ContextTypes.DEFAULT_TYPE, visit: Visit) -> None:
    """A tap on the office's question: ``lk:ok:N`` or ``lk:no:N``."""
    query = update.callback_query
    assert query is not None
    _, action, value = [*(query.data or "").split(":", 2), "", ""][:3]
    await answer_tap(update)
    await drop_buttons(query.message)
    if action not in ("ok", "no"):
        await reply(update, texts.BAD_BUTTON)
        return
    await _decide(update, visit, [value], accept=action == "ok")


async def _decide(update: Update, visit: Visit, args: list[str], *, accept: bool) -> None:
    number = args[0] if args else ""
    if not number.isdigit() or len(number) > 12:
        await reply(update, texts.RELINK_USAGE)
        return
    try:
        done = await decide_relink(
            visit.session, int(number), commune_id=visit.member.commune_id,
            actor=Actor.of(visit.member), accept=accept, now=visit.now,
            ttl=timedelta(days=visit.services.settings.invite_days),
        )  # fmt: skip
    except DomainError as error:
        if error.reason == "account_linked":
            await reply(update, texts.RELINK_ACCOUNT_TAKEN.format(name=esc(error.detail)))
        else:
            await reply(update, texts.RELINK_GONE)
        return
    member, invite, bot = done.member, done.invite, update.get_bot()
    name = esc(member.name)
    # The messages below go through Telegram: accounts on another channel are told there
    # once that channel is wired.
    claimant = _telegram_chat(invite.claimant_channel, invite.claimant_chat)
    if not accept:
        await reply(update, texts.RELINK_REFUSED_OFFICE.format(name=name))
        if claimant is not None:
            refused = texts.RELINK_REFUSED_CLAIMANT
            await send_later(lambda: bot.send_message(claimant, refused))
        return
    await reply(update, texts.RELINK_DONE_OFFICE.format(name=name))
    if claimant is not None:
        welcome = texts.RELINK_DONE_CLAIMANT.format(name=name)
        role = Role(member.role)
        await send_later(lambda: bot.send_message(claimant, welcome))
        await send_later(lambda: set_menu(bot, claimant, role))
    previous = _telegram_chat(invite.claimant_channel, done.previous_chat)
    if previous is not None and previous != claimant:
        moved = texts.RELINK_DONE_HOLDER.format(name=name)
        await send_later(lambda: bot.send_message(previous, moved))


def _telegram_chat(channel: str | None, chat: str | None) -> int | None:
    return int(chat) if chat is not None and (channel or TELEGRAM) == TELEGRAM else None
