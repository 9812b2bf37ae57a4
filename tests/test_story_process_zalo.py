"""The real bot process on Zalo alone: ``hamlet-bot run`` with only a Zalo token polls a
loopback Zalo Bot API. A hamlet head sends the bare code and reports by typing; a reply
that fails on the wire keeps the report; the same message handed out twice is handled
once; the process stops cleanly on SIGTERM.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.zalo.offline import OFFLINE_TOKEN, Fault, text_update
from tests.loopback_zalo import LoopbackZalo, serving_zalo

pytestmark = pytest.mark.e2e

HEAD = "6ede9afa66b88fe6d6a9"


def _cli() -> list[str]:
    return [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[LoopbackZalo, Path, Path]]:
    with serving_zalo() as zalo:
        database = tmp_path / "bot.sqlite3"
        config = tmp_path / "config.toml"
        config.write_text(
            f'[zalo]\ntoken = "{OFFLINE_TOKEN}"\nbase_url = "{zalo.base_url}"\n'
            f'[database]\nurl = "sqlite:///{database}"\n'
            f'[storage]\nevidence_dir = "{tmp_path / "evidence"}"\n'
        )
        yield zalo, config, database


def _reports(database: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, percent, version FROM report").fetchall()
    return [(str(s), int(p), int(v)) for s, p, v in rows]


def test_the_running_bot_on_zalo_alone(
    setup: tuple[LoopbackZalo, Path, Path], tmp_path: Path
) -> None:
    zalo, config, database = setup
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMLET_BOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    subprocess.run([*_cli(), "--config", str(config), "init"], check=True, capture_output=True)
    printed = subprocess.run(
        [*_cli(), "--config", str(config), "invite", "--role", "hamlet_head",
         "--name", "Phạm Thị Dung", "--unit", "Ấp 1"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    assert "Trên Zalo" in printed
    code = next(line.split()[-1] for line in printed.splitlines() if line.startswith("Mã mời"))
    log = tmp_path / "bot.log"
    with log.open("ab") as output:
        bot = subprocess.Popen(
            [*_cli(), "--config", str(config), "run"], stdout=output, stderr=subprocess.STDOUT,
            env=env,
        )  # fmt: skip
    try:
        zalo.push(text_update(code, HEAD, "Dung"))
        said = zalo.wait_for(HEAD, 2)
        assert "đã được đăng ký" in said[0], log.read_text()

        # The reply to the report fails; the same message comes twice (no offset on Zalo).
        zalo.loop.call_soon_threadsafe(zalo.api.add_fault, Fault.server_error("sendMessage"))
        report = text_update("bao cao 2.1 60 đã niêm yết", HEAD, "Dung", message_id="m-report")
        zalo.push(report, report, text_update("huong dan", HEAD, "Dung"))
        said = zalo.wait_for(HEAD, 3)
        assert "/baocao" in said[2], said
        assert _reports(database) == [("in_progress", 60, 1)]

        # Typing alone, through the guided steps.
        for typed in ("bao cao", "1", "3", "bo qua", "bo qua"):
            zalo.push(text_update(typed, HEAD, "Dung"))
        said = zalo.wait_for(HEAD, 8)
        assert "Kiểm tra lại báo cáo" in said[-1], said
        zalo.push(text_update("1", HEAD, "Dung"))
        said = zalo.wait_for(HEAD, 9)
        assert "Đã lưu" in said[-1], said
        assert _reports(database)[-1] == ("done", 100, 2)
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            code_out = bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
            code_out = bot.wait()
    text = log.read_text()
    assert code_out == 0, text
    assert "Traceback" not in text, text
