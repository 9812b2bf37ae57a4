"""Operations in process: what the metrics count, and /healthz's answers (the database
reachable or not, the outbox backlog, the last tick).
"""

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.app import build_application
from bot.offline import Fault, OfflineBotAPI
from bot.services import services_of
from bot.settings import Settings, TelegramSettings
from bot.webhook import TelegramWebhook
from handlers import router
from models.tables import Role
from scheduler.jobs import tick_job
from scheduler.runner import run_tick
from tests.helpers import World, vn

pytestmark = pytest.mark.e2e

WEBHOOK = TelegramSettings(
    mode="webhook",
    webhook_url="https://bot.example.vn/tg",
    webhook_secret="ops-secret",
    webhook_port=0,
    webhook_path="/tg",
)


def sample(world: World, name: str, **labels: str) -> float:
    value = services_of(world.app).metrics.registry.get_sample_value(name, labels)
    return value or 0.0


async def test_reminders_are_counted_by_channel_and_outcome(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await world.member(Role.OFFICER, "Đỗ Thị Giang", "Giáo dục và Đào tạo")
    world.api.blocked_chats.add(health.user_id)
    moment = vn(2026, 9, 23, 8, 5)
    world.clock.now = moment
    result = await run_tick(services_of(world.app), moment)
    assert result.delivery is not None
    sent, failed = result.delivery.sent, result.delivery.blocked + result.delivery.failed
    assert sent >= 1 and failed >= 1
    labels = {"channel": "telegram"}
    assert sample(world, "hamlet_reminders_total", outcome="sent", **labels) == sent
    assert sample(world, "hamlet_reminders_total", outcome="failed", **labels) == failed


async def test_replies_and_turns_are_counted_and_an_error_is_an_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    handled = sample(world, "hamlet_updates_handled_total", channel="telegram", outcome="ok")
    sent = sample(world, "hamlet_replies_total", channel="telegram", outcome="sent")
    said = await officer.send("/help")
    assert sample(world, "hamlet_updates_handled_total", channel="telegram", outcome="ok") == (
        handled + 1
    )
    assert sample(world, "hamlet_replies_total", channel="telegram", outcome="sent") == (
        sent + len(said)
    )
    assert sample(world, "hamlet_handler_seconds_count", channel="telegram") == handled + 1

    world.api.faults.append(Fault.server_error("sendMessage", 502))
    await officer.send("/help")
    assert sample(world, "hamlet_replies_total", channel="telegram", outcome="failed") == 1

    async def broken(turn: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(router, "_route", broken)
    said = await officer.send("/help")
    assert said, "the member is told about the error"
    assert sample(world, "hamlet_updates_handled_total", channel="telegram", outcome="error") == 1


async def test_healthz_reports_the_backlog_and_the_last_tick(world: World) -> None:
    await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    services = services_of(world.app)
    world.clock.now = vn(2026, 12, 24, 8, 5)
    # A 429 leaves the reminder in the outbox for a later tick.
    world.api.faults.append(Fault("sendMessage", 429, "Too Many Requests: retry after 60", 1))
    webhook = TelegramWebhook(world.app, WEBHOOK)
    await webhook.serve()
    try:
        base = f"http://127.0.0.1:{webhook.bound_port}"
        async with httpx.AsyncClient(base_url=base) as client:
            first = (await client.get("/healthz")).json()
            assert first == {
                "status": "ok", "database": "ok", "last_tick": None, "outbox_backlog": 0
            }  # fmt: skip
            await tick_job(services)
            ticked_at = world.clock.now
            answer = await client.get("/healthz")
            metrics = (await client.get("/metrics")).text
            # Hours later with no tick: the process still answers, but says so.
            world.clock.advance(hours=2)
            late = (await client.get("/healthz")).json()
    finally:
        await webhook.stop()
    assert answer.status_code == 200
    body = answer.json()
    assert body["last_tick"] == ticked_at.isoformat()
    assert body["outbox_backlog"] == 1
    assert "hamlet_outbox_backlog 1.0" in metrics
    assert late["status"] == "degraded" and late["database"] == "ok"


async def test_healthz_answers_503_when_the_database_is_unreachable(
    settings: Settings, tmp_path: Path
) -> None:
    gone = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'bot.sqlite3'}"
    application = build_application(replace(settings, database_url=gone), request=OfflineBotAPI())
    webhook = TelegramWebhook(application, WEBHOOK)
    await webhook.serve()
    try:
        url = f"http://127.0.0.1:{webhook.bound_port}/healthz"
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
            # The metrics still answer: they are what shows the trouble.
            metrics = await client.get(f"http://127.0.0.1:{webhook.bound_port}/metrics")
    finally:
        await webhook.stop()
        await services_of(application).engine.dispose()
    assert answer.status_code == 503
    assert answer.json()["database"] == "error"
    assert answer.json()["status"] == "degraded"
    assert answer.json()["outbox_backlog"] is None
    assert metrics.status_code == 200
