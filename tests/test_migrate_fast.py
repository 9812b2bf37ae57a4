"""Starting on a current schema does no migration work; the head is read from the scripts
as Alembic reads it.
"""

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

import models.db
from models.db import alembic_config, head_revision, migrate, schema_revision


def test_the_head_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite:///unused"))
    assert head_revision() == script.get_current_head()


def test_a_current_schema_is_not_migrated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    assert schema_revision(url) is None  # nothing there yet
    migrate(url)
    assert schema_revision(url) == head_revision()

    def no_upgrade(config: object) -> None:
        raise AssertionError("Alembic ran on a current schema")

    monkeypatch.setattr(models.db, "alembic_config", no_upgrade)
    migrate(url)  # a second start: nothing to do, and Alembic is not even configured
