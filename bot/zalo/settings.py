"""The ``[zalo]`` settings: the bot token, where the API is, and how updates arrive.

``$HAMLET_BOT_ZALO_TOKEN`` overrides the file's token. With no token, Zalo is off.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Where the Zalo Bot Platform API is (the client's default too). Kept here, not in the
# client: reading the settings must not load the HTTP client.
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"

# Zalo Bot Platform tokens are "<bot id>:<secret>".
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{10,200}$")
_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")


class ZaloSettingsError(ValueError):
    """A ``[zalo]`` value is wrong (the message names the key, never a secret)."""


@dataclass(frozen=True)
class ZaloSettings:
    """``[zalo]``: token, base_url, mode ("polling" or "webhook") and the webhook's
    address; ``public_url`` is where this bot's web server is reached from outside (the
    chart is sent as a photo only when it is set).
    """

    token: str | None = None
    base_url: str = DEFAULT_BASE_URL
    mode: str = "polling"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = "/zalo/webhook"
    public_url: str | None = None

    @property
    def serves_http(self) -> bool:
        """Whether the bot runs a web server: for the webhook, or for the chart's link."""
        return self.token is not None and (self.mode == "webhook" or self.public_url is not None)

    def __repr__(self) -> str:
        # Never let the token or the secret reach a log line through a repr.
        return (
            f"ZaloSettings(token=<{'set' if self.token else 'none'}>, mode={self.mode!r}, "
            f"base_url={self.base_url!r}, public_url={self.public_url!r})"
        )


def zalo_settings(section: Mapping[str, Any], env: Mapping[str, str]) -> ZaloSettings:
    """Read and check ``[zalo]``."""

    def text(key: str) -> str | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ZaloSettingsError(f"[zalo] {key} must be a string")
        return value.strip() or None

    token = env.get("HAMLET_BOT_ZALO_TOKEN", "").strip() or text("token")
    if token is not None and not _TOKEN.match(token):
        raise ZaloSettingsError("[zalo] token does not look like a Zalo bot token (123…:abc…)")
    base_url = (text("base_url") or DEFAULT_BASE_URL).rstrip("/")
    mode = text("mode") or "polling"
    if mode not in ("polling", "webhook"):
        raise ZaloSettingsError(f'[zalo] mode must be "polling" or "webhook", got {mode!r}')
    for key in ("base_url", "webhook_url", "public_url"):
        value = base_url if key == "base_url" else text(key)
        if value is not None and not _URL.match(value):
            raise ZaloSettingsError(f"[zalo] {key} must be an http(s) URL, got {value!r}")
    secret = env.get("HAMLET_BOT_ZALO_WEBHOOK_SECRET", "").strip() or text("webhook_secret")
    if secret is not None and not _SECRET.match(secret):
        raise ZaloSettingsError("[zalo] webhook_secret must be 8 to 256 letters, digits, - or _")
    if token is not None and mode == "webhook" and (not text("webhook_url") or not secret):
        raise ZaloSettingsError("[zalo] webhook mode needs webhook_url and webhook_secret")
    port = section.get("webhook_port", 8443)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ZaloSettingsError("[zalo] webhook_port must be a port number")
    path = text("webhook_path") or "/zalo/webhook"
    if not path.startswith("/"):
        raise ZaloSettingsError("[zalo] webhook_path must start with /")
    public_url = text("public_url")
    return ZaloSettings(
        token=token,
        base_url=base_url,
        mode=mode,
        webhook_url=text("webhook_url"),
        webhook_secret=secret,
        webhook_listen=text("webhook_listen") or "0.0.0.0",
        webhook_port=port,
        webhook_path=path,
        public_url=public_url.rstrip("/") if public_url else None,
    )
