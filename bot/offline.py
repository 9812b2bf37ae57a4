"""An offline Bot API: the Telegram server's side, answered from memory.

It is PTB's own extension point, a :class:`telegram.request.BaseRequest` subclass, handed to
the real Application through ``build_application(settings, request=...)``. The offline
console and the tests use it; it records every call, can hold files for download, and can
misbehave on demand, per method and optionally per chat (see :class:`Fault`): an error
status (403, 429 with ``retry_after``, 500, 502), a body that is not JSON, an answer that
comes late, or no answer at all.
"""

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

OFFLINE_BOT_ID = 1000000001
OFFLINE_BOT_USERNAME = "HamletOfflineBot"
_SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "copyMessage"}


@dataclass
class ApiCall:
    """One Bot API call as the bot made it."""

    method: str
    params: dict[str, Any]
    result: Any = None
    # Uploaded files (a photo or document the bot sent): file name -> content.
    files: dict[str, bytes] = field(default_factory=dict)


FaultKind = Literal["status", "bad_json", "slow", "hang"]


@dataclass
class Fault:
    """What the API does instead of answering the next ``count`` calls of ``method``.

    ``kind`` says how it misbehaves:

    - ``"status"``: answers ``status`` with Telegram's error body (``description``, and
      ``retry_after`` for a 429). The call is not delivered.
    - ``"bad_json"``: answers ``status`` (200 by default) with ``body``, which is not JSON
      (a proxy's error page). Not delivered.
    - ``"slow"``: delivers (the call has its result, so the phone sees the message) but
      answers only after ``delay`` seconds.
    - ``"hang"``: never answers; after ``delay`` seconds raises
      :class:`telegram.error.TimedOut`, as a read timeout would. Not delivered.

    ``count=None`` misbehaves on every call until the fault is removed. ``chat_id`` limits
    the fault to calls for that chat. The constructors below read better than the fields:
    ``Fault.server_error("sendMessage", 502)``, ``Fault.hang("sendMessage", 0.5)``.
    """

    method: str
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    count: int | None = 1
    kind: FaultKind = "status"
    delay: float = 0.0
    chat_id: int | None = None
    body: bytes = b""

    @classmethod
    def server_error(
        cls, method: str, status: int = 500, *, count: int | None = 1, chat_id: int | None = None
    ) -> "Fault":
        """A 5xx answer with an error body (500 "Internal Server Error", 502 "Bad Gateway")."""
        description = HTTPStatus(status).phrase
        return cls(method, status, description, count=count, chat_id=chat_id)

    @classmethod
    def bad_json(
        cls,
        method: str,
        body: bytes = b"<html>bad gateway</html>",
        status: int = 200,
        *,
        count: int | None = 1,
        chat_id: int | None = None,
    ) -> "Fault":
        """An answer whose body is not JSON (by default a 200 carrying an HTML page)."""
        return cls(method, status, count=count, kind="bad_json", chat_id=chat_id, body=body)

    @classmethod
    def forbidden(
        cls,
        method: str,
        description: str = "Forbidden: bot was blocked by the user",
        *,
        count: int | None = 1,
        chat_id: int | None = None,
    ) -> "Fault":
        """A 403: the user blocked the bot (or the bot may not write there)."""
        return cls(method, 403, description, count=count, chat_id=chat_id)

    @classmethod
    def rate_limited(
        cls, method: str, retry_after: int, *, count: int | None = 1, chat_id: int | None = None
    ) -> "Fault":
        """A 429 asking to wait ``retry_after`` seconds."""
        description = f"Too Many Requests: retry after {retry_after}"
        return cls(method, 429, description, retry_after, count, chat_id=chat_id)

    @classmethod
    def slow(
        cls, method: str, seconds: float, *, count: int | None = 1, chat_id: int | None = None
    ) -> "Fault":
        """Delivered, but the answer comes only after ``seconds``."""
        return cls(method, 200, "", count=count, kind="slow", delay=seconds, chat_id=chat_id)

    @classmethod
    def hang(
        cls, method: str, seconds: float, *, count: int | None = 1, chat_id: int | None = None
    ) -> "Fault":
        """No answer: :class:`telegram.error.TimedOut` after ``seconds``; not delivered."""
        return cls(method, 200, "", count=count, kind="hang", delay=seconds, chat_id=chat_id)

    def applies_to(self, method: str, chat_id: int | None) -> bool:
        """Whether this fault (not yet used up) takes a call of ``method`` to ``chat_id``."""
        if self.method != method or (self.count is not None and self.count <= 0):
            return False
        return self.chat_id is None or self.chat_id == chat_id


class OfflineBotAPI(BaseRequest):
    """The Bot API in memory. ``calls`` is everything the bot asked, in order."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.files: dict[str, bytes] = {}
        self.blocked_chats: set[int] = set()
        self.faults: list[Fault] = []
        self.pending_updates: list[dict[str, Any]] = []
        self._message_ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        """No network: nothing to wait for."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def next_message_id(self) -> int:
        """A message id no other message in this API has."""
        return next(self._message_ids)

    def add_file(self, file_id: str, content: bytes) -> None:
        """Hold a file that a user "sent", so the bot can getFile and download it."""
        self.files[file_id] = content

    def sent(self, chat_id: int | None = None) -> list[ApiCall]:
        """The messages sent (to ``chat_id``, if given), in order."""
        return [
            call
            for call in self.calls
            if call.method in _SENDS
            and (chat_id is None or int(str(call.params.get("chat_id", 0))) == chat_id)
        ]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call (or one file download) as Telegram would."""
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            if file_id in self.files:
                return 200, self.files[file_id]
            return 404, b"Not Found"
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        call = ApiCall(api_method, params)
        if request_data is not None and request_data.contains_files:
            for filename, content, *_ in request_data.multipart_data.values():
                data = content if isinstance(content, bytes) else content.read()
                call.files[str(filename)] = data
        self.calls.append(call)
        call.result = None  # stays None unless delivered: the phone never sees the call
        chat_id = _chat_id(params)
        fault = self._take_fault(api_method, chat_id)
        if fault is not None and fault.kind == "status":
            return fault.status, _error(fault.status, fault.description, fault.retry_after)
        if fault is not None and fault.kind == "bad_json":
            return fault.status, fault.body
        if fault is not None and fault.kind == "hang":
            await asyncio.sleep(fault.delay)
            raise TimedOut(f"Timed out: no answer to {api_method} in {fault.delay:g} s")
        if api_method in _SENDS and chat_id in self.blocked_chats:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        answer = getattr(self, f"_api_{api_method}", None)
        call.result = await answer(params) if answer else True
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)  # delivered already; only the answer is late
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.applies_to(method, chat_id):
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._me(),
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    @staticmethod
    def _me() -> dict[str, Any]:
        return {
            "id": OFFLINE_BOT_ID,
            "is_bot": True,
            "first_name": "Hamlet Bot (offline)",
            "username": OFFLINE_BOT_USERNAME,
        }

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._me(), "can_join_groups": True, "supports_inline_queries": False}

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text=params.get("text", ""))

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = {"file_id": "sent-photo", "file_unique_id": "sent", "width": 1, "height": 1}
        return self._message(params, photo=[photo], caption=params.get("caption", ""))

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "sent-document", "file_unique_id": "sent-doc"}
        return self._message(params, document=document, caption=params.get("caption", ""))

    async def _api_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        return self._message(params, location=location)

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params, text=params.get("text", ""))
        message["message_id"] = int(params["message_id"])
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params, text="")
        message["message_id"] = int(params["message_id"])
        return message

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        content = self.files.get(file_id, b"")
        return {
            "file_id": file_id,
            "file_unique_id": file_id[:16],
            "file_size": len(content),
            "file_path": file_id,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0))
        ready = [u for u in self.pending_updates if u["update_id"] >= offset]
        if not ready:
            await asyncio.sleep(0.05)
        return ready


def _chat_id(params: dict[str, Any]) -> int | None:
    """The numeric chat a call is for (``None`` for calls without one, or a @username)."""
    try:
        return int(str(params["chat_id"]))
    except (KeyError, ValueError):
        return None


def _error(status: int, description: str, retry_after: int | None = None) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return json.dumps(body).encode()
