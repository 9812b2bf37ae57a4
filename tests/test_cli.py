"""The hamlet-bot command line and the offline console, as a newcomer runs them."""

import io
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.console import run_console
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def hamlet_bot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    if not config.exists():
        # The CLI runs in its own process on its own SQLite file, whatever the suite's engine.
        db = tmp_path / "cli.sqlite3"
        config.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMLET_BOT")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year


def test_init_loads_this_years_plan_and_is_idempotent(tmp_path: Path) -> None:
    """The bot counts in this year: init loads the seed plan for it, not for the seed
    file's own year, so the console and the digest speak of the same plan.
    """
    year = this_year()
    first = hamlet_bot(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert (
        f"Đã nạp kế hoạch 965/KH-UBND năm {year} (chép từ kế hoạch năm 2023): "
        "46 nhiệm vụ, 8 lĩnh vực; tạo mới 46" in first.stdout
    ), first.stdout
    again = hamlet_bot(tmp_path, "init")
    assert "Đã có sẵn" in again.stdout and "tạo mới 0, cập nhật 0" in again.stdout
    other = hamlet_bot(tmp_path, "init", "--year", "2023")
    assert "Đã nạp kế hoạch 965/KH-UBND năm 2023:" in other.stdout


def test_invite_without_a_bot_username_prints_the_code_and_a_warning(tmp_path: Path) -> None:
    result = hamlet_bot(
        tmp_path, "invite", "--role", "officer", "--name", "Lê Văn Cường", "--unit", "tram y te"
    )
    assert result.returncode == 0, result.stderr
    assert "(Cán bộ phụ trách, Trạm Y tế xã)" in result.stdout
    assert "t.me" not in result.stdout  # a link to a guessed bot opens someone else's
    code = next(
        line.split()[-1] for line in result.stdout.splitlines() if line.startswith("Mã mời")
    )
    assert f"gõ /start {code}" in result.stdout
    assert "⚠️" in result.stdout and "[telegram] username" in result.stdout
    members = hamlet_bot(tmp_path, "members")
    assert "Lê Văn Cường — Cán bộ phụ trách, Trạm Y tế xã — chưa kết nối" in members.stdout


def test_invite_with_the_bot_username_prints_its_link(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    (tmp_path / "config.toml").write_text(
        f'[telegram]\nusername = "MyHoaHungBot"\n[database]\nurl = "sqlite:///{db}"\n',
        encoding="utf-8",
    )
    result = hamlet_bot(
        tmp_path, "invite", "--role", "hamlet_head", "--name", "A", "--unit", "ap 2"
    )
    assert result.returncode == 0, result.stderr
    assert "https://t.me/MyHoaHungBot?start=" in result.stdout and "⚠️" not in result.stdout


def test_export_says_in_vietnamese_what_it_wrote(tmp_path: Path) -> None:
    assert hamlet_bot(tmp_path, "init").returncode == 0
    output = tmp_path / "out.xlsx"
    result = hamlet_bot(tmp_path, "export", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Đã ghi tệp {output} (")
    assert f"kế hoạch 965/KH-UBND, năm {this_year()}." in result.stdout


def test_invite_with_an_unknown_unit_suggests_one(tmp_path: Path) -> None:
    result = hamlet_bot(
        tmp_path, "invite", "--role", "officer", "--name", "X", "--unit", "Tram y te xa xa"
    )
    assert result.returncode == 2
    assert "có phải «Trạm Y tế xã»?" in result.stderr
    unknown = hamlet_bot(
        tmp_path, "invite", "--role", "officer", "--name", "X", "--unit", "Hội Nông dân"
    )
    assert unknown.returncode == 2 and "có phải" not in unknown.stderr
    assert "Các đơn vị và ấp của xã:" in unknown.stderr and "Trạm Y tế xã" in unknown.stderr


def test_a_bad_config_stops_with_one_line_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[telegram]\ntoken = "oops-secret"\n', encoding="utf-8")
    result = hamlet_bot(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "[telegram] token" in result.stderr and "oops-secret" not in result.stderr


def test_run_without_a_token_says_so_and_starts_the_console(tmp_path: Path) -> None:
    result = hamlet_bot(tmp_path, "run", stdin="/help\n/quit\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Chưa có token Telegram hoặc Zalo")
    assert "/baocao — báo cáo tiến độ một nhiệm vụ" in result.stdout


@pytest.mark.e2e
async def test_console_story_with_piped_input(settings: Settings) -> None:
    script = "\n".join(
        [
            "/baocao", "1", "2", "3", "Đã họp dân ấp 1", "/location", "1",
            "/as Bình", "/tonghop", "/as stranger", "/nhiemvu", "/quit",
        ]
    )  # fmt: skip
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO(script + "\n"), out=out)
    text = out.getvalue()
    assert "thêm bốn thành viên mẫu" in text
    assert "-- đang nói với tư cách Phạm Thị Dung" in text
    assert "(tap: 2.1 · Thực hiện đúng quy định…)" in text
    assert re.search(r"🤖 Minh chứng: (1 )?vị trí", text)
    assert "✅ Đã lưu báo cáo nhiệm vụ 2.1 (lần 1)" in text
    assert "🤖 Hoàn thành chung: 0% (0/46 nhiệm vụ xong)" in text
    stranger = text.split("-- đang nói với tư cách người lạ", 1)[1]
    assert "Xin chào! Anh/chị chưa được đăng ký dùng bot này." in stranger
    assert "Nhiệm vụ" not in stranger


def test_relink_is_decided_on_the_command_line(tmp_path: Path) -> None:
    """The office clerk who changed phones cannot confirm in chat: the command line can."""
    import asyncio

    from models.db import create_engine, session_factory, transaction
    from models.members import create_member, redeem_invite
    from models.tables import Commune, Member, Role
    from tests.helpers import DEFAULT_NOW, telegram_id

    assert hamlet_bot(tmp_path, "init").returncode == 0
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"

    async def claim() -> None:
        engine = create_engine(url)
        try:
            async with transaction(session_factory(engine)) as session:
                commune = (await session.exec(select(Commune))).one()
                first = await create_member(
                    session, commune, role=Role.OFFICE, name="Trần Thị Bình", unit_text=None,
                    now=DEFAULT_NOW,
                )  # fmt: skip
                await redeem_invite(
                    session, first.code, external_id=21, chat_id=21, now=DEFAULT_NOW
                )
                again = await create_member(
                    session, commune, role=Role.OFFICE, name="Trần Thị Bình", unit_text=None,
                    now=DEFAULT_NOW,
                )  # fmt: skip
                await redeem_invite(
                    session, again.code, external_id=22, chat_id=22, now=DEFAULT_NOW,
                    account_name="Bình (máy mới)",
                )  # fmt: skip
        finally:
            await engine.dispose()

    async def linked_account() -> int | None:
        engine = create_engine(url)
        try:
            async with transaction(session_factory(engine)) as session:
                return await telegram_id(session, (await session.exec(select(Member))).one())
        finally:
            await engine.dispose()

    asyncio.run(claim())
    listed = hamlet_bot(tmp_path, "relink", "list")
    assert "Trần Thị Bình (Văn phòng UBND xã) — tài khoản mới: Bình (máy mới)" in listed.stdout
    number = listed.stdout.split()[0].lstrip("#")
    wrong = hamlet_bot(tmp_path, "relink", "confirm", "999")
    assert wrong.returncode == 1 and "không có yêu cầu này" in wrong.stderr
    done = hamlet_bot(tmp_path, "relink", "confirm", number)
    assert done.returncode == 0 and "đã chuyển sang tài khoản mới" in done.stdout, done
    assert asyncio.run(linked_account()) == 22
