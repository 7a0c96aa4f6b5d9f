"""Alembic migrations build exactly the schema the models describe, up and down again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from authsvc import database
from authsvc.config import load_settings
from authsvc.models import Base

BOOKKEEPING = "alembic_version"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh, empty PostgreSQL database."""
    engine = database.create_database_engine(database_url)
    yield engine
    engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def schema_differences(engine: Engine) -> list[object]:
    """What autogenerate would write into a new migration; empty when none is needed."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def revisions_oldest_first() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def test_upgrade_to_head_on_postgresql_matches_the_models(engine: Engine) -> None:
    database.upgrade(engine)

    assert database.current_revision(engine) == database.head_revision()
    assert schema_differences(engine) == []
    assert table_names(engine) == set(Base.metadata.tables) | {BOOKKEEPING}


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(
    engine: Engine,
) -> None:
    database.upgrade(engine)

    downgrade(engine, "base")
    after_downgrade = (database.current_revision(engine), table_names(engine))
    database.upgrade(engine)

    assert after_downgrade == (None, {BOOKKEEPING})
    assert database.current_revision(engine) == database.head_revision()
    assert schema_differences(engine) == []


def test_every_revision_downgrades_one_step_and_upgrades_again(engine: Engine) -> None:
    revisions = revisions_oldest_first()
    assert revisions[-1] == database.head_revision()

    for previous, revision in zip([None, *revisions], revisions, strict=False):
        database.upgrade(engine, revision)
        downgrade(engine, "-1")
        assert database.current_revision(engine) == previous
        database.upgrade(engine, revision)
        assert database.current_revision(engine) == revision

    assert schema_differences(engine) == []


def test_empty_database_is_outdated_until_migrated(engine: Engine) -> None:
    with pytest.raises(database.SchemaOutdated, match="run `authsvc migrate`"):
        database.ensure_current_schema(engine)

    database.upgrade(engine)

    database.ensure_current_schema(engine)


def test_embedded_default_sqlite_file_upgrades_to_head(tmp_path: Path) -> None:
    settings = load_settings({"AUTHSVC_DATA_DIR": str(tmp_path / "data")})
    engine = database.create_database_engine(settings.database_url)
    try:
        database.upgrade(engine)

        assert database.current_revision(engine) == database.head_revision()
        assert table_names(engine) == set(Base.metadata.tables) | {BOOKKEEPING}
        assert schema_differences(engine) == []
        downgrade(engine, "base")
        assert table_names(engine) == {BOOKKEEPING}
    finally:
        engine.dispose()

    assert (tmp_path / "data" / "authsvc.sqlite3").is_file()
