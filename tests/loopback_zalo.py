"""The offline Zalo Bot API on a loopback HTTP port, for stories that run the real bot
process with Zalo: the same fake the in-process stories use (:class:`OfflineZaloAPI`),
served over HTTP from a thread of the test process by aiohttp.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from aiohttp import web

from bot.zalo.offline import OfflineZaloAPI


class LoopbackZalo:
    """The fake API, its event loop (in a thread), and ways to use it from the test."""

    def __init__(self) -> None:
        self.api = OfflineZaloAPI(poll_wait=0.5)
        self.loop = asyncio.new_event_loop()
        self.base_url = ""

    def push(self, *payloads: dict[str, Any]) -> None:
        """Queue updates for getUpdates (thread-safe)."""
        self.loop.call_soon_threadsafe(self.api.push_update, *payloads)

    def texts(self, chat_id: str) -> list[str]:
        """What the bot has sent ``chat_id`` so far."""
        return list(self.api.texts(chat_id))

    def wait_for(self, chat_id: str, count: int, timeout: float = 30.0) -> list[str]:
        """Wait until the bot has sent ``chat_id`` at least ``count`` messages."""
        waited = 0.0
        while waited < timeout:
            said = self.texts(chat_id)
            if len(said) >= count:
                return said
            threading.Event().wait(0.05)
            waited += 0.05
        raise AssertionError(f"only {self.texts(chat_id)} after {timeout} s")

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        forwarded = httpx.Request(
            request.method, str(request.url), headers=dict(request.headers), content=body
        )
        answer = await self.api.handle_async_request(forwarded)
        content = await answer.aread()
        return web.Response(
            status=answer.status_code,
            body=content,
            content_type=answer.headers.get("content-type", "application/json").split(";")[0],
        )

    async def _start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
        self.base_url = f"http://127.0.0.1:{port}"
        return runner


@contextmanager
def serving_zalo() -> Iterator[LoopbackZalo]:
    """Serve the fake Zalo API for the duration of the block."""
    zalo = LoopbackZalo()
    thread = threading.Thread(target=zalo.loop.run_forever, daemon=True)
    thread.start()
    runner = asyncio.run_coroutine_threadsafe(zalo._start(), zalo.loop).result(10)
    try:
        yield zalo
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), zalo.loop).result(10)
        zalo.loop.call_soon_threadsafe(zalo.loop.stop)
        thread.join(5)
        zalo.loop.close()
