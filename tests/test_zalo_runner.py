"""The Zalo runner: updates by long polling and by webhook (with its secret), and the
chart's short-lived link, over real sockets and the offline Zalo Bot API.
"""

import asyncio
from dataclasses import replace

import httpx
import pytest

from bot.services import services_of
from bot.zalo.client import ZaloClient
from bot.zalo.offline import OFFLINE_TOKEN, OfflineZaloAPI, text_update, webhook_body
from bot.zalo.runner import ZaloRunner
from bot.zalo.settings import ZaloSettings
from bot.zalo.webhook import SECRET_HEADER
from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e

SECRET = "s3cret-for-the-webhook"


async def _runner(world: World, settings: ZaloSettings) -> tuple[ZaloRunner, OfflineZaloAPI]:
    api = OfflineZaloAPI()
    http = httpx.AsyncClient(transport=api)
    world.closers.append(http.aclose)
    client = ZaloClient(OFFLINE_TOKEN, http=http)
    runner = ZaloRunner(services_of(world.app), settings, client, poll_timeout=0.05)
    await runner.start()
    return runner, api


async def _until(condition: object, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_polling_takes_a_code_and_answers_it(world: World) -> None:
    code = await world.invite(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    runner, api = await _runner(world, ZaloSettings(token=OFFLINE_TOKEN))
    try:
        update = text_update(code, "zalo-user-1", "Dung")
        api.push_update(update, update)  # Zalo hands the same message out twice
        await _until(lambda: api.pending_updates == 0 and api.texts("zalo-user-1"))
        await services_of(world.app).settle()
        await asyncio.sleep(0.1)
        welcomes = [t for t in api.texts("zalo-user-1") if "đã được đăng ký" in t]
        assert len(welcomes) == 1  # handled once
    finally:
        await runner.stop()


async def test_a_webhook_with_a_wrong_or_missing_secret_is_refused(world: World) -> None:
    settings = ZaloSettings(
        token=OFFLINE_TOKEN, mode="webhook", webhook_url="https://bot.example/zalo/webhook",
        webhook_secret=SECRET, webhook_listen="127.0.0.1", webhook_port=0,
    )  # fmt: skip
    code = await world.invite(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    runner, api = await _runner(world, settings)
    try:
        assert api.webhook_url == "https://bot.example/zalo/webhook"  # registered at start
        url = f"http://127.0.0.1:{runner.bound_port}/zalo/webhook"
        body = webhook_body(text_update(code, "zalo-user-2", "Dung"))
        async with httpx.AsyncClient() as http:
            wrong = await http.post(url, content=body, headers={SECRET_HEADER: "guess"})
            missing = await http.post(url, content=body)
            assert (wrong.status_code, missing.status_code) == (403, 403)
            await asyncio.sleep(0.1)
            assert api.texts("zalo-user-2") == []  # not processed
            flat = webhook_body(text_update(code, "zalo-user-2", "Dung"), wrapped=False)
            good = await http.post(url, content=flat, headers={SECRET_HEADER: SECRET})
            assert good.status_code == 200
        await _until(lambda: bool(api.texts("zalo-user-2")))
        assert "đã được đăng ký" in api.texts("zalo-user-2")[0]
    finally:
        await runner.stop()


async def test_the_chart_goes_by_a_short_lived_link_when_public_url_is_set(world: World) -> None:
    settings = ZaloSettings(
        token=OFFLINE_TOKEN, public_url="http://127.0.0.1:1", webhook_listen="127.0.0.1",
        webhook_port=0,
    )  # fmt: skip
    runner, api = await _runner(world, settings)
    try:
        assert runner.channel.links is not None
        runner.channel.links.public_url = f"http://127.0.0.1:{runner.bound_port}"
        await runner.channel.send_photo("zalo-user-3", b"\x89PNG chart", "<b>Biểu đồ</b>")
        photo = api.calls_of("sendPhoto")[-1].params
        assert photo["caption"] == "Biểu đồ"
        link = str(photo["photo"])
        async with httpx.AsyncClient() as http:
            fetched = await http.get(link)
            assert fetched.status_code == 200 and fetched.content == b"\x89PNG chart"
            guessed = await http.get(link[:-10] + "abcdef.png")
            assert guessed.status_code == 404
        world.clock.advance(minutes=11)
        async with httpx.AsyncClient() as http:
            assert (await http.get(link)).status_code == 404  # expired
    finally:
        await runner.stop()


def test_settings_read_the_zalo_section_and_the_token_from_the_environment() -> None:
    from bot.zalo.settings import ZaloSettingsError, zalo_settings

    read = zalo_settings({"mode": "polling"}, {"HAMLET_BOT_ZALO_TOKEN": OFFLINE_TOKEN})
    assert read.token == OFFLINE_TOKEN and read.base_url == "https://bot-api.zaloplatforms.com"
    assert OFFLINE_TOKEN not in repr(read)
    with pytest.raises(ZaloSettingsError):
        zalo_settings({"mode": "webhook", "token": OFFLINE_TOKEN}, {})
    with pytest.raises(ZaloSettingsError):
        zalo_settings({"mode": "push"}, {})
    assert replace(read, mode="webhook").serves_http
