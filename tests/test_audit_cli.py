"""`hamlet-bot audit verify` and `audit show`, as the office runs them."""

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.audit import CLI, Actor, record_change
from models.db import create_engine, session_factory, transaction
from models.plan_loader import ensure_commune
from models.tables import Member, Role
from tests.test_cli import hamlet_bot

# 10:05 on 26/11/2026 and 08:00 on 28/11/2026 in the commune.
EARLY = datetime(2026, 11, 26, 3, 5, tzinfo=UTC)
LATE = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


async def _seed(db: Path) -> None:
    """Two members and four entries: two by Trần Thị Bình, one by the other, one by the CLI."""
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await ensure_commune(
                session, "Mỹ Hòa Hưng", "Asia/Ho_Chi_Minh", [f"Ấp {n}" for n in range(1, 10)]
            )
            assert commune.id is not None
            binh, cuong = (
                Member(commune_id=commune.id, name=name, role=role, created_at=EARLY)
                for name, role in [("Trần Thị Bình", Role.OFFICE), ("Lê Văn Cường", Role.OFFICER)]
            )
            session.add_all([binh, cuong])
            await session.flush()
            entries: list[tuple[Actor, str, datetime, dict[str, Any] | None, dict[str, Any]]] = [
                (Actor.of(binh), "member.create", EARLY, None, {"name": "Ấp 2", "role": "x"}),
                (Actor.of(cuong), "report.create", EARLY, None, {"percent": 40}),
                (CLI, "invite.revoke", LATE, None, {"reason": "replaced"}),
                (Actor.of(binh), "member.mute", LATE, {"muted_until": None}, {"muted_until": 7}),
            ]
            for actor, action, at, before, after in entries:
                await record_change(
                    session,
                    actor=actor,
                    action=action,
                    object_type="member",
                    object_id=cuong.id,
                    at=at,
                    commune_id=commune.id,
                    before=before,
                    after=after,
                )
    finally:
        await engine.dispose()


def _prepared(tmp_path: Path) -> Path:
    assert hamlet_bot(tmp_path, "members").returncode == 0  # the schema, through the CLI
    db = tmp_path / "cli.sqlite3"
    asyncio.run(_seed(db))
    return db


def test_verify_says_ok_on_an_untouched_chain(tmp_path: Path) -> None:
    _prepared(tmp_path)
    result = hamlet_bot(tmp_path, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Audit log: 4 entries, OK.\n"


def test_verify_names_the_entry_edited_with_sql(tmp_path: Path) -> None:
    db = _prepared(tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("""UPDATE auditentry SET after = '{"percent": 100}' WHERE seq = 2""")
    connection.close()
    result = hamlet_bot(tmp_path, "audit", "verify")
    assert result.returncode == 1
    assert result.stdout == (
        "Audit log BROKEN: entry #2 was edited (report.create) (checked 2 entries).\n"
    )


def test_verify_names_an_entry_deleted_with_sql(tmp_path: Path) -> None:
    db = _prepared(tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM auditentry WHERE seq = 3")
    connection.close()
    result = hamlet_bot(tmp_path, "audit", "verify")
    assert result.returncode == 1 and "#3" in result.stdout and "deleted" in result.stdout


def test_show_lists_entries_in_commune_time_and_filters_by_member(tmp_path: Path) -> None:
    _prepared(tmp_path)
    everything = hamlet_bot(tmp_path, "audit", "show")
    assert everything.returncode == 0, everything.stderr
    lines = everything.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("#1 26/11/2026 10:05  Trần Thị Bình  member.create  member #2")
    assert "name: –→Ấp 2; role: –→x" in lines[0]
    assert lines[2].startswith("#3 28/11/2026 08:00  dòng lệnh  invite.revoke")

    # The name without diacritics, in any case.
    binh = hamlet_bot(tmp_path, "audit", "show", "--member", "TRAN THI BINH")
    assert binh.returncode == 0, binh.stderr
    shown = binh.stdout.splitlines()
    assert [line.split()[0] for line in shown] == ["#1", "#4"]
    assert "muted_until: –→7" in shown[1]

    since = hamlet_bot(tmp_path, "audit", "show", "--member", "bình", "--since", "2026-11-27")
    assert [line.split()[0] for line in since.stdout.splitlines()] == ["#4"]

    nobody = hamlet_bot(tmp_path, "audit", "show", "--member", "Nguyễn Văn Không")
    assert nobody.returncode == 2 and "no member named" in nobody.stderr
    bad_day = hamlet_bot(tmp_path, "audit", "show", "--since", "27/11/2026")
    assert bad_day.returncode == 2 and bad_day.stderr.count("\n") == 1
