"""The [telegram] webhook settings: defaults, the secret from the environment, and one
clear line for each bad value.
"""

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

SECRET = "s3cret-Webhook_value"
WEBHOOK = (
    '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.vn/telegram"\n'
    f'webhook_secret = "{SECRET}"\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_polling_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    telegram = load_settings(env={}).telegram
    assert telegram.mode == "polling"
    assert telegram.webhook_url is None and telegram.webhook_secret is None
    assert (telegram.webhook_listen, telegram.webhook_port) == ("127.0.0.1", 8443)
    assert telegram.webhook_path == "/telegram"


def test_webhook_mode_with_its_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        WEBHOOK + 'webhook_listen = "0.0.0.0"\nwebhook_port = 9000\nwebhook_path = "/tg/in"\n',
    )
    telegram = load_settings(path, env={}).telegram
    assert telegram.mode == "webhook"
    assert telegram.webhook_url == "https://bot.example.vn/telegram"
    assert telegram.webhook_secret == SECRET
    assert (telegram.webhook_listen, telegram.webhook_port) == ("0.0.0.0", 9000)
    assert telegram.webhook_path == "/tg/in"
    assert SECRET not in repr(telegram)


def test_the_environment_overrides_the_secret(tmp_path: Path) -> None:
    path = write(tmp_path, WEBHOOK)
    settings = load_settings(path, env={"HAMLET_BOT_WEBHOOK_SECRET": "from-the-env_1"})
    assert settings.telegram.webhook_secret == "from-the-env_1"
    assert "from-the-env_1" not in repr(settings)


def test_the_secret_may_come_from_the_environment_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.vn/t"\n'
    )
    settings = load_settings(path, env={"HAMLET_BOT_WEBHOOK_SECRET": "only_env"})
    assert settings.telegram.webhook_secret == "only_env"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[telegram]\nmode = "push"', "[telegram] mode"),
        ('[telegram]\nmode = "webhook"\nwebhook_secret = "abc"', "[telegram] webhook_url"),
        (
            '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.vn/t"',
            "[telegram] webhook_secret",
        ),
        (WEBHOOK.replace("https://", "http://"), "[telegram] webhook_url"),
        (WEBHOOK.replace(SECRET, "bad secret!"), "[telegram] webhook_secret"),
        (WEBHOOK.replace(SECRET, "x" * 257), "[telegram] webhook_secret"),
        (WEBHOOK + "webhook_port = 0", "[telegram] webhook_port"),
        (WEBHOOK + "webhook_port = 70000", "[telegram] webhook_port"),
        (WEBHOOK + 'webhook_port = "8443"', "[telegram] webhook_port"),
        (WEBHOOK + 'webhook_path = "telegram"', "[telegram] webhook_path"),
        (WEBHOOK + 'webhook_path = "/healthz"', "[telegram] webhook_path"),
        (WEBHOOK + 'webhook_path = "/a b"', "[telegram] webhook_path"),
        (WEBHOOK + 'webhook_listen = ""', "[telegram] webhook_listen"),
    ],
)
def test_a_bad_webhook_value_names_its_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, text), env={})
    message = str(raised.value)
    assert message.startswith(key), message
    assert "\n" not in message
    assert SECRET not in message and "bad secret!" not in message


def test_a_bad_secret_from_the_environment_is_refused_without_echo(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, WEBHOOK), env={"HAMLET_BOT_WEBHOOK_SECRET": "no spaces"})
    assert "no spaces" not in str(raised.value)


def test_telegram_and_zalo_webhooks_cannot_share_a_port(tmp_path: Path) -> None:
    zalo = (
        '[zalo]\ntoken = "12345:abcdefghijklmnop"\nmode = "webhook"\n'
        'webhook_url = "https://bot.example.vn/zalo"\nwebhook_secret = "zalo-secret-1"\n'
        'webhook_listen = "127.0.0.1"\nwebhook_port = 8443\n'
    )
    with pytest.raises(SettingsError, match="webhook_port"):
        load_settings(write(tmp_path, WEBHOOK + zalo), env={})
