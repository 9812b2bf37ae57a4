"""Updates already handled are marked in the database, and the marks are dropped later."""

from datetime import timedelta
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.evidence import store_evidence
from models.tables import ProcessedUpdate
from models.updates import claim_update, forget_updates_before
from tests.helpers import DEFAULT_NOW


async def test_an_update_is_claimed_once_per_channel(session: AsyncSession) -> None:
    assert await claim_update(session, "telegram", 7, DEFAULT_NOW)
    assert not await claim_update(session, "telegram", 7, DEFAULT_NOW)
    assert await claim_update(session, "zalo", 7, DEFAULT_NOW)  # another channel's 7


async def test_old_marks_are_forgotten(session: AsyncSession) -> None:
    await claim_update(session, "telegram", 1, DEFAULT_NOW - timedelta(days=4))
    await claim_update(session, "telegram", 2, DEFAULT_NOW)
    await forget_updates_before(session, DEFAULT_NOW - timedelta(days=3))
    kept = [m.update_key for m in await session.exec(select(ProcessedUpdate))]
    assert kept == ["2"]


def test_evidence_is_readable_by_the_bot_only(tmp_path: Path) -> None:
    directory = tmp_path / "evidence"
    path, _ = store_evidence(b"\xff\xd8 a photo of a paper", directory, ".jpg")
    assert path.stat().st_mode & 0o777 == 0o600
    assert directory.stat().st_mode & 0o777 == 0o700
