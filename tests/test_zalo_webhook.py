"""The webhook check and the tolerant update parser: wrapped or flat bodies, both spellings
of the image URL and the sender's name, string or number ids."""

import json
from typing import Any

import pytest

from bot.zalo.dedup import update_key
from bot.zalo.offline import image_update, sticker_update, text_update, webhook_body
from bot.zalo.types import ZaloMessage, parse_update
from bot.zalo.webhook import MAX_BODY_BYTES, SECRET_HEADER, check_webhook

SECRET = "mykey-abcxyz-0123"
OK_HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


def docs_sample() -> dict[str, Any]:
    """The webhook body of the Zalo Bot Platform docs (wrapped, display_name)."""
    return {
        "ok": True,
        "result": {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
                "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
                "text": "Xin chào",
                "message_id": "2d758cb5e222177a4e35",
                "date": 1750316131602,
            },
        },
    }


# -- the secret ------------------------------------------------------------------------------


def test_the_right_secret_gives_the_message() -> None:
    message = check_webhook(OK_HEADERS, json.dumps(docs_sample()).encode(), SECRET)
    assert message == ZaloMessage(
        message_id="2d758cb5e222177a4e35",
        chat_id="6ede9afa66b88fe6d6a9",
        user_id="6ede9afa66b88fe6d6a9",
        user_name="Ted",
        text="Xin chào",
        image_url=None,
        event="message.text.received",
        date=1750316131602,
        chat_type="PRIVATE",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong-secret-value"},
        {SECRET_HEADER: SECRET + "x"},
        {SECRET_HEADER: SECRET[:-1]},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET},
    ],
    ids=["missing", "empty", "wrong", "longer", "shorter", "other-header"],
)
def test_a_missing_or_wrong_secret_is_forbidden(headers: dict[str, str]) -> None:
    assert check_webhook(headers, webhook_body(text_update("x")), SECRET) == "forbidden"


def test_no_configured_secret_forbids_everything() -> None:
    assert check_webhook({SECRET_HEADER: ""}, webhook_body(text_update("x")), "") == "forbidden"


def test_the_header_name_is_matched_in_any_case() -> None:
    headers = {"x-bot-api-secret-token": SECRET}
    assert isinstance(check_webhook(headers, webhook_body(text_update("x")), SECRET), ZaloMessage)


def test_a_forbidden_request_is_not_read() -> None:
    # Even a body that is not JSON is refused for its secret first.
    assert check_webhook({}, b"\xff not json", SECRET) == "forbidden"


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{}", b'{"ok": true}'],
    ids=["empty", "text", "bytes", "list", "string", "empty-object", "no-result"],
)
def test_a_body_that_is_no_update_is_none(body: bytes) -> None:
    assert check_webhook(OK_HEADERS, body, SECRET) is None


def test_an_oversized_body_is_none() -> None:
    update = text_update("x" * (MAX_BODY_BYTES + 1))
    assert check_webhook(OK_HEADERS, webhook_body(update), SECRET) is None


# -- wrapped or flat -------------------------------------------------------------------------


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "flat"])
def test_wrapped_and_flat_bodies_read_the_same(wrapped: bool) -> None:
    update = text_update("bao cao 3.4 90", message_id="m-1", name="Lê Văn Cường")
    message = check_webhook(OK_HEADERS, webhook_body(update, wrapped=wrapped), SECRET)
    assert isinstance(message, ZaloMessage)
    assert (message.text, message.message_id, message.user_name) == (
        "bao cao 3.4 90",
        "m-1",
        "Lê Văn Cường",
    )
    assert update_key(message) == "zalo:m-1"


def test_an_ignored_event_is_none() -> None:
    assert check_webhook(OK_HEADERS, webhook_body(sticker_update()), SECRET) is None


# -- the parser ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["photo", "photo_url"])
def test_the_image_url_is_read_from_photo_or_photo_url(field: Any) -> None:
    update = image_update("https://cdn.zalo.example/p.jpg", photo_field=field, caption="biên bản")
    message = parse_update(update)
    assert message is not None
    assert message.image_url == "https://cdn.zalo.example/p.jpg"
    assert message.text == "biên bản"
    assert message.event == "message.image.received"


def test_an_image_without_caption_has_no_text() -> None:
    message = parse_update(image_update("https://cdn.zalo.example/p.jpg"))
    assert message is not None and message.text is None


def test_an_image_url_given_as_an_object_or_sizes_is_read() -> None:
    update = image_update("unused")
    update["message"]["photo"] = {"url": "https://cdn.zalo.example/o.jpg"}
    assert (parse_update(update) or _fail()).image_url == "https://cdn.zalo.example/o.jpg"
    update["message"]["photo"] = [{"url": "https://s/small.jpg"}, {"url": "https://s/big.jpg"}]
    assert (parse_update(update) or _fail()).image_url == "https://s/big.jpg"


def test_an_image_event_without_any_url_is_none() -> None:
    update = image_update("x")
    del update["message"]["photo"]
    assert parse_update(update) is None


@pytest.mark.parametrize("field", ["display_name", "name", "first_name"])
def test_the_name_is_read_from_any_of_its_fields(field: Any) -> None:
    message = parse_update(text_update("x", name="Phạm Thị Dung", name_field=field))
    assert message is not None and message.user_name == "Phạm Thị Dung"


def test_display_name_wins_over_name() -> None:
    update = text_update("x", name="Dung")
    update["message"]["from"]["name"] = "Other"
    assert (parse_update(update) or _fail()).user_name == "Dung"


def test_no_name_is_an_empty_name() -> None:
    update = text_update("x")
    del update["message"]["from"]["display_name"]
    assert (parse_update(update) or _fail()).user_name == ""


def test_number_ids_are_kept_as_text() -> None:
    update = text_update("x")
    update["message"].update(message_id=123456789012345678, date="1750316131602")
    update["message"]["from"]["id"] = 42
    update["message"]["chat"]["id"] = 42
    message = parse_update(update)
    assert message is not None
    assert (message.message_id, message.user_id, message.chat_id) == (
        "123456789012345678",
        "42",
        "42",
    )
    assert message.date == 1750316131602


def test_the_get_updates_sample_without_event_name_is_read() -> None:
    # The getUpdates sample in the docs: no event_name, and the name in first_name.
    result = {
        "message": {
            "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
            "text": "Xin chào",
            "message_id": "16f6366b3f02645a3d15",
            "date": 1766619597466,
            "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
        }
    }
    message = parse_update({"ok": True, "result": result})
    assert message is not None
    assert (message.event, message.text, message.user_name) == (
        "message.text.received",
        "Xin chào",
        "Nguyen Van A",
    )


def test_a_missing_chat_or_sender_falls_back_to_the_other() -> None:
    update = text_update("x", user_id="u-1")
    del update["message"]["chat"]
    assert (parse_update(update) or _fail()).chat_id == "u-1"
    update = text_update("x", user_id="u-2")
    del update["message"]["from"]
    assert (parse_update(update) or _fail()).user_id == "u-2"


@pytest.mark.parametrize(
    "change",
    ["no-message-id", "bool-id", "no-ids", "no-text", "no-message", "voice"],
)
def test_updates_the_bot_cannot_use_are_none(change: str) -> None:
    update = text_update("x")
    message = update["message"]
    if change == "no-message-id":
        del message["message_id"]
    elif change == "bool-id":
        message["message_id"] = True
    elif change == "no-ids":
        del message["from"], message["chat"]
    elif change == "no-text":
        del message["text"]
    elif change == "no-message":
        del update["message"]
    elif change == "voice":
        update["event_name"] = "message.voice.received"
    assert parse_update(update) is None


def test_a_group_message_says_so() -> None:
    message = parse_update(text_update("x", chat_type="GROUP"))
    assert message is not None and message.chat_type == "GROUP"


def _fail() -> ZaloMessage:
    raise AssertionError("no message parsed")
