"""An offline Zalo Bot API: Zalo's side of the conversation, answered from memory.

:class:`OfflineZaloAPI` is an httpx transport. Hand it to the client as
``ZaloClient(token, http=httpx.AsyncClient(transport=api))``. It answers every method the
bot uses the way the published samples do (HTTP 200 and ``ok``; errors as ``ok: false``
with ``error_code``), records each call, queues updates for getUpdates, serves files for
downloads, and misbehaves on demand (see :class:`Fault`).

Where sources disagree it can play either side: ``updates_as_list`` makes getUpdates answer
a list instead of one update, ``empty_poll_status=408`` answers an empty poll with HTTP 408
instead of 200, and :func:`text_update` / :func:`image_update` spell the sender's name and
the image's URL either way.
"""

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx

from bot.zalo.client import MAX_TEXT, text_units

OFFLINE_TOKEN = "1000000001:offline-zalo-token-0123456789abcdef"
OFFLINE_BOT_ID = "1000000001"
OFFLINE_BOT_NAME = "bot.HamletOffline"
_SENDS = {"sendMessage", "sendPhoto", "sendSticker"}


@dataclass
class ApiCall:
    """One Zalo Bot API call as the bot made it, and what it was answered."""

    method: str
    params: dict[str, Any]
    result: Any = None


FaultKind = Literal["status", "api_error", "bad_json", "slow", "network"]


@dataclass
class Fault:
    """What the API does instead of answering the next ``count`` calls of ``method``.

    - ``"status"``: HTTP ``status`` (500 by default) with Zalo's error body. Not delivered.
    - ``"api_error"``: HTTP 200 with ``{"ok": false, "error_code": error_code}``, as Zalo
      reports its errors (429 quota exceeded, 403, 401 …). Not delivered.
    - ``"bad_json"``: HTTP ``status`` (200 by default) with ``body``, which is not JSON.
    - ``"slow"``: delivers, but answers only after ``delay`` seconds.
    - ``"network"``: no answer: raises ``httpx.ConnectError`` (after ``delay``).

    ``count=None`` misbehaves until the fault is removed; ``chat_id`` limits it to one chat.
    """

    method: str
    kind: FaultKind
    count: int | None = 1
    status: int = 500
    error_code: int = 0
    description: str = ""
    delay: float = 0.0
    body: bytes = b"<html>502 Bad Gateway</html>"
    chat_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def server_error(cls, method: str, status: int = 500, count: int | None = 1) -> "Fault":
        """An HTTP 5xx with an error body."""
        return cls(method, "status", count, status=status, description="Internal Server Error")

    @classmethod
    def api_error(
        cls,
        method: str,
        error_code: int,
        description: str = "",
        count: int | None = 1,
        chat_id: str | None = None,
        **extra: Any,
    ) -> "Fault":
        """HTTP 200 with ``ok: false`` and ``error_code`` (``extra`` goes into the body)."""
        text = description or _DESCRIPTIONS.get(error_code, "Error")
        return cls(
            method,
            "api_error",
            count,
            status=200,
            error_code=error_code,
            description=text,
            chat_id=chat_id,
            extra=dict(extra),
        )

    @classmethod
    def bad_json(cls, method: str, status: int = 200, count: int | None = 1) -> "Fault":
        """An answer that is not JSON (a proxy's error page)."""
        return cls(method, "bad_json", count, status=status)

    @classmethod
    def slow(cls, method: str, delay: float, count: int | None = 1) -> "Fault":
        """Delivered, answered ``delay`` seconds late."""
        return cls(method, "slow", count, delay=delay)

    @classmethod
    def network(cls, method: str, delay: float = 0.0, count: int | None = 1) -> "Fault":
        """The connection fails."""
        return cls(method, "network", count, delay=delay)

    def applies_to(self, method: str, chat_id: str | None) -> bool:
        """Whether this fault takes a call of ``method`` for ``chat_id``."""
        if self.method not in (method, "*"):
            return False
        return self.chat_id is None or self.chat_id == chat_id


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    408: "Request timeout",
    429: "Quota exceeded",
}


class OfflineZaloAPI(httpx.AsyncBaseTransport):
    """The Zalo Bot API in memory, for one bot.

    Args:
        token: the token it accepts (others get 401).
        updates_as_list: getUpdates answers every queued update as a list (one update per
            call, as a bare object, otherwise).
        poll_wait: the longest an empty getUpdates waits for an update before answering
            408, whatever timeout the client asked for (keep tests fast).
        empty_poll_status: the HTTP status of the 408 answer: 200 (``ok: false``, as Zalo
            documents its errors) or 408.
    """

    def __init__(
        self,
        token: str = OFFLINE_TOKEN,
        *,
        updates_as_list: bool = False,
        poll_wait: float = 0.05,
        empty_poll_status: int = 200,
    ) -> None:
        self.token = token
        self.updates_as_list = updates_as_list
        self.poll_wait = poll_wait
        self.empty_poll_status = empty_poll_status
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.files: dict[str, bytes] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_updated_at: int | None = None
        self._updates: deque[dict[str, Any]] = deque()
        self._arrived: asyncio.Event | None = None
        self._ids = itertools.count(1)

    # -- what tests use ------------------------------------------------------------------

    def push_update(self, *payloads: dict[str, Any]) -> None:
        """Queue updates (as :func:`text_update` builds them) for getUpdates."""
        self._updates.extend(payloads)
        if self._arrived is not None:
            self._arrived.set()

    @property
    def pending_updates(self) -> int:
        """How many queued updates getUpdates has not handed out yet."""
        return len(self._updates)

    def add_file(self, url: str, content: bytes) -> None:
        """Serve ``content`` at ``url`` (any host) for downloads."""
        self.files[url] = content

    def add_fault(self, fault: Fault) -> Fault:
        """Misbehave as ``fault`` says, before the faults added earlier."""
        self.faults.insert(0, fault)
        return fault

    def sent(self, chat_id: str | None = None) -> list[ApiCall]:
        """The messages delivered (sendMessage, sendPhoto), to ``chat_id`` or to anyone."""
        return [
            call
            for call in self.calls
            if call.method in _SENDS
            and call.result is not None
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: str | None = None) -> list[str]:
        """The texts of the messages delivered."""
        return [str(call.params.get("text", "")) for call in self.sent(chat_id)]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Every call of ``method``, answered or not."""
        return [call for call in self.calls if call.method == method]

    # -- the transport ----------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        path = request.url.path
        if str(request.url) in self.files or not path.startswith("/bot") or path.count("/") < 2:
            return self._file(request)
        token, _, method = path[len("/bot") :].rpartition("/")
        params = _params(request, await request.aread())
        call = ApiCall(method, params)
        self.calls.append(call)
        if token != self.token:
            return _answer_error(401)
        fault = self._take_fault(method, _chat_id(params))
        if fault is not None and fault.kind != "slow":
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return self._misbehave(fault, request)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _answer_error(404, f"Method {method} not found")
        answer: httpx.Response = await handler(call)
        if fault is not None:
            await asyncio.sleep(fault.delay)
        return answer

    def _take_fault(self, method: str, chat_id: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.applies_to(method, chat_id):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _misbehave(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == "network":
            raise httpx.ConnectError(f"connection refused: {request.url}", request=request)
        if fault.kind == "bad_json":
            return httpx.Response(fault.status, content=fault.body)
        if fault.kind == "status":
            return _answer_error(fault.error_code or fault.status, fault.description, fault.status)
        return _answer_error(fault.error_code, fault.description, 200, **fault.extra)

    def _file(self, request: httpx.Request) -> httpx.Response:
        content = self.files.get(str(request.url))
        if content is None:
            return httpx.Response(404, content=b"not found")
        return httpx.Response(
            200, content=content, headers={"content-type": "application/octet-stream"}
        )

    # -- the methods ------------------------------------------------------------------------

    async def _api_getMe(self, call: ApiCall) -> httpx.Response:
        return self._ok(
            call,
            {
                "id": OFFLINE_BOT_ID,
                "account_name": OFFLINE_BOT_NAME,
                "account_type": "BASIC",
                "can_join_groups": False,
            },
        )

    async def _api_getUpdates(self, call: ApiCall) -> httpx.Response:
        if self.webhook_url:
            return _answer_error(400, "Webhook is active: call deleteWebhook to use getUpdates")
        if not self._updates:
            self._arrived = self._arrived or asyncio.Event()
            self._arrived.clear()
            wait = min(_number(call.params.get("timeout"), 30.0), self.poll_wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=wait)
        if not self._updates:
            return _answer_error(408, "Request timeout", self.empty_poll_status)
        if self.updates_as_list:
            result: Any = list(self._updates)
            self._updates.clear()
        else:
            result = self._updates.popleft()
        return self._ok(call, result)

    async def _api_sendMessage(self, call: ApiCall) -> httpx.Response:
        text = call.params.get("text")
        if not call.params.get("chat_id"):
            return _answer_error(400, "chat_id is required")
        if not isinstance(text, str) or not 1 <= text_units(text) <= MAX_TEXT:
            return _answer_error(400, f"text must have 1 to {MAX_TEXT} characters")
        return self._ok(call, self._sent_result())

    async def _api_sendPhoto(self, call: ApiCall) -> httpx.Response:
        photo = call.params.get("photo")
        caption = call.params.get("caption")
        if not call.params.get("chat_id"):
            return _answer_error(400, "chat_id is required")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return _answer_error(400, "photo must be a URL")
        if caption is not None and (
            not isinstance(caption, str) or not 1 <= text_units(caption) <= MAX_TEXT
        ):
            return _answer_error(400, f"caption must have 1 to {MAX_TEXT} characters")
        return self._ok(call, self._sent_result())

    async def _api_sendChatAction(self, call: ApiCall) -> httpx.Response:
        if call.params.get("action") not in ("typing", "upload_photo"):
            return _answer_error(400, "unknown action")
        call.result = True
        return _json(200, {"ok": True})

    async def _api_setWebhook(self, call: ApiCall) -> httpx.Response:
        url = call.params.get("url")
        secret = call.params.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://"):
            return _answer_error(400, "url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _answer_error(400, "secret_token must have 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = _now_ms()
        return self._ok(call, self._webhook())

    async def _api_deleteWebhook(self, call: ApiCall) -> httpx.Response:
        self.webhook_url, self.webhook_secret = "", ""
        self.webhook_updated_at = _now_ms()
        return self._ok(call, self._webhook())

    async def _api_getWebhookInfo(self, call: ApiCall) -> httpx.Response:
        return self._ok(call, self._webhook())

    def _webhook(self) -> dict[str, Any]:
        return {"url": self.webhook_url, "updated_at": self.webhook_updated_at or _now_ms()}

    def _sent_result(self) -> dict[str, Any]:
        return {"message_id": f"{next(self._ids):020x}", "date": _now_ms()}

    @staticmethod
    def _ok(call: ApiCall, result: Any) -> httpx.Response:
        call.result = result
        return _json(200, {"ok": True, "result": result})


# -- payloads ------------------------------------------------------------------------------


def new_message_id() -> str:
    """A message id shaped like Zalo's: 20 hex digits."""
    return secrets.token_hex(10)


def text_update(
    text: str,
    user_id: str = "6ede9afa66b88fe6d6a9",
    name: str = "Nguyễn Văn An",
    *,
    message_id: str | None = None,
    name_field: Literal["display_name", "name", "first_name"] = "display_name",
    date: int | None = None,
    chat_type: str = "PRIVATE",
) -> dict[str, Any]:
    """A text message update as getUpdates answers it (the webhook body's ``result``)."""
    return _update(
        "message.text.received",
        {"text": text},
        user_id,
        name,
        message_id,
        name_field,
        date,
        chat_type,
    )


def image_update(
    url: str,
    user_id: str = "6ede9afa66b88fe6d6a9",
    name: str = "Nguyễn Văn An",
    *,
    caption: str | None = None,
    message_id: str | None = None,
    photo_field: Literal["photo", "photo_url"] = "photo",
    name_field: Literal["display_name", "name", "first_name"] = "display_name",
    date: int | None = None,
    chat_type: str = "PRIVATE",
) -> dict[str, Any]:
    """An image message update; the URL in ``photo`` or ``photo_url``."""
    content: dict[str, Any] = {photo_field: url}
    if caption is not None:
        content["caption"] = caption
    return _update(
        "message.image.received", content, user_id, name, message_id, name_field, date, chat_type
    )


def sticker_update(user_id: str = "6ede9afa66b88fe6d6a9", name: str = "An") -> dict[str, Any]:
    """A sticker update (the bot ignores these)."""
    return _update(
        "message.sticker.received",
        {"sticker": "0e078a2fb66a5f34067b", "url": "https://zalo.example/sticker.png"},
        user_id,
        name,
        None,
        "display_name",
        None,
        "PRIVATE",
    )


def webhook_body(update: Mapping[str, Any], *, wrapped: bool = True) -> bytes:
    """The body Zalo POSTs for ``update``: wrapped in ``{"ok": true, "result": ...}``, or flat."""
    payload = {"ok": True, "result": dict(update)} if wrapped else dict(update)
    return json.dumps(payload, ensure_ascii=False).encode()


def _update(
    event: str,
    content: dict[str, Any],
    user_id: str,
    name: str,
    message_id: str | None,
    name_field: str,
    date: int | None,
    chat_type: str,
) -> dict[str, Any]:
    return {
        "event_name": event,
        "message": {
            "from": {"id": user_id, name_field: name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": chat_type},
            **content,
            "message_id": message_id or new_message_id(),
            "date": date if date is not None else _now_ms(),
        },
    }


# -- helpers -------------------------------------------------------------------------------


def _params(request: httpx.Request, content: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.url.params)
    if content:
        kind = request.headers.get("content-type", "")
        if "json" in kind:
            try:
                body = json.loads(content)
            except ValueError:
                body = {}
            if isinstance(body, dict):
                params.update(body)
        elif "x-www-form-urlencoded" in kind:
            params.update(parse_qsl(content.decode()))
    return params


def _chat_id(params: Mapping[str, Any]) -> str | None:
    value = params.get("chat_id")
    return str(value) if value is not None else None


def _number(value: object, default: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _now_ms() -> int:
    return int(time.time() * 1000)


def _json(status: int, payload: Mapping[str, Any]) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"content-type": "application/json"},
    )


def _answer_error(
    error_code: int, description: str = "", status: int = 200, **extra: Any
) -> httpx.Response:
    body = {
        "ok": False,
        "error_code": error_code,
        "description": description or _DESCRIPTIONS.get(error_code, "Error"),
        **extra,
    }
    return _json(status, body)
