"""Updates already handled: a chat channel may deliver the same update again (Telegram does
after a crash or a failed webhook), and it must not be handled twice.
"""

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import ProcessedUpdate


async def claim_update(session: AsyncSession, channel: str, key: object, now: datetime) -> bool:
    """Mark an update as handled, in the transaction of its work; False if it was before.

    The mark commits with the work or not at all: an update whose handling failed is
    handled again when it comes again. A second process taking the same update at the
    same moment waits on the unique key and then finds it taken.
    """
    dialect = (await session.connection()).dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = (
        insert(ProcessedUpdate)
        .values(channel=channel, update_key=str(key), seen_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(col(ProcessedUpdate.id))
    )
    return (await session.exec(statement)).first() is not None


async def forget_updates_before(session: AsyncSession, before: datetime) -> None:
    """Drop the marks older than ``before``: Telegram keeps an update for a day at most."""
    await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.seen_at) < before))
