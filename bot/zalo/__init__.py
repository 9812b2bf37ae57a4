"""The Zalo Bot Platform transport: a client, an offline API, the webhook check.

Nothing here knows the conversation core; see API.md for what was confirmed of the API.
"""

from bot.zalo.client import (
    DEFAULT_BASE_URL,
    MAX_TEXT,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloTooLarge,
    ZaloUnauthorized,
    split_text,
)
from bot.zalo.dedup import CHANNEL, update_key
from bot.zalo.types import WebhookInfo, ZaloBot, ZaloMessage, parse_update
from bot.zalo.webhook import SECRET_HEADER, check_webhook

__all__ = [
    "CHANNEL",
    "DEFAULT_BASE_URL",
    "MAX_TEXT",
    "SECRET_HEADER",
    "WebhookInfo",
    "ZaloBot",
    "ZaloClient",
    "ZaloError",
    "ZaloForbidden",
    "ZaloMessage",
    "ZaloNetworkError",
    "ZaloRateLimited",
    "ZaloTooLarge",
    "ZaloUnauthorized",
    "check_webhook",
    "parse_update",
    "split_text",
    "update_key",
]
