"""Typed settings, loaded once from a TOML file and the environment, checked at start.

Where the file is: ``--config PATH``, else ``$HAMLET_BOT_CONFIG``, else ``config.toml`` in
the working directory if it exists, else the embedded defaults (SQLite under ``data/``, the
seed plan, no token: the offline console). ``$HAMLET_BOT_TOKEN`` overrides the file's token,
``$HAMLET_BOT_WEBHOOK_SECRET`` the Telegram webhook's secret.
"""

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.zalo.settings import ZaloSettings, ZaloSettingsError, zalo_settings
from models.commune_profile import KEYS as PROFILE_KEYS
from models.commune_profile import ProfileError, Stored, config_value
from models.plan_data import BUNDLED_PLAN
from scheduler.config import RemindersSettings

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/hamlet-bot.sqlite3"
DEFAULT_HAMLETS = tuple(f"Ấp {n}" for n in range(1, 10))
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# What Telegram allows as setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEBHOOK_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
# Served beside the webhook on its port: the webhook path may not take them.
RESERVED_PATHS = ("/healthz", "/metrics")


class SettingsError(ValueError):
    """A setting is missing or wrong. The message is one line that names the key."""


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach the Bot API."""

    token: str | None = None
    base_url: str | None = None
    username: str | None = None
    # How updates arrive: "polling" (getUpdates) or "webhook" (Telegram calls webhook_url,
    # which the reverse proxy passes to webhook_listen:webhook_port + webhook_path).
    mode: str = "polling"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram"

    @property
    def base_file_url(self) -> str | None:
        """The file-download URL that goes with ``base_url`` (``…/bot`` → ``…/file/bot``)."""
        if self.base_url is None:
            return None
        root, _, last = self.base_url.rstrip("/").rpartition("/")
        return f"{root}/file/{last}"

    def __repr__(self) -> str:
        # Never let the token reach a log line through a repr.
        token = "set" if self.token else "none"
        return f"TelegramSettings(token=<{token}>, base_url={self.base_url!r}, mode={self.mode!r})"


@dataclass(frozen=True)
class CommuneSettings:
    """The commune this bot serves."""

    name: str = "Mỹ Hòa Hưng"
    timezone: str = "Asia/Ho_Chi_Minh"
    hamlets: tuple[str, ...] = DEFAULT_HAMLETS
    # The profile keys the section gives (models.commune_profile.KEYS), checked and in their
    # stored form: copied into the database at each start, under `commune set`'s values.
    profile: Mapping[str, Stored] = field(default_factory=dict)


@dataclass(frozen=True)
class BackupSettings:
    """The daily backup: off while ``dir`` is unset."""

    dir: Path | None = None
    keep: int = 7
    at: time = time(2, 0)


@dataclass(frozen=True)
class Settings:
    """Everything configurable, checked."""

    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    database_url: str = DEFAULT_DATABASE_URL
    commune: CommuneSettings = field(default_factory=CommuneSettings)
    plan_file: Path = BUNDLED_PLAN
    evidence_dir: Path = Path("data/evidence")
    invite_days: int = 7
    reminders: RemindersSettings = field(default_factory=RemindersSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load and check the settings.

    Args:
        path: the config file named on the command line, if any.
        env: the environment (default ``os.environ``).

    Raises:
        SettingsError: the file named does not exist or is not TOML, or a value is wrong.
    """
    env = os.environ if env is None else env
    chosen = path or (Path(env["HAMLET_BOT_CONFIG"]) if env.get("HAMLET_BOT_CONFIG") else None)
    if chosen is not None and not chosen.is_file():
        raise SettingsError(f"config file not found: {chosen}")
    if chosen is None and DEFAULT_CONFIG.is_file():
        chosen = DEFAULT_CONFIG
    raw: dict[str, Any] = {}
    if chosen is not None:
        if os.name == "posix" and chosen.stat().st_mode & 0o002:
            # Anyone could point the bot at another database or token.
            raise SettingsError(f"{chosen} is writable by anyone: chmod 600 {chosen}")
        try:
            raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{chosen} is not valid TOML: {exc}") from exc
    return _from_mapping(raw, env)


def _section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = raw.get(name, {})
    if not isinstance(section, Mapping):
        raise SettingsError(f"[{name}] must be a table")
    return section


def _text(section: Mapping[str, Any], key: str, where: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{where} must be a string")
    return value.strip() or None


def _from_mapping(raw: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    telegram = _section(raw, "telegram")
    token = env.get("HAMLET_BOT_TOKEN", "").strip() or _text(telegram, "token", "[telegram] token")
    if token is not None and not _TOKEN.match(token):
        # Say what is wrong, never the value itself.
        raise SettingsError("[telegram] token does not look like a bot token (123456:ABC…)")
    base_url = _text(telegram, "base_url", "[telegram] base_url")
    if base_url is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
        raise SettingsError(f"[telegram] base_url must be an http(s) URL, got {base_url!r}")
    username = _text(telegram, "username", "[telegram] username")
    if username is not None and not _USERNAME.match(username.lstrip("@")):
        raise SettingsError(f"[telegram] username is not a Telegram username: {username!r}")
    webhook = _webhook(telegram, env)

    database = _section(raw, "database")
    url = database_url(_text(database, "url", "[database] url") or DEFAULT_DATABASE_URL)

    commune = _section(raw, "commune")
    name = _text(commune, "name", "[commune] name") or CommuneSettings.name
    timezone = _text(commune, "timezone", "[commune] timezone") or CommuneSettings.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"[commune] timezone is not a known timezone: {timezone!r}") from exc
    hamlets = commune.get("hamlets", list(DEFAULT_HAMLETS))
    if (
        not isinstance(hamlets, list)
        or not hamlets
        or not all(isinstance(h, str) and h.strip() for h in hamlets)
    ):
        raise SettingsError("[commune] hamlets must be a non-empty list of names")
    hamlet_names = tuple(" ".join(h.split()) for h in hamlets)
    if len(set(hamlet_names)) != len(hamlet_names):
        raise SettingsError("[commune] hamlets has the same name twice")
    profile = _profile(commune)

    plan = _section(raw, "plan")
    plan_file = Path(_text(plan, "file", "[plan] file") or BUNDLED_PLAN)
    if not plan_file.is_file():
        raise SettingsError(f"[plan] file not found: {plan_file}")
    invite_days = _section(raw, "invites").get("valid_days", 7)
    if not isinstance(invite_days, int) or not 1 <= invite_days <= 90:
        raise SettingsError("[invites] valid_days must be a whole number of days from 1 to 90")
    evidence = _text(_section(raw, "storage"), "evidence_dir", "[storage] evidence_dir")
    reminders = _reminders(_section(raw, "reminders"))
    backup = _backup(_section(raw, "backup"))
    try:
        zalo = zalo_settings(_section(raw, "zalo"), env)
    except ZaloSettingsError as error:
        raise SettingsError(str(error)) from error
    if (
        webhook["mode"] == "webhook"
        and zalo.serves_http
        and zalo.webhook_port == webhook["webhook_port"]
    ):
        raise SettingsError("[telegram] webhook_port is the port of [zalo]'s web server too")
    return Settings(
        telegram=TelegramSettings(
            token, base_url, username.lstrip("@") if username else None, **webhook
        ),
        database_url=url,
        commune=CommuneSettings(name, timezone, hamlet_names, profile),
        plan_file=plan_file,
        evidence_dir=Path(evidence or "data/evidence"),
        invite_days=invite_days,
        reminders=reminders,
        backup=backup,
        zalo=zalo,
    )


def _webhook(section: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook keys of [telegram], checked (the secret is never echoed)."""
    mode = _text(section, "mode", "[telegram] mode") or TelegramSettings.mode
    if mode not in ("polling", "webhook"):
        raise SettingsError(f'[telegram] mode must be "polling" or "webhook", got {mode!r}')
    url = _text(section, "webhook_url", "[telegram] webhook_url")
    if url is not None and not re.match(r"^https://[^/\s]+(/\S*)?$", url):
        # Telegram calls webhooks over HTTPS only.
        raise SettingsError(f"[telegram] webhook_url must be an https:// URL, got {url!r}")
    secret = env.get("HAMLET_BOT_WEBHOOK_SECRET", "").strip() or _text(
        section, "webhook_secret", "[telegram] webhook_secret"
    )
    if secret is not None and not _WEBHOOK_SECRET.match(secret):
        raise SettingsError("[telegram] webhook_secret must be 1 to 256 letters, digits, - or _")
    if mode == "webhook" and url is None:
        raise SettingsError('[telegram] webhook_url is required with mode = "webhook"')
    if mode == "webhook" and secret is None:
        raise SettingsError('[telegram] webhook_secret is required with mode = "webhook"')
    listen = section.get("webhook_listen", TelegramSettings.webhook_listen)
    if not isinstance(listen, str) or not listen.strip() or any(c.isspace() for c in listen):
        raise SettingsError('[telegram] webhook_listen must be an address like "127.0.0.1"')
    path = _text(section, "webhook_path", "[telegram] webhook_path")
    path = path or TelegramSettings.webhook_path
    if not _WEBHOOK_PATH.match(path) or path.rstrip("/") in RESERVED_PATHS:
        raise SettingsError(
            f'[telegram] webhook_path must be a path like "/telegram" (not /healthz or '
            f"/metrics), got {path!r}"
        )
    return {
        "mode": mode,
        "webhook_url": url,
        "webhook_secret": secret,
        "webhook_listen": listen.strip(),
        "webhook_port": _whole(section, "webhook_port", 8443, 1, 65535, "[telegram]"),
        "webhook_path": path,
    }


def _profile(section: Mapping[str, Any]) -> dict[str, Stored]:
    """The profile keys of the [commune] section, checked as `commune set` checks them."""
    profile: dict[str, Stored] = {}
    for key in PROFILE_KEYS:
        if key in section:
            try:
                profile[key] = config_value(key, section[key])
            except ProfileError as error:
                raise SettingsError(f"[commune] {error}") from error
    return profile


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock_time(
    section: Mapping[str, Any], key: str, default: time, where: str = "[reminders]"
) -> time:
    value = section.get(key)
    if value is None:
        return default
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(value).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SettingsError(f'{where} {key} must be a time like "08:00", got {value!r}')
    return time(int(match.group(1)), int(match.group(2)))


def _whole(
    section: Mapping[str, Any],
    key: str,
    default: int,
    low: int,
    high: int,
    where: str = "[reminders]",
) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SettingsError(f"{where} {key} must be a whole number from {low} to {high}")
    return value


def _backup(section: Mapping[str, Any]) -> BackupSettings:
    directory = _text(section, "dir", "[backup] dir")
    if directory is not None and Path(directory).exists() and not Path(directory).is_dir():
        raise SettingsError(f"[backup] dir is not a directory: {directory}")
    return BackupSettings(
        dir=Path(directory) if directory else None,
        keep=_whole(section, "keep", BackupSettings.keep, 1, 365, "[backup]"),
        at=_clock_time(section, "at", BackupSettings.at, "[backup]"),
    )


def _reminders(section: Mapping[str, Any]) -> RemindersSettings:
    defaults = RemindersSettings()
    ladder = section.get("deadline_days_before", list(defaults.deadline_days_before))
    if (
        not isinstance(ladder, list)
        or not all(isinstance(d, int) and 1 <= d <= 60 for d in ladder)
        or len(set(ladder)) != len(ladder)
    ):
        raise SettingsError("[reminders] deadline_days_before must be a list of days from 1 to 60")
    weekday = str(section.get("digest_day", "mon")).strip().lower()[:3]
    if weekday not in _WEEKDAYS:
        raise SettingsError("[reminders] digest_day must be a weekday: mon, tue, … sun")
    quiet = str(section.get("quiet_hours", "21:00-07:00"))
    start, _, end = quiet.partition("-")
    quiet_start = _clock_time({"quiet_hours": start}, "quiet_hours", defaults.quiet_start)
    quiet_end = _clock_time({"quiet_hours": end}, "quiet_hours", defaults.quiet_end)
    rate = section.get("messages_per_second", defaults.messages_per_second)
    if not isinstance(rate, int | float) or not 1 <= rate <= 29.5:
        raise SettingsError("[reminders] messages_per_second must be from 1 to 29.5")
    skip_weekends = section.get("skip_weekends", True)
    if not isinstance(skip_weekends, bool):
        raise SettingsError("[reminders] skip_weekends must be true or false")
    return RemindersSettings(
        send_at=_clock_time(section, "send_at", defaults.send_at),
        quarterly_days_before=_whole(section, "quarterly_days_before", 7, 1, 60),
        deadline_days_before=tuple(sorted(ladder, reverse=True)),
        overdue_nudges=_whole(section, "overdue_nudges", 3, 0, 30),
        anticorruption_days_before=_whole(section, "anticorruption_days_before", 10, 1, 60),
        digest_weekday=_WEEKDAYS.index(weekday),
        digest_at=_clock_time(section, "digest_at", defaults.digest_at),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        skip_weekends=skip_weekends,
        check_every_minutes=_whole(section, "check_every_minutes", 5, 1, 60),
        messages_per_second=float(rate),
    )


def database_url(url: str) -> str:
    """Check a database URL and name its async driver (``postgresql://`` → asyncpg).

    Raises:
        SettingsError: not an SQLite or PostgreSQL URL.
    """
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise SettingsError("[database] url must be an sqlite:// or postgresql:// URL")
