"""A Telegram Bot API on a loopback HTTP port, for stories that run the real bot process.

It answers what a polling bot asks (getMe, getUpdates with long polling and offsets,
sendMessage and friends), keeps every call, and can misbehave on purpose: answer a method
with an error status, or stall it. It runs in a thread of the test process, so what it
recorded survives the bot process being killed.
"""

import itertools
import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 1000000001
TOKEN = f"{BOT_ID}:AAloopbackTestTokenNotForTelegram0"


@dataclass
class Misbehaviour:
    """Answer the next ``count`` calls of ``method`` with ``status`` (after ``delay`` s)."""

    method: str
    status: int
    count: int = 1
    delay: float = 0.0
    retry_after: int | None = None


@dataclass
class LoopbackBotAPI:
    """The server's state: updates waiting for the bot, and what the bot did."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: list[Misbehaviour] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # The highest update id queued so far: a new update comes after it, as on Telegram
    # (a redelivery repeats an id of its own).
    _last_update_id: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)

    # --- what a test does ---------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update (with its own update_id: a redelivery repeats one)."""
        with self._lock:
            self._last_update_id = max(self._last_update_id, update["update_id"])
            self.updates.append(update)
            self._lock.notify_all()

    def private_message(self, user_id: int, text: str, update_id: int | None = None) -> None:
        """A person types ``text`` in their private chat with the bot."""
        self.push(self._text_update(user_id, user_id, "private", text, update_id))

    def group_message(self, user_id: int, chat_id: int, text: str) -> None:
        """A person types ``text`` in a group the bot is in."""
        self.push(self._text_update(user_id, chat_id, "supergroup", text, None))

    def sent_to(self, chat_id: int) -> list[str]:
        """The texts sent to ``chat_id`` that were answered as delivered."""
        with self._lock:
            return [
                str(params.get("text") or params.get("caption") or "")
                for method, params in self.calls
                if method.startswith("send")
                and str(params.get("chat_id")) == str(chat_id)
                and params.get("_delivered")
            ]

    def wait_for(self, chat_id: int, count: int, timeout: float = 30.0) -> list[str]:
        """Wait until ``count`` messages were delivered to ``chat_id``; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            said = self.sent_to(chat_id)
            if len(said) >= count:
                return said
            time.sleep(0.05)
        raise TimeoutError(f"chat {chat_id} got {self.sent_to(chat_id)}, wanted {count}")

    def consumed(self) -> bool:
        """Whether the bot has fetched every update queued."""
        with self._lock:
            return not self.updates

    # --- the server's side --------------------------------------------------------------

    def _text_update(
        self, user_id: int, chat_id: int, chat_type: str, text: str, update_id: int | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": update_id or self._last_update_id + 1, "message": message}

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fault = self._take_fault(method)
        if fault is not None:
            time.sleep(fault.delay)
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": "x"}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            with self._lock:
                self.calls.append((method, params))
            return fault.status, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._lock:
            if method.startswith("send"):
                params["_delivered"] = True
            self.calls.append((method, params))
        if method == "getMe":
            me = {"id": BOT_ID, "is_bot": True, "first_name": "Hamlet", "username": "LoopBot"}
            return 200, {"ok": True, "result": me}
        if method.startswith("send") or method.startswith("edit"):
            chat_id = int(str(params.get("chat_id", 0)))
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "text": str(params.get("text", "")),
            }
            return 200, {"ok": True, "result": message}
        return 200, {"ok": True, "result": True}

    def _take_fault(self, method: str) -> Misbehaviour | None:
        with self._lock:
            for fault in self.faults:
                if fault.method == method and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                # An offset confirms every update before it: Telegram forgets them.
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self._lock.wait(max(0.0, deadline - time.monotonic()))


def _handler(api: LoopbackBotAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            kind = self.headers.get("Content-Type", "")
            if "json" in kind:
                params = json.loads(raw or b"{}")
            elif "x-www-form-urlencoded" in kind:
                params = dict(parse_qsl(raw.decode()))
            else:
                params = {}
            method = self.path.rsplit("/", 1)[-1]
            status, body = api.answer(method, params)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the calls, not an access log."""

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A bot process stopped in the middle of a long poll leaves a broken pipe: not news."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            super().handle_error(request, client_address)


@contextmanager
def serving() -> Iterator[tuple[LoopbackBotAPI, str]]:
    """Run the loopback Bot API; yield it and the ``base_url`` for the bot's settings."""
    api = LoopbackBotAPI()
    server = _QuietServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()
