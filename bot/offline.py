"""An offline Bot API: the Telegram server's side, answered from memory.

It is PTB's own extension point, a :class:`telegram.request.BaseRequest` subclass, handed to
the real Application through ``build_application(settings, request=...)``. The offline
console and the tests use it; it records every call, can hold files for download, and can
answer 429 (with ``retry_after``) or 403 (the user blocked the bot) on demand.
"""

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Fault:
    """An error to answer instead of the next ``count`` calls of ``method``."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    count: int = 1


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
        call.result = None
        fault = self._take_fault(api_method)
        if fault is not None:
            return fault.status, _error(fault.status, fault.description, fault.retry_after)
        if api_method in _SENDS and int(str(params.get("chat_id", 0))) in self.blocked_chats:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        answer = getattr(self, f"_api_{api_method}", None)
        call.result = await answer(params) if answer else True
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.count > 0:
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


def _error(status: int, description: str, retry_after: int | None = None) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return json.dumps(body).encode()
