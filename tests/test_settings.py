"""Settings: defaults, file, environment, and one clear line for a bad value."""

from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

TOKEN = "123456789:AAH-secret-token-value-0123456789abcd"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.telegram.token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.commune.timezone == "Asia/Ho_Chi_Minh"
    assert settings.commune.hamlets[0] == "Ấp 1" and len(settings.commune.hamlets) == 9


def test_file_and_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[telegram]
token = "111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
base_url = "http://127.0.0.1:8081/bot"
[database]
url = "postgresql://hamlet@db/hamlet"
[commune]
name = "Mỹ Khánh"
hamlets = ["Ấp Mỹ An", "Ấp Mỹ Phú"]
""",
    )
    settings = load_settings(env={"HAMLET_BOT_CONFIG": str(path), "HAMLET_BOT_TOKEN": TOKEN})
    assert settings.telegram.token == TOKEN  # the environment wins
    assert settings.telegram.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.database_url == "postgresql+asyncpg://hamlet@db/hamlet"
    assert settings.commune.hamlets == ("Ấp Mỹ An", "Ấp Mỹ Phú")
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[telegram]\ntoken = "not-a-token-secret"', "[telegram] token"),
        ('[telegram]\nbase_url = "ftp://x"', "[telegram] base_url"),
        ('[database]\nurl = "mysql://x"', "[database] url"),
        ('[commune]\ntimezone = "Mars/Olympus"', "[commune] timezone"),
        ("[commune]\nhamlets = []", "[commune] hamlets"),
        ('[commune]\nhamlets = ["Ấp 1", "Ấp 1"]', "[commune] hamlets"),
        ("[invites]\nvalid_days = 0", "[invites] valid_days"),
        ('[plan]\nfile = "nowhere.toml"', "[plan] file"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(write(tmp_path, text), env={})
    message = str(error.value)
    assert key in message and "\n" not in message
    assert "secret" not in message


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})
