"""Telegram by webhook: Telegram POSTs each update to ``[telegram] webhook_path``; this
process's port also answers ``GET /healthz`` and ``GET /metrics``.

Why a small aiohttp server of our own rather than PTB's ``Updater.start_webhook``: PTB's
server is a tornado Application (``WebhookAppClass``) that ``Updater._start_webhook``
builds and binds itself, from the private module ``telegram.ext._utils``; adding /healthz
and /metrics on its port would mean patching private names. PTB documents the other way
(its "customwebhookbot" example): the web framework of one's choice puts
``Update.de_json(...)`` on ``application.update_queue``, and ``Application.start()``
processes the queue exactly as in polling mode. aiohttp is already the Zalo webhook's
server. The rest is PTB's: the ``Update`` parsing, ``Bot.set_webhook`` with the
``secret_token``, and the update processing.

Each request must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to the secret (compared
in constant time), else it gets 403 and is not read. A good request is queued and answered
200 at once. Telegram retries a call it thinks failed: the same update is then handled once,
because handling it claims its update id in the database (``models.updates``), which every
instance on the same database shares.

Start: bind the port first, then ``setWebhook`` (Telegram may call at once). Stop (SIGTERM):
the port stops accepting and the requests in flight finish; then ``Application.stop()``
handles what is queued. ``deleteWebhook`` is *not* called: another instance behind the same
URL may still be serving, and a restarting instance re-registers the same URL anyway. To
go back to polling, start the bot in polling mode: PTB's polling deletes the webhook first.
"""

import asyncio
import hmac
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, ExtBot

from bot.health import TIMEOUT, check_health, outbox_backlog
from bot.metrics import CONTENT_TYPE
from bot.services import Services, services_of
from bot.settings import TelegramSettings

if TYPE_CHECKING:  # aiohttp loads only when the web server starts
    from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a file comes as a file id, never as bytes.
MAX_BODY = 1024 * 1024
# How long requests in flight may take to finish when the server stops.
SHUTDOWN_GRACE = 10.0


class TelegramWebhook:
    """The webhook and the operations endpoints of one process."""

    def __init__(self, application: Application, settings: TelegramSettings) -> None:
        assert settings.webhook_secret is not None
        self.application = application
        self.settings = settings
        self.services: Services = services_of(application)
        self._secret = settings.webhook_secret.encode()
        self._runner: web.AppRunner | None = None
        self._since: datetime = self.services.now()
        self.bound_port: int | None = None

    async def start(self) -> None:
        """Serve, then tell Telegram where to send updates."""
        await self.serve()
        await self.application.bot.set_webhook(
            self.settings.webhook_url, secret_token=self.settings.webhook_secret
        )
        path = self.settings.webhook_path
        log.info("Telegram: webhook on port %s, path %s", self.bound_port, path)

    async def serve(self) -> None:
        """Open the port (without registering the webhook)."""
        from aiohttp import web

        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.settings.webhook_path, self._on_update)
        app.router.add_get("/healthz", self._on_health)
        app.router.add_get("/metrics", self._on_metrics)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self._runner = runner
        self._since = self.services.now()
        sockets = [s for s in runner.addresses if isinstance(s, tuple)]
        self.bound_port = int(sockets[0][1]) if sockets else self.settings.webhook_port

    async def stop(self) -> None:
        """Stop accepting; let the requests in flight finish. The webhook stays set."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_update(self, request: "web.Request") -> "web.Response":
        from aiohttp import web

        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.application.bot)
        except Exception:
            # Not an update: nothing to retry, and nothing about its content in the log.
            log.warning("webhook: a request that is not a Telegram update")
            return web.Response(status=400, text="not an update")
        bot = self.application.bot
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self.application.update_queue.put(update)
        return web.json_response({"ok": True})

    async def _on_health(self, request: "web.Request") -> "web.Response":
        from aiohttp import web

        health = await check_health(self.services, self._since)
        return web.json_response(health.as_json(), status=health.http_status)

    async def _on_metrics(self, request: "web.Request") -> "web.Response":
        from aiohttp import web

        try:
            async with asyncio.timeout(TIMEOUT):
                backlog = await outbox_backlog(self.services)
            self.services.metrics.outbox_backlog.set(backlog)
        except Exception:
            # The last known value stays; /healthz says whether the database is down.
            log.warning("metrics: could not count the outbox", exc_info=True)
        body = self.services.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
