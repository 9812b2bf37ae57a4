"""The database: engine, sessions and schema migrations (Alembic)."""

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]
# The database, its -wal and -shm files, backups: readable by the bot's own user only.
OWNER_ONLY = 0o600
OWNER_ONLY_DIR = 0o700

log = logging.getLogger(__name__)

# The execution option that marks a read-only transaction (see read_transaction).
READ_ONLY = "hamlet_read_only"


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names an SQLite database."""
    return url.startswith("sqlite")


def create_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    Migrations pass ``foreign_keys=False``: SQLite alters a table by copying it, and the
    copy cannot replace a table that others refer to while the keys are enforced.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()
        # The driver's own transaction handling begins a transaction only at the first
        # INSERT/UPDATE/DELETE: a SAVEPOINT before that is a transaction of its own, whose
        # release commits it early (a report without its audit entry). Begin ourselves.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # Reads only: a snapshot, and the one write lock stays free for the replies.
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE: take the write lock now, waiting (busy timeout) for another writer to
        # finish. A plain BEGIN would read from a snapshot and then fail at once, without
        # waiting, if another connection committed before this transaction's first write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (no lazy reloads under asyncio)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on any error."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def read_transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A transaction that only reads (a long export's): on SQLite it does not take the
    write lock, so members' updates go on while it reads. Writing in it fails on SQLite.
    """
    engine = sessions.kw["bind"]
    read_only = engine.execution_options(**{READ_ONLY: True})
    async with sessions(bind=read_only) as session, session.begin():
        yield session


def alembic_config(url: str) -> Any:
    """The Alembic configuration for ``url``, without needing an alembic.ini on disk."""
    from alembic.config import Config  # Alembic loads only when migrations may run

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema at ``url`` up to date. Synchronous: call it outside an event loop
    (or in a thread), since Alembic's async env runs a loop of its own.

    An SQLite file is created owner-only (0600, in a 0700 directory if it makes one), and an
    existing one, with its -wal and -shm files, is made owner-only.
    """
    path = sqlite_path(url)
    if path is not None:
        _create_sqlite_file(path)
    if schema_revision(url) != head_revision():
        from alembic import command  # about 0.15 s to import: only when there is work

        command.upgrade(alembic_config(url), "head")
    if path is not None:
        restrict_sqlite_files(path)


_REVISION = re.compile(r"^revision: str = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision: str \| None = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def head_revision() -> str:
    """The newest migration's revision: the one no other migration follows."""
    revisions, followed = set(), set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(text))
        followed.update(_DOWN_REVISION.findall(text))
    heads = revisions - followed
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def schema_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: empty, or not readable)."""

    async def read() -> str | None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
                row = result.first()
                return str(row[0]) if row is not None else None
        except Exception:  # no such table yet, or no database: the upgrade will tell
            return None
        finally:
            await engine.dispose()

    return asyncio.run(read())


def sqlite_path(url: str) -> Path | None:
    """The file an SQLite ``url`` names (None for PostgreSQL or an in-memory database)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_sqlite_file(path: Path) -> None:
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=OWNER_ONLY_DIR)
    if not path.exists():
        # An empty file is an empty SQLite database; made here, it is owner-only from the
        # start (SQLite would create it with the umask's mode).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY))


def restrict_sqlite_files(path: Path) -> None:
    """Make an SQLite database and its -wal and -shm files owner-only (SQLite gives the
    files it creates later the database file's mode).
    """
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if name.exists() and name.stat().st_mode & 0o777 != OWNER_ONLY:
                name.chmod(OWNER_ONLY)
        except PermissionError as error:
            log.warning("cannot make %s owner-only: %s", name, error)
