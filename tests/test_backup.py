"""Backups: a consistent copy while reports are being written, restoring it, the daily job,
and owner-only files."""

import asyncio
import contextlib
import sqlite3
import stat
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col, func, select, text

from bot.app import build_application
from bot.offline import OfflineBotAPI
from bot.services import services_of
from bot.settings import BackupSettings, Settings, SettingsError, load_settings
from models.audit import Actor, record_change, snapshot, verify_chain
from models.backup import BackupError, backup, pg_connection, pg_tool, prune, restore
from models.db import (
    alembic_config,
    create_engine,
    is_sqlite,
    migrate,
    session_factory,
    sqlite_path,
)
from models.db import transaction as db_transaction
from models.members import create_member
from models.plan_data import PlanSpec
from models.plan_loader import ensure_commune, load_plan
from models.plans import task_by_code
from models.reports import ReportInput, record_report
from models.tables import AuditEntry, Member, Plan, Report, Role, Status
from tests.helpers import DEFAULT_NOW, FakeClock
from tests.test_cli import hamlet_bot

TZ = "Asia/Ho_Chi_Minh"
# The writer's own entry, one per report in the report's transaction (whatever else the
# models record).
WRITER_ACTION = "test.report_written"
REPORT_FIELDS = ("task_id", "unit_id", "version", "status", "percent", "note")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def has_pg_dump() -> bool:
    try:
        pg_tool("pg_dump")
        pg_tool("pg_restore")
    except BackupError:
        return False
    return True


async def _seed(url: str, plan_spec: PlanSpec) -> int:
    """The commune, its 2026 plan and an officer of the health station; the officer's id."""
    engine = create_engine(url)
    try:
        async with db_transaction(session_factory(engine)) as session:
            commune = await ensure_commune(session, "Mỹ Hòa Hưng", TZ, ["Ấp 1", "Ấp 2"])
            await load_plan(session, commune, plan_spec, year=2026)
            issued = await create_member(
                session,
                commune,
                role=Role.OFFICER,
                name="Lê Văn Cường",
                unit_text="Trạm Y tế xã",
                now=DEFAULT_NOW,
            )
            assert issued.member.id is not None
            return issued.member.id
    finally:
        await engine.dispose()


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def _keep_reporting(
    url: str, member_id: int, committed: list[int], stop: asyncio.Event
) -> None:
    """Report on tasks 6.1–6.4 over and over, each report with its audit entry in the same
    transaction; the id of each report once its transaction has committed.
    """
    engine = create_engine(url)
    sessions = session_factory(engine)
    number = 0
    try:
        while not stop.is_set():
            number += 1
            async with db_transaction(sessions) as session:
                member = await session.get(Member, member_id)
                assert member is not None
                plan = (await session.exec(select(Plan))).one()
                task = await task_by_code(session, plan, f"6.{number % 4 + 1}")
                assert task is not None
                now = DEFAULT_NOW + timedelta(seconds=number)
                row = await record_report(
                    session,
                    member=member,
                    task=task,
                    report=ReportInput(Status.IN_PROGRESS, number % 99 + 1, f"lần {number}"),
                    now=now,
                    timezone=TZ,
                )
                await session.flush()
                await record_change(
                    session,
                    actor=Actor.of(member),
                    action=WRITER_ACTION,
                    object_type="report",
                    object_id=row.id,
                    at=now,
                    commune_id=member.commune_id,
                    after=snapshot(row, REPORT_FIELDS),
                )
            assert row.id is not None
            committed.append(row.id)
            await asyncio.sleep(0)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _second_database(url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same engine as ``url`` to restore into."""
    if is_sqlite(url):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = "hamlet_restore_test"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            await connection.execute(text(f"CREATE DATABASE {name}"))
        base, _, _ = url.rpartition("/")
        yield f"{base}/{name}"
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        await admin.dispose()


async def test_a_backup_taken_while_reports_are_written_restores_whole(
    database: str, plan_spec: PlanSpec, tmp_path: Path
) -> None:
    if not is_sqlite(database) and not has_pg_dump():
        pytest.skip("pg_dump/pg_restore are not installed")
    member_id = await _seed(database, plan_spec)
    committed: list[int] = []
    stop = asyncio.Event()
    writer = asyncio.create_task(_keep_reporting(database, member_id, committed, stop))
    try:
        await _until(lambda: len(committed) >= 20)  # some history before the backup
        output = tmp_path / ("backup.sqlite3" if is_sqlite(database) else "backup.dump")
        for _attempt in range(50):
            before = list(committed)
            # In a thread (SQLite) or a subprocess (pg_dump): the writer goes on meanwhile.
            size = await backup(database, output)
            if len(committed) > len(before):
                break  # a report was committed while the copy was being made
    finally:
        stop.set()
        await writer
    assert size > 0 and mode(output) == 0o600
    assert len(committed) > len(before), "no report was written while the backup ran"

    async with _second_database(database, tmp_path) as restored_url:
        restored = await restore(restored_url, output)
        assert restored.revision
        await asyncio.to_thread(migrate, restored_url)
        engine = create_engine(restored_url)
        try:
            async with db_transaction(session_factory(engine)) as session:
                check = await verify_chain(session)
                reports = {r.id: r for r in await session.exec(select(Report))}
                audited = list(
                    await session.exec(
                        select(AuditEntry).where(AuditEntry.action == WRITER_ACTION)
                    )
                )
        finally:
            await engine.dispose()
    assert check.ok, check.problem
    # Every report committed before the backup started is there, intact ...
    assert set(before) <= set(reports)
    for number, report_id in enumerate(before, start=1):
        report = reports[report_id]
        assert (report.note, report.percent) == (f"lần {number}", number % 99 + 1)
        assert report.member_id == member_id and report.status == Status.IN_PROGRESS
    # ... and the copy is one moment: each report with its audit entry (written in the same
    # transaction), each entry naming what its report says.
    entries = {int(e.object_id): e for e in audited}
    assert set(entries) == set(reports)
    for report_id, entry in entries.items():
        assert entry.after is not None and f'"note": "{reports[report_id].note}"' in entry.after


async def test_a_report_is_not_visible_before_its_transaction_commits(
    database: str, plan_spec: PlanSpec
) -> None:
    # What makes a copy consistent: a report and its audit entry commit together. (On SQLite
    # this needs the explicit BEGIN of models.db: record_report's savepoint would otherwise
    # commit the report on its own.)
    member_id = await _seed(database, plan_spec)
    engine, other = create_engine(database), create_engine(database)
    try:
        async with db_transaction(session_factory(engine)) as session:
            member = await session.get(Member, member_id)
            plan = (await session.exec(select(Plan))).one()
            task = await task_by_code(session, plan, "6.1")
            assert member is not None and task is not None
            await record_report(
                session,
                member=member,
                task=task,
                report=ReportInput(Status.IN_PROGRESS, 50),
                now=DEFAULT_NOW,
                timezone=TZ,
            )
            path = sqlite_path(database)
            if path is not None:
                # A plain reader (the engine's own transactions wait for the write lock).
                with contextlib.closing(sqlite3.connect(path)) as reader:
                    seen = reader.execute("SELECT count(*) FROM report").fetchone()
            else:
                async with other.connect() as connection:
                    seen = (await connection.execute(text("SELECT count(*) FROM report"))).one()
            assert seen[0] == 0, "another connection saw the report before the commit"
    finally:
        await engine.dispose()
        await other.dispose()


async def test_restore_refuses_a_database_in_use(database: str, tmp_path: Path) -> None:
    output = tmp_path / "backup.sqlite3"
    source = tmp_path / "source.sqlite3"
    await asyncio.to_thread(migrate, f"sqlite+aiosqlite:///{source}")
    await backup(f"sqlite+aiosqlite:///{source}", output)
    target = tmp_path / "live.sqlite3"
    target_url = f"sqlite+aiosqlite:///{target}"
    await asyncio.to_thread(migrate, target_url)
    engine = create_engine(target_url)  # the bot, holding its connection
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            with pytest.raises(BackupError, match="in use"):
                await restore(target_url, output)
    finally:
        await engine.dispose()
    assert (await restore(target_url, output)).revision  # once the bot is gone, it goes


async def test_restore_checks_the_file_first(tmp_path: Path) -> None:
    target_url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database " * 100, encoding="utf-8")
    with pytest.raises(BackupError, match="not an SQLite database"):
        await restore(target_url, not_sqlite)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    with pytest.raises(BackupError, match="no alembic_version table"):
        await restore(target_url, other)
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
    connection.close()
    with pytest.raises(BackupError, match="unknown to this version"):
        await restore(target_url, other)
    with pytest.raises(BackupError, match="no such file"):
        await restore(target_url, tmp_path / "missing.sqlite3")
    assert not (tmp_path / "db.sqlite3").exists()


def test_an_older_backup_is_brought_up_to_date(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    old_url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(old_url), "0003")
    asyncio.run(backup(old_url, tmp_path / "old-backup.sqlite3"))
    new_url = f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}"
    restored = asyncio.run(restore(new_url, tmp_path / "old-backup.sqlite3"))
    assert restored.revision == "0003"
    migrate(new_url)
    with sqlite3.connect(tmp_path / "new.sqlite3") as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    head = ScriptDirectory.from_config(alembic_config(new_url)).get_current_head()
    assert revision == (head,) and "auditentry" in tables


def test_the_database_and_backups_are_owner_only(tmp_path: Path) -> None:
    # Under the usual umask (022) too: migrate and backup set the modes themselves.
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
    migrate(url)
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "bot.sqlite3") == 0o600
    loose = tmp_path / "loose.sqlite3"
    migrate(f"sqlite+aiosqlite:///{loose}")
    loose.chmod(0o644)  # a database from before: made owner-only on the next start
    migrate(f"sqlite+aiosqlite:///{loose}")
    assert mode(loose) == 0o600
    size = asyncio.run(backup(url, tmp_path / "backup.sqlite3"))
    assert size > 0 and mode(tmp_path / "backup.sqlite3") == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_the_command_line_backs_up_and_restores_with_owner_only_files(tmp_path: Path) -> None:
    assert hamlet_bot(tmp_path, "init").returncode == 0
    assert mode(tmp_path / "cli.sqlite3") == 0o600
    made = hamlet_bot(tmp_path, "backup", "-o", str(tmp_path / "b.sqlite3"))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"Backed up the database to {tmp_path / 'b.sqlite3'} (")
    assert mode(tmp_path / "b.sqlite3") == 0o600
    back = hamlet_bot(tmp_path, "restore", str(tmp_path / "b.sqlite3"))
    assert back.returncode == 0, back.stderr
    assert back.stdout.count("\n") == 1 and ", now up to date)" in back.stdout
    assert mode(tmp_path / "cli.sqlite3") == 0o600
    bad = hamlet_bot(tmp_path, "restore", str(tmp_path / "config.toml"))
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "not an SQLite database" in bad.stderr
    nowhere = hamlet_bot(tmp_path, "backup", "-o", str(tmp_path / "no" / "b.sqlite3"))
    assert nowhere.returncode == 1 and "no such directory" in nowhere.stderr
    assert "Traceback" not in bad.stderr + nowhere.stderr


def test_the_postgresql_password_never_goes_on_the_command_line() -> None:
    options, env = pg_connection("postgresql+asyncpg://hamlet:s3cr%40t@db.example:5433/hamlet")
    assert options == [
        "--no-password",
        "--host=db.example",
        "--port=5433",
        "--username=hamlet",
        "--dbname=hamlet",
    ]
    assert env == {"PGPASSWORD": "s3cr@t"}
    assert not any("s3cr" in option for option in options)


def test_prune_keeps_the_newest_daily_backups_only(tmp_path: Path) -> None:
    for day in ("2026-11-20", "2026-11-24", "2026-11-25", "2026-11-26"):
        (tmp_path / f"hamlet-bot-{day}.sqlite3").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    removed = prune(tmp_path, 2)
    assert sorted(p.name for p in removed) == [
        "hamlet-bot-2026-11-20.sqlite3",
        "hamlet-bot-2026-11-24.sqlite3",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hamlet-bot-2026-11-25.sqlite3",
        "hamlet-bot-2026-11-26.sqlite3",
        "notes.txt",
    ]


async def test_the_daily_job_writes_todays_file_and_drops_the_oldest(
    database: str, tmp_path: Path
) -> None:
    if not is_sqlite(database) and not has_pg_dump():
        pytest.skip("pg_dump/pg_restore are not installed")
    directory = tmp_path / "backups"
    suffix = "sqlite3" if is_sqlite(database) else "dump"
    settings = Settings(
        database_url=database,
        evidence_dir=tmp_path / "evidence",
        backup=BackupSettings(dir=directory, keep=2),
    )
    app = build_application(settings, request=OfflineBotAPI(), clock=FakeClock())
    try:
        jobs = {job.name: job for job in app.job_queue.jobs()}  # type: ignore[union-attr]
        assert set(jobs) == {"reminders", "forget-updates", "backup"}
        directory.mkdir()
        for day in ("2026-11-20", "2026-11-25"):
            (directory / f"hamlet-bot-{day}.{suffix}").write_bytes(b"old")
        await jobs["backup"].run(app)
    finally:
        await services_of(app).engine.dispose()
    # 10:00 on 26/11/2026 in the commune: that day's file; the two newest are kept.
    assert sorted(p.name for p in directory.iterdir()) == [
        f"hamlet-bot-2026-11-25.{suffix}",
        f"hamlet-bot-2026-11-26.{suffix}",
    ]
    assert mode(directory / f"hamlet-bot-2026-11-26.{suffix}") == 0o600


def test_without_a_backup_dir_there_is_no_backup_job(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:")
    app = build_application(settings, request=OfflineBotAPI())
    names = [job.name for job in app.job_queue.jobs()]  # type: ignore[union-attr]
    asyncio.run(services_of(app).engine.dispose())
    assert "backup" not in names and "reminders" in names


def test_backup_settings_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[backup]\ndir = "backups"\nkeep = 14\nat = "03:30"\n', encoding="utf-8")
    settings = load_settings(config, env={})
    assert settings.backup == BackupSettings(Path("backups"), 14, settings.backup.at)
    assert settings.backup.at.hour == 3 and settings.backup.at.minute == 30
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    for body, key in [
        ("keep = 0", "[backup] keep"),
        ('keep = "7"', "[backup] keep"),
        ('at = "25:00"', "[backup] at"),
        ("dir = 7", "[backup] dir"),
        (f'dir = "{tmp_path / "a-file"}"', "[backup] dir"),
    ]:
        config.write_text(f"[backup]\n{body}\n", encoding="utf-8")
        with pytest.raises(SettingsError) as error:
            load_settings(config, env={})
        assert key in str(error.value) and "\n" not in str(error.value)


def test_a_config_file_anyone_can_write_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    config.chmod(0o666)
    with pytest.raises(SettingsError, match="writable by anyone"):
        load_settings(config, env={})


async def test_the_report_count_matches_between_database_and_backup(
    database: str, plan_spec: PlanSpec, tmp_path: Path
) -> None:
    # The plain case, no concurrent writer: a copy holds exactly what was there.
    if not is_sqlite(database) and not has_pg_dump():
        pytest.skip("pg_dump/pg_restore are not installed")
    member_id = await _seed(database, plan_spec)
    stop = asyncio.Event()
    committed: list[int] = []
    writer = asyncio.create_task(_keep_reporting(database, member_id, committed, stop))
    await _until(lambda: len(committed) >= 5)
    stop.set()
    await writer
    output = tmp_path / "b"
    await backup(database, output)
    async with _second_database(database, tmp_path) as restored_url:
        await restore(restored_url, output)
        engine = create_engine(restored_url)
        try:
            async with db_transaction(session_factory(engine)) as session:
                count = (await session.exec(select(func.count()).select_from(Report))).one()
                first = (
                    await session.exec(select(Report).order_by(col(Report.id)).limit(1))
                ).one()
        finally:
            await engine.dispose()
    assert count == len(committed) and first.id == committed[0]
