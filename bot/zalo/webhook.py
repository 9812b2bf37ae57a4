"""The webhook's check, for whichever web server receives Zalo's POSTs.

Zalo sends the ``secret_token`` given to setWebhook back in the ``X-Bot-Api-Secret-Token``
header of every request. A request without it, or with another one, is not Zalo's: answer
403 and do not read it.
"""

import hmac
import json
from collections.abc import Mapping
from typing import Literal

from bot.zalo.types import ZaloMessage, parse_update

SECRET_HEADER = "X-Bot-Api-Secret-Token"
# Zalo's updates are small JSON objects; a bigger body is not one.
MAX_BODY_BYTES = 1024 * 1024


def check_webhook(
    headers: Mapping[str, str], body: bytes, secret: str, *, other_messages: bool = False
) -> ZaloMessage | Literal["forbidden"] | None:
    """Check and read one webhook request.

    Returns ``"forbidden"`` when the secret header is missing or wrong (or no secret is
    configured): answer 403. Otherwise the message, or None when the body is not an
    update the bot acts on (bad JSON, another event): answer 200 so Zalo does not retry.
    The secret is compared in constant time. Header names are matched in any case.
    """
    given = _header(headers, SECRET_HEADER)
    if not secret or given is None:
        return "forbidden"
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return "forbidden"
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, Mapping):
        return None
    return parse_update(payload, other_messages=other_messages)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        for key, candidate in headers.items():
            if key.lower() == wanted:
                value = candidate
                break
    if value is None:
        return None
    return value.strip()
