"""Chat accounts: how a member is reached, on Telegram, Zalo or both."""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import as_utc
from models.tables import ChatAccount, Commune, Member

TELEGRAM = "telegram"
ZALO = "zalo"


async def member_and_account(
    session: AsyncSession, channel: str, external_id: object
) -> tuple[Member, ChatAccount] | None:
    """The member a chat account belongs to, with the account (one query: every update
    asks this).
    """
    statement = (
        select(Member, ChatAccount)
        .join(ChatAccount, col(ChatAccount.member_id) == col(Member.id))
        .where(ChatAccount.channel == channel, ChatAccount.external_id == str(external_id))
    )
    row = (await session.exec(statement)).first()
    return (row[0], row[1]) if row is not None else None


async def member_with_commune(
    session: AsyncSession, channel: str, external_id: object
) -> tuple[Member, ChatAccount, Commune] | None:
    """:func:`member_and_account` and the member's commune, in the same one query (every
    update of a member asks for all three).
    """
    statement = (
        select(Member, ChatAccount, Commune)
        .join(ChatAccount, col(ChatAccount.member_id) == col(Member.id))
        .join(Commune, col(Commune.id) == col(Member.commune_id))
        .where(ChatAccount.channel == channel, ChatAccount.external_id == str(external_id))
    )
    row = (await session.exec(statement)).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def member_by_account(
    session: AsyncSession, channel: str, external_id: object
) -> Member | None:
    """The member a chat account belongs to, if any."""
    found = await member_and_account(session, channel, external_id)
    return found[0] if found is not None else None


async def member_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Member | None:
    """The member linked to a Telegram account, if any."""
    return await member_by_account(session, TELEGRAM, telegram_user_id)


async def accounts_of(
    session: AsyncSession, member_ids: Iterable[int]
) -> dict[int, list[ChatAccount]]:
    """Every account of each member, by member id."""
    ids = list(member_ids)
    found: dict[int, list[ChatAccount]] = {member_id: [] for member_id in ids}
    if ids:
        statement = select(ChatAccount).where(col(ChatAccount.member_id).in_(ids))
        for account in await session.exec(statement):
            found[account.member_id].append(account)
    return found


async def channel_account(
    session: AsyncSession, member: Member, channel: str = TELEGRAM
) -> ChatAccount | None:
    """The member's account on ``channel``, if linked there."""
    statement = select(ChatAccount).where(
        ChatAccount.member_id == member.id, ChatAccount.channel == channel
    )
    return (await session.exec(statement)).first()


def best_account(accounts: Iterable[ChatAccount]) -> ChatAccount | None:
    """Where to reach a member: a reachable account, the one used last first."""
    reachable = [a for a in accounts if a.unreachable_at is None]
    if not reachable:
        return None
    return max(reachable, key=lambda a: as_utc(a.last_seen_at or a.linked_at))


async def link_account(
    session: AsyncSession,
    member: Member,
    channel: str,
    external_id: object,
    chat_id: object,
    now: datetime,
) -> ChatAccount:
    """Link (or move) ``member``'s account on ``channel`` to this person and chat."""
    assert member.id is not None
    account = await channel_account(session, member, channel)
    if account is None:
        account = ChatAccount(
            commune_id=member.commune_id, member_id=member.id, channel=channel,
            external_id=str(external_id), chat_id=str(chat_id), linked_at=now,
        )  # fmt: skip
        session.add(account)
    else:
        account.external_id, account.chat_id = str(external_id), str(chat_id)
        account.linked_at, account.unreachable_at = now, None
    await session.flush()
    return account
