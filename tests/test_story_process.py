"""The real bot process, polling a loopback Bot API: what a phone sends goes through PTB's
polling loop, not a test's call to ``process_update``. Faults are injected on the wire, the
same update comes twice, a group writes to it, and the process is killed and restarted.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import texts
from tests.loopback import TOKEN, LoopbackBotAPI, Misbehaviour, serving

pytestmark = pytest.mark.e2e

OFFICER = 501
GROUP = -100_777


def _cli() -> list[str]:
    return [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[LoopbackBotAPI, Path, Path]]:
    with serving() as (api, base_url):
        database = tmp_path / "bot.sqlite3"
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\n'
            f'username = "LoopBot"\n[database]\nurl = "sqlite:///{database}"\n'
            f'[storage]\nevidence_dir = "{tmp_path / "evidence"}"\n'
        )
        yield api, config, database


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("HAMLET_BOT_TOKEN", None)
    with log.open("ab") as output:
        return subprocess.Popen(
            [*_cli(), "--config", str(config), "run"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _invite(config: Path) -> str:
    printed = subprocess.run(
        [*_cli(), "--config", str(config), "invite", "--role", "officer",
         "--name", "Lê Văn Cường", "--unit", "Tram y te"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return printed.split("start=", 1)[1].split()[0]


def _reports(database: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, percent, version FROM report").fetchall()
    return [(str(s), int(p), int(v)) for s, p, v in rows]


def _stop(process: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> None:
    process.send_signal(how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_running_bot_survives_faults_duplicates_groups_and_a_kill(
    setup: tuple[LoopbackBotAPI, Path, Path], tmp_path: Path
) -> None:
    api, config, database = setup
    subprocess.run([*_cli(), "--config", str(config), "init"], check=True, capture_output=True)
    code = _invite(config)
    log = tmp_path / "bot.log"
    bot = _start(config, log)
    try:
        api.private_message(OFFICER, f"/start {code}")
        said = api.wait_for(OFFICER, 2)
        assert "đã được đăng ký" in said[0], log.read_text()

        # The reply to the report fails on the wire; the same update arrives twice.
        api.faults.append(Misbehaviour("sendMessage", 502))
        api.private_message(OFFICER, "/baocao 6.2 60 đã lắp 3 máy", update_id=20_000_001)
        api.private_message(OFFICER, "/baocao 6.2 60 đã lắp 3 máy", update_id=20_000_001)
        api.private_message(OFFICER, "/help", update_id=20_000_002)
        said = api.wait_for(OFFICER, 3)
        assert "/baocao" in said[2]
        assert _reports(database) == [("in_progress", 60, 1)]

        # In a group: one note, and no data.
        api.group_message(OFFICER, GROUP, "/tonghop")
        api.group_message(OFFICER, GROUP, "/baocao 6.3 75 làm rồi")
        said = api.wait_for(GROUP, 1)
        time.sleep(1.0)
        assert api.sent_to(GROUP) == [texts.GROUP_NOT_SUPPORTED]
        assert _reports(database) == [("in_progress", 60, 1)]

        # Killed outright; Telegram then delivers the last report again after the restart.
        _stop(bot, signal.SIGKILL)
        api.private_message(OFFICER, "/baocao 6.2 60 đã lắp 3 máy", update_id=20_000_001)
        api.private_message(OFFICER, "/baocao 6.2 80 đã lắp 4 máy", update_id=20_000_010)
        bot = _start(config, log)
        said = api.wait_for(OFFICER, 4)
        assert "80%" in said[3] or "lần 2" in said[3], said
        assert _reports(database) == [("in_progress", 60, 1), ("in_progress", 80, 2)]
    finally:
        _stop(bot)
    assert "Traceback" not in log.read_text()
