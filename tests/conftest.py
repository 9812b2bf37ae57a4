"""Fixtures. Every test runs offline against a real database: SQLite by default, or the
database named by ``TEST_DATABASE_URL`` (e.g. PostgreSQL through asyncpg in CI). The schema
is built once through Alembic; every test starts from empty tables."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel, text
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.settings import Settings, database_url
from models.db import create_engine, migrate, session_factory, transaction
from models.plan_data import PlanSpec, read_plan_file
from models.plan_loader import ensure_commune, load_plan
from models.tables import Commune
from tests.helpers import FakeClock, World


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = database_url(configured)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture
async def database(migrated_url: str) -> str:
    """The test database, emptied."""
    engine = create_engine(migrated_url)
    async with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(text(f'DELETE FROM "{table.name}"'))
    await engine.dispose()
    return migrated_url


@pytest.fixture
def settings(database: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database, evidence_dir=tmp_path / "evidence")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def world(settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    """The bot as production builds it, with an offline Bot API and a fixed clock."""
    api = OfflineBotAPI()
    app = build_application(settings, request=api, clock=clock)
    await start_application(app)
    made = World(app, api, clock)
    try:
        yield made
    finally:
        await made.close()
        await stop_application(app)


@pytest.fixture(scope="session")
def plan_spec() -> PlanSpec:
    return read_plan_file()


@pytest.fixture
async def session(database: str, plan_spec: PlanSpec) -> AsyncIterator[AsyncSession]:
    """A session on the emptied database (committed at the end)."""
    engine = create_engine(database)
    try:
        async with transaction(session_factory(engine)) as session:
            yield session
    finally:
        await engine.dispose()


@pytest.fixture
async def commune(session: AsyncSession, plan_spec: PlanSpec) -> Commune:
    """Mỹ Hòa Hưng with its nine hamlets and the seed plan loaded for 2026."""
    commune = await ensure_commune(
        session, "Mỹ Hòa Hưng", "Asia/Ho_Chi_Minh", [f"Ấp {n}" for n in range(1, 10)]
    )
    await load_plan(session, commune, plan_spec, year=2026)
    return commune
