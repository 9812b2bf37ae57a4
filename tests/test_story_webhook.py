"""The real bot process in Telegram webhook mode: Telegram (here the test) POSTs updates to
the bot's port with the secret header; /healthz and /metrics answer on the same port.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.loopback import TOKEN, LoopbackBotAPI, serving

pytestmark = pytest.mark.e2e

SECRET = "webhook-Secret_for-tests"
OFFICER = 601
STRANGER = 602


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli() -> list[str]:
    return [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[LoopbackBotAPI, Path, int]]:
    port = _free_port()
    with serving() as (api, base_url):
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{base_url}"\nusername = "LoopBot"\n'
            f'mode = "webhook"\nwebhook_url = "https://bot.example.vn/tg"\n'
            f'webhook_secret = "{SECRET}"\nwebhook_port = {port}\nwebhook_path = "/tg"\n'
            f'[database]\nurl = "sqlite:///{tmp_path / "bot.sqlite3"}"\n'
            f'[storage]\nevidence_dir = "{tmp_path / "evidence"}"\n'
        )
        yield api, config, port


def _message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def _post(port: int, update: dict[str, Any], secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    url = f"http://127.0.0.1:{port}/tg"
    return httpx.post(url, content=json.dumps(update), headers=headers, timeout=10).status_code


def _wait_until_serving(api: LoopbackBotAPI, port: int, bot: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert bot.poll() is None, "the bot process ended"
        registered = any(method == "setWebhook" for method, _ in api.calls)
        try:
            if registered and httpx.get(f"http://127.0.0.1:{port}/healthz").status_code:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("the webhook did not come up")


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{"):
            head, _, value = line.rpartition(" ")
            found = ",".join(sorted(head[len(name) + 1 : -1].split(",")))
            if found == wanted:
                return float(value)
    raise AssertionError(f"{name}{{{wanted}}} not in the exposition")


def test_webhook_mode_handles_each_update_once_and_refuses_a_wrong_secret(
    setup: tuple[LoopbackBotAPI, Path, int], tmp_path: Path
) -> None:
    api, config, port = setup
    subprocess.run([*_cli(), "--config", str(config), "init"], check=True, capture_output=True)
    printed = subprocess.run(
        [*_cli(), "--config", str(config), "invite", "--role", "officer",
         "--name", "Lê Văn Cường", "--unit", "Tram y te"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    code = printed.split("start=", 1)[1].split()[0]
    log = tmp_path / "bot.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("HAMLET_BOT_TOKEN", None)
    env.pop("HAMLET_BOT_WEBHOOK_SECRET", None)
    with log.open("ab") as output:
        bot = subprocess.Popen(
            [*_cli(), "--config", str(config), "run"], stdout=output, stderr=subprocess.STDOUT,
            env=env,
        )  # fmt: skip
    try:
        _wait_until_serving(api, port, bot)
        registered = [params for method, params in api.calls if method == "setWebhook"]
        assert registered[0]["url"] == "https://bot.example.vn/tg"
        assert registered[0]["secret_token"] == SECRET
        assert SECRET not in log.read_text()

        # A wrong or missing secret: 403, and nothing is handled.
        assert _post(port, _message(30_000_001, STRANGER, "/help"), "wrong") == 403
        assert _post(port, _message(30_000_002, STRANGER, "/help"), None) == 403

        assert _post(port, _message(30_000_003, OFFICER, f"/start {code}")) == 200
        said = api.wait_for(OFFICER, 2)
        assert "đã được đăng ký" in said[0], log.read_text()
        welcome = len(said)

        # Telegram retries a webhook call it thinks failed: the same update, handled once.
        assert _post(port, _message(30_000_004, OFFICER, "/help")) == 200
        assert _post(port, _message(30_000_004, OFFICER, "/help")) == 200
        said = api.wait_for(OFFICER, welcome + 1)
        time.sleep(1.0)
        assert len(api.sent_to(OFFICER)) == welcome + 1, api.sent_to(OFFICER)
        assert "/baocao" in said[-1]
        assert api.sent_to(STRANGER) == []

        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200
        body = health.json()
        assert body["database"] == "ok" and body["status"] == "ok"
        assert isinstance(body["outbox_backlog"], int)
        assert "last_tick" in body

        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        exposition = metrics.text
        # /start, /help and its repeat reached the core (which dropped the repeat); the two
        # refused posts did not.
        handled = _metric(exposition, "hamlet_updates_handled_total", channel="telegram",
                          outcome="ok")  # fmt: skip
        assert handled == 3
        sent = _metric(exposition, "hamlet_replies_total", channel="telegram", outcome="sent")
        assert sent == welcome + 1
        assert "hamlet_handler_seconds_bucket" in exposition
        assert "hamlet_outbox_backlog" in exposition
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            assert bot.wait(timeout=20) == 0, log.read_text()
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait()
    # Another instance may still be serving: stopping leaves the webhook registered.
    assert not any(method == "deleteWebhook" for method, _ in api.calls)
    assert "Traceback" not in log.read_text()
