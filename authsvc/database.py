"""Engines and schema migrations (Alembic) for the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from authsvc.errors import StorageUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutdated(Exception):
    """The database schema is behind the code's migrations."""


def create_database_engine(url: str) -> Engine:
    """Create an engine; for a SQLite file, create its folder and enable foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            # The folder holds password hashes and the signing key: owner only.
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created owner-only before SQLite makes it with the umask's looser mode.
            Path(parsed.database).touch(mode=0o600, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    else:
        connect_args = {"connect_timeout": 5} if parsed.get_driver_name() == "psycopg2" else {}
        # hide_parameters: SQL logs and errors must not show phones or other values.
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            connect_args=connect_args,
            hide_parameters=True,
        )
    event.listen(engine, "handle_error", _storage_unavailable)
    return engine


def _storage_unavailable(context: ExceptionContext) -> None:
    """Turn "cannot reach the database" into a domain error that callers may retry."""
    if isinstance(context.sqlalchemy_exception, OperationalError | InterfaceError):
        raise StorageUnavailable() from context.original_exception


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current_schema(engine: Engine) -> None:
    """:raises SchemaOutdated: the database is not at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutdated(
            f"the database schema is at {current or 'nothing'}, the code needs {head}; "
            "run `authsvc migrate` or start with `authsvc serve --migrate`"
        )
