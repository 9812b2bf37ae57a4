"""Running the bot on Zalo: updates by long polling or by webhook, each handed to the one
conversation core; and, when configured, the web server for the webhook and the chart's
short-lived links.

Polling: getUpdates answers one message at a time and an empty poll with 408 (normal, no
back-off). Network trouble backs off from 1 s to 30 s; a wrong token stops Zalo (and says
so) without stopping Telegram.

Webhook: setWebhook registers ``webhook_url`` with the secret at start. A request without
the secret header, or with another secret, gets 403 and is not read. A good request is
answered 200 at once and handled in the background: Zalo does not wait on the bot's work,
and a retried request is handled once (its message id is claimed with the work).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.services import Services
from bot.zalo.channel import PHOTO_PATH, PhotoLinks, ZaloChannel, incoming_from
from bot.zalo.client import ZaloClient, ZaloError, ZaloNetworkError, ZaloUnauthorized
from bot.zalo.settings import ZaloSettings
from bot.zalo.types import ZaloMessage
from bot.zalo.webhook import check_webhook
from handlers.router import handle
from handlers.turn import Turn
from models.accounts import ZALO

if TYPE_CHECKING:  # aiohttp loads only when the web server starts
    from aiohttp import web

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class ZaloRunner:
    """Zalo for one process: the channel, and the way updates come in."""

    def __init__(
        self,
        services: Services,
        settings: ZaloSettings,
        client: ZaloClient,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll_timeout: float = 30,
    ) -> None:
        self.services = services
        self.settings = settings
        self.client = client
        self.sleep = sleep
        self.poll_timeout = poll_timeout
        links = PhotoLinks(settings.public_url, services.now) if settings.public_url else None
        self.channel = ZaloChannel(client, links)
        self._poller: asyncio.Task[None] | None = None
        self._site: web.AppRunner | None = None
        self.bound_port: int | None = None

    async def start(self) -> None:
        """Register the channel, then start polling or the webhook (and web server)."""
        self.services.channels[ZALO] = self.channel
        if self.settings.mode == "webhook":
            assert self.settings.webhook_url and self.settings.webhook_secret
            await self.client.set_webhook(self.settings.webhook_url, self.settings.webhook_secret)
        if self.settings.serves_http:
            await self._serve()
        if self.settings.mode == "polling":
            self._poller = asyncio.get_running_loop().create_task(self.poll_forever())

    async def stop(self) -> None:
        """Stop polling and the web server (the client is closed by its owner)."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self._site is not None:
            await self._site.cleanup()

    async def poll_forever(self) -> None:
        """Take updates one by one until cancelled."""
        failures = 0
        while True:
            try:
                messages = await self.client.get_updates(
                    timeout=self.poll_timeout, other_messages=True
                )
            except ZaloUnauthorized:
                log.error("Zalo refused the bot token: Zalo is off until it is replaced")
                return
            except (ZaloNetworkError, ZaloError) as error:
                wait = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.warning("Zalo getUpdates failed (%s); again in %.0f s", error, wait)
                await self.sleep(wait)
                continue
            failures = 0
            for message in messages:
                await self.dispatch(message)

    async def dispatch(self, message: ZaloMessage) -> None:
        """Hand one message to the conversation core."""
        await handle(Turn(incoming_from(message), self.channel, self.services))

    # --- the web server -------------------------------------------------------------------

    def web_app(self) -> web.Application:
        """The webhook and the pictures' links, as an aiohttp application."""
        from aiohttp import web

        app = web.Application(client_max_size=1024 * 1024)
        if self.settings.mode == "webhook":
            app.router.add_post(self.settings.webhook_path, self._on_webhook)
        app.router.add_get(PHOTO_PATH + "{name}", self._on_photo)
        return app

    async def _serve(self) -> None:
        from aiohttp import web

        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self._site = runner
        sockets = [s for s in runner.addresses if isinstance(s, tuple)]
        self.bound_port = int(sockets[0][1]) if sockets else self.settings.webhook_port
        log.info("Zalo web server on port %s", self.bound_port)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        secret = self.settings.webhook_secret or ""
        checked = check_webhook(request.headers, body, secret, other_messages=True)
        if checked == "forbidden":
            return _web().Response(status=403, text="forbidden")
        if checked is not None:
            self.services.start(self.dispatch(checked))
        return _web().json_response({"ok": True})

    async def _on_photo(self, request: web.Request) -> web.Response:
        links = self.channel.links
        data = links.take(request.match_info["name"]) if links is not None else None
        if data is None:
            return _web().Response(status=404)
        return _web().Response(body=data, content_type="image/png")


def _web() -> Any:
    from aiohttp import web

    return web
