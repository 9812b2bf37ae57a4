"""A thin async client for the Zalo Bot Platform, on httpx.

Every call is ``POST {base_url}/bot{token}/{method}`` with a JSON body. The answer is read
by its ``ok`` field, never by the HTTP status alone: Zalo reports errors as HTTP 200 with
``{"ok": false, "error_code": ..., "description": ...}``. An empty long poll is such an
error (408) and comes back from :meth:`ZaloClient.get_updates` as an empty list.

The token is part of every URL. It never appears in an error's text, and the client adds a
filter to the ``httpx`` and ``httpcore`` loggers that blanks it out of their records.
"""

import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from bot.zalo.settings import DEFAULT_BASE_URL
from bot.zalo.types import WebhookInfo, ZaloBot, ZaloMessage, parse_update

# sendMessage takes 1 to 2,000 characters of text; sendPhoto's caption the same.
MAX_TEXT = 2000
# An image from a user: the evidence step takes photos, not archives.
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024
# How long getUpdates waits for a message, in seconds (the API's default is 30).
DEFAULT_POLL_TIMEOUT = 30
_POLL_GRACE = 10.0
_REDACTED = "<token>"


class ZaloError(Exception):
    """An error answered by the Zalo Bot API, or met on the way to it.

    ``code`` is Zalo's ``error_code`` (or the HTTP status when the body had none; None for
    a network error). ``description`` never contains the bot token.
    """

    def __init__(self, code: int | None, description: str) -> None:
        super().__init__(f"{code}: {description}" if code is not None else description)
        self.code = code
        self.description = description


class ZaloUnauthorized(ZaloError):
    """401: the token is wrong or revoked. Nothing works until it is replaced."""


class ZaloForbidden(ZaloError):
    """403: Zalo refuses to deliver (the user blocked the bot or cannot be reached)."""


class ZaloRateLimited(ZaloError):
    """429 "Quota exceeded": too many calls. ``retry_after`` in seconds, if Zalo said."""

    def __init__(self, code: int | None, description: str, retry_after: float | None) -> None:
        super().__init__(code, description)
        self.retry_after = retry_after


class ZaloNetworkError(ZaloError):
    """No usable answer: a transport error, a timeout, a 5xx, or a body that is not JSON."""


class ZaloTooLarge(ZaloError):
    """A download larger than the cap; nothing of it is returned."""


class ZaloClient:
    """The Zalo Bot API for one bot token.

    Args:
        token: the bot token (``{bot_id}:{secret}``).
        base_url: where the API is; requests go to ``{base_url}/bot{token}/{method}``.
        http: an httpx client to use (and not close); a new one otherwise, closed by
            :meth:`aclose`. Tests pass one built on :class:`bot.zalo.offline.OfflineZaloAPI`.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not token or not token.strip():
            raise ValueError("a Zalo bot token is required")
        self._token = token.strip()
        self._base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient()
        redact_token_in_http_logs(self._token)

    async def aclose(self) -> None:
        """Close the httpx client if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def redact(self, text: str) -> str:
        """``text`` with the token blanked out (and its secret half, in case it was split)."""
        return _redact(text, self._token)

    # -- methods ---------------------------------------------------------------------------

    async def get_me(self) -> ZaloBot:
        """The bot's account: checks the token."""
        result = _mapping(await self._call("getMe", {}))
        name = result.get("account_name") or result.get("name") or result.get("display_name")
        account_type = result.get("account_type")
        return ZaloBot(
            id=str(result.get("id", "")),
            name=str(name or ""),
            account_type=account_type if isinstance(account_type, str) else None,
        )

    async def get_updates(
        self,
        timeout: float = DEFAULT_POLL_TIMEOUT,  # noqa: ASYNC109 - Zalo's long-poll parameter
        *,
        other_messages: bool = False,
    ) -> list[ZaloMessage]:
        """Wait up to ``timeout`` seconds for messages (long polling).

        Zalo answers one update per call (some sources say a list: both are read). An empty
        poll, answered with error 408 after the timeout, is an empty list, not an error.
        There is no offset: a message may come twice, so de-duplicate by message id
        (:func:`bot.zalo.dedup.update_key`). Updates the bot ignores are left out.
        """
        try:
            result = await self._call(
                "getUpdates",
                {"timeout": str(int(timeout))},
                read_timeout=timeout + _POLL_GRACE,
            )
        except ZaloError as error:
            if _is_empty_poll(error):
                return []
            raise
        if isinstance(result, Mapping):
            updates: list[Any] = [result] if result else []
        elif isinstance(result, list):
            updates = result
        else:
            updates = []
        messages = []
        for update in updates:
            message = (
                parse_update(update, other_messages=other_messages)
                if isinstance(update, Mapping)
                else None
            )
            if message is not None:
                messages.append(message)
        return messages

    async def send_message(self, chat_id: str, text: str) -> list[str]:
        """Send ``text``, split into messages of at most 2,000 characters; their ids.

        A long text is cut at line boundaries; a line longer than the limit at spaces, and
        a word longer than the limit anywhere. Nothing is refused for length. A failure
        part-way raises, and the parts already sent stay sent.
        """
        parts = split_text(text)
        if not parts:
            raise ValueError("a Zalo message needs some text")
        ids = []
        for part in parts:
            result = await self._call("sendMessage", {"chat_id": str(chat_id), "text": part})
            ids.append(_message_id(result))
        return ids

    async def send_photo(self, chat_id: str, url: str, caption: str | None = None) -> list[str]:
        """Send the image at the public ``url``; the message ids.

        A caption over 2,000 characters is sent after the photo, as text, split.
        """
        params: dict[str, Any] = {"chat_id": str(chat_id), "photo": url}
        rest = None
        if caption and caption.strip():
            if text_units(caption) <= MAX_TEXT:
                params["caption"] = caption
            else:
                rest = caption
        ids = [_message_id(await self._call("sendPhoto", params))]
        if rest is not None:
            ids += await self.send_message(chat_id, rest)
        return ids

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" (the only action Zalo supports so far) in the chat."""
        await self._call("sendChatAction", {"chat_id": str(chat_id), "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Have Zalo POST updates to the HTTPS ``url`` with ``secret_token`` in a header.

        The secret goes back in ``X-Bot-Api-Secret-Token``; Zalo wants 8 to 256 characters.
        While a webhook is set, getUpdates does not work.
        """
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret must have 8 to 256 characters")
        result = await self._call("setWebhook", {"url": url, "secret_token": secret_token})
        return _webhook_info(result)

    async def delete_webhook(self) -> WebhookInfo:
        """Remove the webhook, so getUpdates works again."""
        return _webhook_info(await self._call("deleteWebhook", {}))

    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook Zalo has on file (``url`` empty: none)."""
        return _webhook_info(await self._call("getWebhookInfo", {}))

    async def download(self, url: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        """The content at ``url`` (an image a user sent), at most ``max_bytes`` of it.

        Raises :class:`ZaloTooLarge` past the cap (read no further than the cap), and
        :class:`ZaloNetworkError` or :class:`ZaloError` when the file cannot be had.
        """
        if not url.lower().startswith(("https://", "http://")):
            raise ValueError("only http(s) URLs can be downloaded")
        try:
            async with self._http.stream("GET", url, timeout=30.0) as response:
                if response.status_code != 200:
                    code = response.status_code
                    kind = ZaloNetworkError if code >= 500 else ZaloError
                    raise kind(code, f"download failed with HTTP {code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise ZaloTooLarge(None, f"file of {declared} bytes is over {max_bytes}")
                chunks = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ZaloTooLarge(None, f"file is over {max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ZaloNetworkError(None, f"download: {self._describe(exc)}") from None
        return b"".join(chunks)

    # -- transport -------------------------------------------------------------------------

    async def _call(self, method: str, params: dict[str, Any], read_timeout: float = 30.0) -> Any:
        url = f"{self._base_url}/bot{self._token}/{method}"
        timeout = httpx.Timeout(10.0, read=read_timeout)
        try:
            response = await self._http.post(url, json=params, timeout=timeout)
        except httpx.HTTPError as exc:
            # `from None`: the httpx exception carries the request, whose URL has the token.
            raise ZaloNetworkError(None, f"{method}: {self._describe(exc)}") from None
        status = response.status_code
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, Mapping) or not isinstance(body.get("ok"), bool):
            if status == 200 or status >= 500:
                raise ZaloNetworkError(
                    status if status != 200 else None,
                    f"{method}: HTTP {status}, the answer is not Zalo's JSON",
                )
            raise self._error(method, status, None, {})
        if body["ok"] is True and 200 <= status < 300:
            return body.get("result")
        code = body.get("error_code", body.get("errorCode"))
        error_code = code if isinstance(code, int) and not isinstance(code, bool) else None
        raise self._error(method, status, error_code, body)

    def _error(
        self, method: str, status: int, code: int | None, body: Mapping[str, Any]
    ) -> ZaloError:
        if code is None and status != 200:
            code = status
        raw = body.get("description")
        description = self.redact(f"{method}: {raw if isinstance(raw, str) else 'failed'}")
        if code == 401:
            return ZaloUnauthorized(code, description)
        if code == 403:
            return ZaloForbidden(code, description)
        if code == 429:
            return ZaloRateLimited(code, description, _retry_after(body))
        if code is not None and code >= 500:
            return ZaloNetworkError(code, description)
        return ZaloError(code, description)

    def _describe(self, exc: BaseException) -> str:
        detail = str(exc) or exc.__class__.__name__
        return self.redact(f"{exc.__class__.__name__}: {detail}")


def _is_empty_poll(error: ZaloError) -> bool:
    if error.code == 408:
        return True
    return error.code is None and "request timeout" in error.description.lower()


def _retry_after(body: Mapping[str, Any]) -> float | None:
    parameters = body.get("parameters")
    for source in (parameters if isinstance(parameters, Mapping) else {}, body):
        value = source.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return None


def _mapping(result: Any) -> Mapping[str, Any]:
    return result if isinstance(result, Mapping) else {}


def _message_id(result: Any) -> str:
    value = _mapping(result).get("message_id")
    return str(value) if value is not None else ""


def _webhook_info(result: Any) -> WebhookInfo:
    body = _mapping(result)
    url = body.get("url")
    updated = body.get("updated_at")
    return WebhookInfo(
        url=url if isinstance(url, str) else "",
        updated_at=updated if isinstance(updated, int) and not isinstance(updated, bool) else None,
    )


# -- splitting ------------------------------------------------------------------------------


def text_units(text: str) -> int:
    """The length of ``text`` as Zalo may count it: UTF-16 code units.

    Zalo does not say how it counts its 2,000 characters; its text styles are in UTF-16
    units. Counting those is never less than counting code points, so a part that fits by
    this count fits by either.
    """
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    r"""``text`` in parts of at most ``limit`` units, cut at line boundaries.

    Lines are kept whole when they fit; the newline at a cut is dropped, so the parts
    joined with ``"\n"`` give back the text (blank lines at a cut are dropped too). A line
    over the limit is cut after a space, and a run with no space where the limit falls (never
    inside a character and its combining marks). Its pieces joined with ``""`` give back the
    line. Blank parts are left out.
    """
    if limit < 2:
        raise ValueError("limit too small")
    parts: list[str] = []
    lines: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal lines, size
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            parts.append("\n".join(lines))
        lines, size = [], 0

    for line in text.split("\n"):
        units = text_units(line)
        if units > limit:
            flush()
            parts.extend(_split_line(line, limit))
            continue
        if not lines and not line.strip():
            continue  # no blank lines at the top of a message
        added = units + (1 if lines else 0)
        if size + added > limit:
            flush()
            if not line.strip():
                continue
            added = units
        lines.append(line)
        size += added
    flush()
    return [part for part in parts if part.strip()]


_SPACE = re.compile(r"\s")


def _split_line(line: str, limit: int) -> list[str]:
    pieces = []
    rest = line
    while text_units(rest) > limit:
        cut = _fit(rest, limit)
        space = max((m.end() for m in _SPACE.finditer(rest, 0, cut)), default=0)
        if space > cut // 2:  # a space early in the run would leave a tiny piece
            cut = space
        else:
            while cut > 1 and unicodedata.combining(rest[cut]):
                cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _fit(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


# -- token redaction ------------------------------------------------------------------------


def _redact(text: str, token: str) -> str:
    if token and token in text:
        text = text.replace(token, _REDACTED)
    _, _, secret = token.partition(":")
    if len(secret) >= 8 and secret in text:
        text = text.replace(secret, _REDACTED)
    return text


class _TokenFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for token in self.tokens:
            redacted = _redact(redacted, token)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = _TokenFilter()
_FILTERED_LOGGERS = ("httpx", "httpcore")


def redact_token_in_http_logs(token: str) -> None:
    """Blank ``token`` out of what the httpx and httpcore loggers write (they log URLs)."""
    _FILTER.tokens.add(token)
    for name in _FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_TEXT",
    "ZaloClient",
    "ZaloError",
    "ZaloForbidden",
    "ZaloNetworkError",
    "ZaloRateLimited",
    "ZaloTooLarge",
    "ZaloUnauthorized",
    "split_text",
    "text_units",
]
