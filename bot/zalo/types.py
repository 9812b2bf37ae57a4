"""What the bot needs from a Zalo Bot Platform update, read tolerantly.

The published samples disagree (see API.md): a webhook body may come wrapped as
``{"ok": true, "result": {...}}`` or flat, an image's URL may be in ``photo`` or
``photo_url``, the sender's name in ``display_name``, ``name`` or ``first_name``, and the
getUpdates sample has no ``event_name`` at all. Ids are strings in every sample; numbers are
accepted and kept as text.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"
# The events the bot acts on; the others (stickers, voice, messages Zalo withholds) are
# dropped by parse_update.
HANDLED_EVENTS = frozenset({EVENT_TEXT, EVENT_IMAGE})


@dataclass(frozen=True)
class ZaloMessage:
    """One message a user sent the bot, as the conversation core needs it.

    ``text`` is the text of a text message or the caption of an image; ``image_url`` the
    image's URL (download it with ``ZaloClient.download``). ``date`` is Zalo's timestamp in
    milliseconds since the epoch. ``chat_type`` is ``"PRIVATE"`` or ``"GROUP"`` when Zalo
    says (group chats are a beta the bot does not serve).
    """

    message_id: str
    chat_id: str
    user_id: str
    user_name: str
    text: str | None
    image_url: str | None
    event: str
    date: int | None
    chat_type: str | None = None


@dataclass(frozen=True)
class ZaloBot:
    """The bot's own account, from getMe."""

    id: str
    name: str
    account_type: str | None = None


@dataclass(frozen=True)
class WebhookInfo:
    """The webhook Zalo has on file: ``url`` is empty when there is none."""

    url: str
    updated_at: int | None = None


def unwrap(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The update inside ``payload``: ``result`` of a wrapped body, or the body itself."""
    result = payload.get("result")
    if "ok" in payload and isinstance(result, Mapping):
        return result
    if "event_name" in payload or isinstance(payload.get("message"), Mapping):
        return payload
    return None


def parse_update(
    payload: Mapping[str, Any], *, other_messages: bool = False
) -> ZaloMessage | None:
    """The message in one update, wrapped or flat; None for anything the bot ignores.

    Ignored: events other than text and image (unless ``other_messages``: then a sticker,
    a voice note and the like come back with their event and no text, so the bot can say
    it does not read them), an update with no message id (it could not be de-duplicated),
    an update with no sender or chat, a text message with no text.
    """
    if not isinstance(payload, Mapping):
        return None
    update = unwrap(payload)
    if update is None:
        return None
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    text = _text(message.get("text"))
    image_url = _image_url(message)
    event = update.get("event_name")
    if not isinstance(event, str) or not event:
        # The getUpdates sample in the docs carries no event_name: infer it.
        event = EVENT_IMAGE if image_url else EVENT_TEXT
    other = event not in HANDLED_EVENTS
    if other and not (other_messages and event.startswith("message.")):
        return None
    if other:
        text, image_url = None, None
    elif event == EVENT_IMAGE:
        text = _text(message.get("caption")) or text
        if image_url is None:
            return None
    elif text is None:
        return None
    message_id = _id(message.get("message_id"))
    sender = message.get("from")
    chat = message.get("chat")
    sender = sender if isinstance(sender, Mapping) else {}
    chat = chat if isinstance(chat, Mapping) else {}
    user_id = _id(sender.get("id"))
    chat_id = _id(chat.get("id"))
    # Chats are one to one: in every sample the chat id is the sender's id.
    user_id = user_id or chat_id
    chat_id = chat_id or user_id
    if message_id is None or user_id is None or chat_id is None:
        return None
    chat_type = chat.get("chat_type")
    return ZaloMessage(
        message_id=message_id,
        chat_id=chat_id,
        user_id=user_id,
        user_name=_name(sender),
        text=text,
        image_url=image_url,
        event=event,
        date=_int(message.get("date")),
        chat_type=chat_type if isinstance(chat_type, str) else None,
    )


def _id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _name(sender: Mapping[str, Any]) -> str:
    for key in ("display_name", "name", "first_name"):
        value = sender.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _image_url(message: Mapping[str, Any]) -> str | None:
    for key in ("photo_url", "photo"):
        url = _url_in(message.get(key))
        if url:
            return url
    return None


def _url_in(value: object) -> str | None:
    """A URL given as a string, as ``{"url": ...}``, or as a list of sizes (largest last)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        for key in ("url", "photo_url", "src"):
            url = _url_in(value.get(key))
            if url:
                return url
        return None
    if isinstance(value, list) and value:
        return _url_in(value[-1])
    return None
