"""The Zalo Bot API client against the offline Zalo API: every documented quirk."""

import asyncio
import json
import logging
import time
import unicodedata
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.zalo.client import (
    MAX_TEXT,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloTooLarge,
    ZaloUnauthorized,
    split_text,
    text_units,
)
from bot.zalo.dedup import CHANNEL, update_key
from bot.zalo.offline import (
    OFFLINE_TOKEN,
    Fault,
    OfflineZaloAPI,
    image_update,
    sticker_update,
    text_update,
)
from models.updates import claim_update
from tests.helpers import DEFAULT_NOW

CHAT = "6ede9afa66b88fe6d6a9"


@pytest.fixture
def api() -> OfflineZaloAPI:
    return OfflineZaloAPI()


@pytest.fixture
async def client(api: OfflineZaloAPI) -> AsyncIterator[ZaloClient]:
    async with httpx.AsyncClient(transport=api) as http:
        yield ZaloClient(OFFLINE_TOKEN, http=http)


def client_for(api: OfflineZaloAPI, token: str = OFFLINE_TOKEN) -> ZaloClient:
    return ZaloClient(token, http=httpx.AsyncClient(transport=api))


# -- getMe, getUpdates ------------------------------------------------------------------------


async def test_get_me_checks_the_token(client: ZaloClient, api: OfflineZaloAPI) -> None:
    me = await client.get_me()
    assert (me.id, me.name, me.account_type) == ("1000000001", "bot.HamletOffline", "BASIC")
    assert api.calls[0].method == "getMe"


async def test_a_wrong_token_is_unauthorized(api: OfflineZaloAPI) -> None:
    client = client_for(api, "1000000001:not-the-token-at-all")
    with pytest.raises(ZaloUnauthorized) as caught:
        await client.get_me()
    assert caught.value.code == 401


async def test_requests_go_to_base_url_bot_token_method(api: OfflineZaloAPI) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    http = httpx.AsyncClient(transport=api, event_hooks={"request": [record]})
    client = ZaloClient(OFFLINE_TOKEN, base_url="https://zalo.example/", http=http)
    await client.get_me()
    assert seen == [f"https://zalo.example/bot{OFFLINE_TOKEN}/getMe"]


async def test_get_updates_reads_one_update_per_call(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.push_update(
        text_update("xin chào", message_id="a1"), text_update("3.4 90", message_id="a2")
    )
    first = await client.get_updates(timeout=30)
    second = await client.get_updates(timeout=30)
    assert [m.text for m in first] == ["xin chào"]
    assert [m.text for m in second] == ["3.4 90"]
    assert api.calls_of("getUpdates")[0].params == {"timeout": "30"}


async def test_get_updates_also_reads_a_list(api: OfflineZaloAPI) -> None:
    api.updates_as_list = True
    api.push_update(text_update("một", message_id="b1"), text_update("hai", message_id="b2"))
    messages = await client_for(api).get_updates()
    assert [m.message_id for m in messages] == ["b1", "b2"]


@pytest.mark.parametrize("http_status", [200, 408])
async def test_an_empty_poll_is_an_empty_list(http_status: int) -> None:
    api = OfflineZaloAPI(empty_poll_status=http_status, poll_wait=0.05)
    started = time.monotonic()
    assert await client_for(api).get_updates(timeout=30) == []
    assert 0.04 <= time.monotonic() - started < 5  # waited, but only the offline API's wait


async def test_an_empty_poll_answered_by_description_only_is_empty() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": False, "description": "Request timeout"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    assert await ZaloClient(OFFLINE_TOKEN, http=http).get_updates() == []


async def test_a_message_arriving_during_the_poll_is_answered_at_once() -> None:
    api = OfflineZaloAPI(poll_wait=5.0)
    client = client_for(api)

    async def later() -> None:
        await asyncio.sleep(0.05)
        api.push_update(text_update("đến rồi", message_id="c1"))

    started = time.monotonic()
    messages, _ = await asyncio.gather(client.get_updates(timeout=30), later())
    assert [m.text for m in messages] == ["đến rồi"]
    assert time.monotonic() - started < 2


async def test_updates_the_bot_ignores_are_left_out(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.push_update(sticker_update())
    assert await client.get_updates() == []
    assert api.pending_updates == 0


async def test_an_image_update_carries_its_url(client: ZaloClient, api: OfflineZaloAPI) -> None:
    api.push_update(image_update("https://cdn.zalo.example/a.jpg", photo_field="photo_url"))
    [message] = await client.get_updates()
    assert message.image_url == "https://cdn.zalo.example/a.jpg"
    assert message.event == "message.image.received"


async def test_get_updates_while_a_webhook_is_set_is_an_error(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    await client.set_webhook("https://bot.example/zalo", "secret-123456")
    with pytest.raises(ZaloError) as caught:
        await client.get_updates()
    assert caught.value.code == 400
    await client.delete_webhook()
    assert await client.get_updates(timeout=1) == []


async def test_a_redelivered_message_is_claimed_once(
    client: ZaloClient, api: OfflineZaloAPI, session: AsyncSession
) -> None:
    # No offset, no update_id: the same message can come twice; its id is the key.
    update = text_update("bao cao 3.4 90", message_id="2d758cb5e222177a4e35")
    api.push_update(update, update)
    [first] = await client.get_updates()
    [again] = await client.get_updates()
    assert update_key(first) == update_key(again) == "zalo:2d758cb5e222177a4e35"
    assert await claim_update(session, CHANNEL, update_key(first), DEFAULT_NOW)
    assert not await claim_update(session, CHANNEL, update_key(again), DEFAULT_NOW)


# -- sending ---------------------------------------------------------------------------------


async def test_a_short_message_is_one_message(client: ZaloClient, api: OfflineZaloAPI) -> None:
    ids = await client.send_message(CHAT, "Đã lưu báo cáo.")
    assert len(ids) == 1 and len(ids[0]) == 20
    assert api.texts(CHAT) == ["Đã lưu báo cáo."]


async def test_a_long_text_is_split_at_lines(client: ZaloClient, api: OfflineZaloAPI) -> None:
    lines = [f"{i:03d} Ấp {i % 9 + 1}: " + "x" * 40 for i in range(100)]
    text = "\n".join(lines)
    assert 5000 <= len(text) < 5200
    ids = await client.send_message(CHAT, text)
    sent = api.texts(CHAT)
    assert len(ids) == len(sent) == 3
    assert all(text_units(part) <= MAX_TEXT for part in sent)
    assert "\n".join(sent) == text
    assert all(part.split("\n")[0] in lines for part in sent)  # each starts on a whole line


async def test_a_long_single_line_is_split_at_spaces(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    words = [f"từ{i}" for i in range(1000)]
    line = " ".join(words)[:4500]
    await client.send_message(CHAT, line)
    sent = api.texts(CHAT)
    assert len(sent) == 3
    assert all(len(part) <= MAX_TEXT for part in sent)
    assert "".join(sent) == line
    assert all(part.endswith(" ") for part in sent[:-1])  # no word is cut


async def test_a_line_without_spaces_is_cut_hard(client: ZaloClient, api: OfflineZaloAPI) -> None:
    line = "a" * 4500
    await client.send_message(CHAT, line)
    assert [len(part) for part in api.texts(CHAT)] == [2000, 2000, 500]


async def test_characters_outside_the_bmp_count_twice(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    line = "👍" * 1500  # 3,000 UTF-16 units
    await client.send_message(CHAT, line)
    sent = api.texts(CHAT)
    assert len(sent) == 2 and all(text_units(part) <= MAX_TEXT for part in sent)
    assert "".join(sent) == line


def test_a_hard_cut_never_separates_a_letter_from_its_marks() -> None:
    line = unicodedata.normalize("NFD", "ệ") * 1000  # e + two combining marks, 3,000 chars
    parts = split_text(line)
    assert "".join(parts) == line
    assert all(not unicodedata.combining(part[0]) for part in parts)


def test_blank_lines_at_a_cut_and_blank_texts_are_dropped() -> None:
    assert split_text("\n\n  \n") == []
    parts = split_text("a" * 1999 + "\n\n\n" + "b")
    assert parts == ["a" * 1999, "b"]


async def test_an_empty_text_is_a_programming_error(client: ZaloClient) -> None:
    with pytest.raises(ValueError, match="text"):
        await client.send_message(CHAT, "  \n ")


async def test_the_offline_api_refuses_over_2000_like_zalo(api: OfflineZaloAPI) -> None:
    async with httpx.AsyncClient(transport=api) as http:
        response = await http.post(
            f"https://bot-api.zaloplatforms.com/bot{OFFLINE_TOKEN}/sendMessage",
            json={"chat_id": CHAT, "text": "x" * 2001},
        )
    assert response.status_code == 200
    assert response.json()["ok"] is False and response.json()["error_code"] == 400
    assert api.sent() == []


async def test_a_failure_part_way_raises_after_the_first_part_went() -> None:
    text = "a" * 1500 + "\n" + "b" * 1500
    sent_first = False

    def fail_the_second(request: httpx.Request) -> httpx.Response:
        nonlocal sent_first
        if not sent_first:
            sent_first = True
            return httpx.Response(200, json={"ok": True, "result": {"message_id": "m1"}})
        return httpx.Response(200, json={"ok": False, "error_code": 429})

    http = httpx.AsyncClient(transport=httpx.MockTransport(fail_the_second))
    with pytest.raises(ZaloRateLimited):
        await ZaloClient(OFFLINE_TOKEN, http=http).send_message(CHAT, text)
    assert sent_first


async def test_a_photo_goes_by_url_with_its_caption(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    ids = await client.send_photo(CHAT, "https://bot.example/c/abc.png", "Biểu đồ quý 3")
    assert len(ids) == 1
    [call] = api.sent(CHAT)
    assert call.method == "sendPhoto"
    assert call.params == {
        "chat_id": CHAT,
        "photo": "https://bot.example/c/abc.png",
        "caption": "Biểu đồ quý 3",
    }


async def test_a_caption_too_long_follows_the_photo_as_text(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    caption = "\n".join(["dòng " + "y" * 95] * 30)  # 3,029 characters
    ids = await client.send_photo(CHAT, "https://bot.example/c/abc.png", caption)
    sent = api.sent(CHAT)
    assert len(ids) == len(sent) == 3
    assert sent[0].method == "sendPhoto" and "caption" not in sent[0].params
    assert "\n".join(call.params["text"] for call in sent[1:]) == caption


async def test_chat_action_and_webhook_methods(client: ZaloClient, api: OfflineZaloAPI) -> None:
    await client.send_chat_action(CHAT)
    assert api.calls_of("sendChatAction")[0].params == {"chat_id": CHAT, "action": "typing"}
    info = await client.set_webhook("https://bot.example/zalo", "s3cret-token")
    assert info.url == "https://bot.example/zalo" and info.updated_at
    assert api.webhook_secret == "s3cret-token"
    assert (await client.get_webhook_info()).url == "https://bot.example/zalo"
    assert (await client.delete_webhook()).url == ""
    assert (await client.get_webhook_info()).url == ""


async def test_a_webhook_secret_must_have_8_to_256_characters(client: ZaloClient) -> None:
    with pytest.raises(ValueError, match="8 to 256"):
        await client.set_webhook("https://bot.example/zalo", "short")


# -- errors ----------------------------------------------------------------------------------


async def test_quota_exceeded_is_a_rate_limit(client: ZaloClient, api: OfflineZaloAPI) -> None:
    api.add_fault(Fault.api_error("sendMessage", 429))
    with pytest.raises(ZaloRateLimited) as caught:
        await client.send_message(CHAT, "nhắc việc")
    assert caught.value.code == 429 and caught.value.retry_after is None
    assert api.sent() == []


async def test_a_rate_limit_keeps_retry_after_when_zalo_gives_one(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.add_fault(Fault.api_error("sendMessage", 429, parameters={"retry_after": 7}))
    with pytest.raises(ZaloRateLimited) as caught:
        await client.send_message(CHAT, "nhắc việc")
    assert caught.value.retry_after == 7.0


async def test_403_is_forbidden(client: ZaloClient, api: OfflineZaloAPI) -> None:
    api.add_fault(Fault.api_error("sendMessage", 403, chat_id=CHAT))
    with pytest.raises(ZaloForbidden):
        await client.send_message(CHAT, "nhắc việc")
    await client.send_message("someone-else", "vẫn gửi được")  # the fault was for one chat


async def test_an_http_error_status_with_zalo_body_is_read_by_its_code(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.add_fault(Fault("sendMessage", "status", status=429, error_code=429))
    with pytest.raises(ZaloRateLimited):
        await client.send_message(CHAT, "x")


@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error("sendMessage", 500),
        Fault.server_error("sendMessage", 502),
        Fault.bad_json("sendMessage"),
        Fault.bad_json("sendMessage", status=502),
        Fault.network("sendMessage"),
    ],
    ids=["500", "502", "bad-json", "502-html", "network"],
)
async def test_network_troubles_are_network_errors(
    client: ZaloClient, api: OfflineZaloAPI, fault: Fault
) -> None:
    api.add_fault(fault)
    with pytest.raises(ZaloNetworkError):
        await client.send_message(CHAT, "x")


async def test_ok_false_with_http_200_is_an_error(client: ZaloClient, api: OfflineZaloAPI) -> None:
    api.add_fault(Fault.api_error("getMe", 404, "Not found"))
    with pytest.raises(ZaloError) as caught:
        await client.get_me()
    assert caught.value.code == 404
    assert not isinstance(caught.value, ZaloNetworkError | ZaloForbidden | ZaloRateLimited)


async def test_a_body_without_ok_is_not_trusted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": {"message_id": "x"}})

    client = ZaloClient(
        OFFLINE_TOKEN, http=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(ZaloNetworkError):
        await client.send_message(CHAT, "x")


async def test_a_slow_answer_is_still_an_answer(client: ZaloClient, api: OfflineZaloAPI) -> None:
    api.add_fault(Fault.slow("sendMessage", 0.05))
    started = time.monotonic()
    assert len(await client.send_message(CHAT, "chậm")) == 1
    assert time.monotonic() - started >= 0.05


# -- the token never shows ---------------------------------------------------------------------


async def test_the_token_is_not_in_a_network_error(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.add_fault(Fault.network("sendMessage"))  # its message holds the request URL
    with pytest.raises(ZaloNetworkError) as caught:
        await client.send_message(CHAT, "x")
    error = caught.value
    assert "<token>" in str(error)
    assert OFFLINE_TOKEN not in str(error) and OFFLINE_TOKEN not in repr(error)
    assert OFFLINE_TOKEN.split(":")[1] not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


async def test_the_token_is_not_in_an_echoed_description(
    client: ZaloClient, api: OfflineZaloAPI
) -> None:
    api.add_fault(Fault.api_error("getMe", 400, f"bad path /bot{OFFLINE_TOKEN}/getMe"))
    with pytest.raises(ZaloError) as caught:
        await client.get_me()
    assert OFFLINE_TOKEN not in caught.value.description
    assert "/bot<token>/getMe" in caught.value.description


async def test_the_token_is_not_in_httpx_logs(
    client: ZaloClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="httpx")
    await client.get_me()
    logged = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert logged and any("/bot<token>/getMe" in line for line in logged)
    assert not any(OFFLINE_TOKEN in line for line in logged)


# -- downloads --------------------------------------------------------------------------------


async def test_an_image_is_downloaded(client: ZaloClient, api: OfflineZaloAPI) -> None:
    url = "https://cdn.zalo.example/photo/1.jpg"
    api.add_file(url, b"\xff\xd8 jpeg")
    assert await client.download(url) == b"\xff\xd8 jpeg"


async def test_a_download_over_the_cap_is_refused(client: ZaloClient, api: OfflineZaloAPI) -> None:
    url = "https://cdn.zalo.example/photo/big.jpg"
    api.add_file(url, b"x" * 2048)
    with pytest.raises(ZaloTooLarge):
        await client.download(url, max_bytes=1024)


async def test_a_download_without_content_length_is_capped_while_reading() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 512

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = ZaloClient(OFFLINE_TOKEN, http=http)
    with pytest.raises(ZaloTooLarge):
        await client.download("https://cdn.zalo.example/stream.jpg", max_bytes=1024)


async def test_a_missing_file_is_an_error(client: ZaloClient) -> None:
    with pytest.raises(ZaloError) as caught:
        await client.download("https://cdn.zalo.example/none.jpg")
    assert caught.value.code == 404


async def test_only_http_urls_are_downloaded(client: ZaloClient) -> None:
    with pytest.raises(ValueError, match="http"):
        await client.download("file:///etc/passwd")


def test_payload_helpers_use_string_ids() -> None:
    update = text_update("x")
    message = update["message"]
    assert isinstance(message["message_id"], str) and len(message["message_id"]) == 20
    assert isinstance(message["from"]["id"], str) and isinstance(message["chat"]["id"], str)
    assert json.loads(json.dumps(update)) == update
