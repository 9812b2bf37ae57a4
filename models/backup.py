"""Backups: a consistent copy of the database taken while the bot runs, and restoring one.

SQLite is copied with its online backup API (one read transaction: a snapshot, while the
bot keeps writing through WAL). PostgreSQL is dumped with ``pg_dump --format=custom`` and
restored with ``pg_restore``; the password goes to them in ``PGPASSWORD``, never on a
command line. Backup files are owner-only (0600), their directory 0700.

Every error is a :class:`BackupError` whose message is one line.
"""

import asyncio
import contextlib
import glob
import os
import re
import shutil
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL

from models.db import (
    MIGRATIONS_DIR,
    OWNER_ONLY,
    OWNER_ONLY_DIR,
    create_engine,
    restrict_sqlite_files,
    sqlite_path,
)

DAILY_NAME = re.compile(r"^hamlet-bot-(\d{4}-\d{2}-\d{2})\.(sqlite3|dump)$")
_BUSY_TIMEOUT = 30.0


class BackupError(Exception):
    """A backup or restore could not be made. The message is one line."""


@dataclass(frozen=True)
class Restored:
    """What a restore put in place: the database and the schema revision of the backup."""

    target: str
    revision: str


async def backup(url: str, output: Path) -> int:
    """Copy the database at ``url`` into ``output`` (replaced if it exists); return its size.

    The copy is written next to ``output`` and renamed into place, so a failed backup never
    leaves a half-written file under the final name.

    Raises:
        BackupError: the database cannot be read, pg_dump failed, or ``output`` cannot be
            written.
    """
    path = sqlite_path(url)
    if path is not None:
        return await asyncio.to_thread(_sqlite_backup, path, output)
    if url.startswith("sqlite"):
        raise BackupError("an in-memory database cannot be backed up")
    partial = await asyncio.to_thread(_start_output, output)
    try:
        await _pg_dump(url, partial)
        return await asyncio.to_thread(_finish_output, partial, output)
    finally:
        await asyncio.to_thread(_discard, partial)


async def restore(url: str, source: Path) -> Restored:
    """Replace the database at ``url`` with the backup in ``source``.

    The backup is checked first (a database of ours: it has an ``alembic_version`` of a
    known revision); the database must not be in use. Run the migrations afterwards: an
    older backup is brought up to date by them.

    Raises:
        BackupError: the file is not a backup of ours, the database is in use, or the copy
            failed (the database is then unchanged).
    """
    if not await asyncio.to_thread(source.is_file):
        raise BackupError(f"no such file: {source}")
    path = sqlite_path(url)
    try:
        if path is not None:
            revision = await asyncio.to_thread(_sqlite_restore, source, path)
            return Restored(str(path), revision)
        if url.startswith("sqlite"):
            raise BackupError("an in-memory database cannot be restored")
        revision = await _pg_restore(url, source)
    except OSError as error:
        raise BackupError(_os_error(error)) from error
    return Restored(str(make_url(url).database or ""), revision)


def daily_name(url: str, day: date) -> str:
    """The file name of the daily backup of ``day``: ``hamlet-bot-2026-11-27.sqlite3``
    (``.dump`` for PostgreSQL).
    """
    suffix = "sqlite3" if url.startswith("sqlite") else "dump"
    return f"hamlet-bot-{day.isoformat()}.{suffix}"


async def daily_backup(
    url: str, directory: Path, keep: int, day: date
) -> tuple[Path, int, list[Path]]:
    """Write the backup of ``day`` into ``directory`` (made owner-only if missing) and
    delete the oldest daily backups beyond ``keep``.

    Returns:
        The file written, its size, and the files deleted.
    """
    await asyncio.to_thread(_make_directory, directory)
    output = directory / daily_name(url, day)
    size = await backup(url, output)
    try:
        removed = await asyncio.to_thread(prune, directory, keep)
    except OSError as error:
        raise BackupError(f"{output} written; removing old backups: {_os_error(error)}") from error
    return output, size, removed


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete the oldest daily backups in ``directory`` beyond the ``keep`` newest (by the
    date in their names); other files are left alone. Returns what was deleted.
    """
    daily = sorted(
        (match.group(1), entry)
        for entry in directory.iterdir()
        if (match := DAILY_NAME.match(entry.name)) and entry.is_file()
    )
    removed = [entry for _, entry in daily[: max(0, len(daily) - keep)]]
    for entry in removed:
        entry.unlink(missing_ok=True)
    return removed


# SQLite ---------------------------------------------------------------------------------


def _sqlite_backup(database: Path, output: Path) -> int:
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    if output.exists() and output.resolve() == database.resolve():
        raise BackupError("the backup file cannot be the database itself")
    partial = _start_output(output)
    try:
        _sqlite_copy(database, partial)
        return _finish_output(partial, output)
    finally:
        _discard(partial)


def _sqlite_copy(database: Path, output: Path) -> None:
    try:
        # mode=rw: never create a database that is not there.
        source = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=rw", uri=True, timeout=_BUSY_TIMEOUT
        )
        try:
            copy = sqlite3.connect(output)
            try:
                # All pages in one step: one read transaction, so one consistent snapshot.
                source.backup(copy)
                # A self-contained file: no -wal to carry along.
                copy.execute("PRAGMA journal_mode=DELETE")
                check = copy.execute("PRAGMA quick_check").fetchone()
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"{database}: {error}") from error
    if not check or check[0] != "ok":
        raise BackupError(f"the copy of {database} does not check out: {check}")


def _sqlite_restore(source: Path, target: Path) -> str:
    if target.exists() and source.resolve() == target.resolve():
        raise BackupError("the backup is the database itself")
    revision = _sqlite_revision(source)
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=OWNER_ONLY_DIR)
    if not target.exists():
        _create_owner_only(target)
    try:
        destination = sqlite3.connect(target, timeout=0.5, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"{target}: {error}") from error
    try:
        try:
            # Exclusive locking: fails while any other connection (the bot's) has it open,
            # and holds the file until this one closes.
            destination.execute("PRAGMA locking_mode=EXCLUSIVE")
            destination.execute("BEGIN EXCLUSIVE")
            destination.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise BackupError(
                f"{target} is in use (is the bot running?): stop it first"
            ) from error
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            reader.backup(destination)
        finally:
            reader.close()
    except sqlite3.Error as error:
        raise BackupError(
            f"restoring into {target}: {error} (a damaged database: move it aside first)"
        ) from error
    finally:
        destination.close()
    restrict_sqlite_files(target)
    return revision


def _sqlite_revision(source: Path) -> str:
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = reader.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupError(f"{source} is damaged: {check[0] if check else '?'}")
            rows = reader.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            reader.close()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            raise BackupError(
                f"{source} is not a hamlet-bot database (no alembic_version table)"
            ) from error
        raise BackupError(f"{source}: {error}") from error
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not an SQLite database ({error})") from error
    return _known_revision(source, [row[0] for row in rows])


def _known_revision(source: Path, revisions: list[str]) -> str:
    if len(revisions) != 1:
        raise BackupError(f"{source} has no schema revision in alembic_version")
    revision = revisions[0]
    from alembic.script import ScriptDirectory  # loaded for a restore only
    from alembic.util.exc import CommandError

    try:
        ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision)
    except CommandError as error:
        raise BackupError(
            f"{source} has schema revision {revision!r}, unknown to this version of "
            "hamlet-bot (a newer one made it?)"
        ) from error
    return revision


# PostgreSQL -----------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program (``pg_dump``, ``pg_restore``): on PATH, or
    the newest under ``/usr/lib/postgresql/*/bin``.

    Raises:
        BackupError: not installed.
    """
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(re.sub(r"\D", "", Path(path).parent.parent.name) or 0),
    )
    if installed:
        return installed[-1]
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")


def pg_connection(url: str) -> tuple[list[str], dict[str, str]]:
    """The connection options for pg_dump/pg_restore and the environment to add: the
    password travels in ``PGPASSWORD``, never on the command line.
    """
    parsed: URL = make_url(url).set(drivername="postgresql")
    options = ["--no-password"]
    query: Mapping[str, object] = parsed.query
    host = parsed.host or _first(query.get("host"))
    if host:
        options.append(f"--host={host}")
    if parsed.port:
        options.append(f"--port={parsed.port}")
    if parsed.username:
        options.append(f"--username={parsed.username}")
    if parsed.database:
        options.append(f"--dbname={parsed.database}")
    env: dict[str, str] = {}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = _first(query.get("sslmode")) or _first(query.get("ssl"))
    if ssl:
        env["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl.lower(), ssl)
    return options, env


def _first(value: object) -> str | None:
    if isinstance(value, tuple):
        value = value[0] if value else None
    return str(value) if value else None


async def _run(program: str, args: list[str], env: Mapping[str, str]) -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        pg_tool(program),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await process.communicate()
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    if process.returncode != 0:
        raise BackupError(f"{program} failed: {_first_line(stderr) or process.returncode}")
    return stdout, stderr


def _first_line(stderr: str) -> str:
    for line in stderr.splitlines():
        line = re.sub(r"^(pg_dump|pg_restore): (error: )?", "", line.strip())
        if line and not line.startswith(("warning:", "detail:", "hint:")):
            return line
    return ""


async def _pg_dump(url: str, output: Path) -> None:
    options, env = pg_connection(url)
    # pg_dump writes into the owner-only file made for it (opening it keeps its mode).
    await _run("pg_dump", ["--format=custom", f"--file={output}", *options], env)


async def _pg_restore(url: str, source: Path) -> str:
    options, env = pg_connection(url)
    if not any(option.startswith("--dbname=") for option in options):
        # Without one, pg_restore would print the dump instead of restoring it.
        raise BackupError("[database] url names no database to restore into")
    # The dump's schema revision: it also proves the file is a custom-format dump of ours.
    listing, _ = await _run(
        "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(source)], env
    )
    lines = listing.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"COPY \S*alembic_version ", line)), None
    )
    if start is None:
        raise BackupError(f"{source} is not a hamlet-bot dump (no alembic_version table)")
    revisions = []
    for line in lines[start + 1 :]:
        if line == "\\.":
            break
        revisions.append(line.strip())
    revision = _known_revision(source, revisions)
    await _pg_refuse_if_in_use(url)
    # One transaction: a restore that fails half-way changes nothing.
    await _run(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", *options, str(source)],
        env,
    )
    return revision


async def _pg_refuse_if_in_use(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            others = (
                await connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            ).scalar_one()
    except Exception as error:
        reason = _first_line(str(getattr(error, "orig", None) or error))
        raise BackupError(f"cannot connect to the database: {reason}") from error
    finally:
        await engine.dispose()
    if others:
        raise BackupError(
            f"the database has {others} other connection(s) (is the bot running?): stop it first"
        )


# Files ----------------------------------------------------------------------------------


def _start_output(output: Path) -> Path:
    """Check where a backup goes; make the owner-only file it is first written to."""
    if output.is_dir():
        raise BackupError(f"{output} is a directory: name the backup file")
    if not output.parent.is_dir():
        raise BackupError(f"no such directory: {output.parent}")
    partial = output.with_name(f".{output.name}.part")
    try:
        _create_owner_only(partial)
    except OSError as error:
        raise BackupError(_os_error(error)) from error
    return partial


def _finish_output(partial: Path, output: Path) -> int:
    try:
        partial.chmod(OWNER_ONLY)
        os.replace(partial, output)
        return output.stat().st_size
    except OSError as error:
        raise BackupError(_os_error(error)) from error


def _discard(partial: Path) -> None:
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


def _make_directory(directory: Path) -> None:
    if directory.is_dir():
        return
    try:
        directory.mkdir(parents=True, mode=OWNER_ONLY_DIR)
    except OSError as error:
        raise BackupError(_os_error(error)) from error


def _create_owner_only(path: Path) -> None:
    """Create ``path`` empty and owner-only, replacing what is there."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))


def _os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"
