"""The database_url fixture gives every test its own empty, writable database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

# Database names handed out so far in this session, to show that each test gets its own.
seen_names: list[str] = []


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_fresh_writable_database(
    run: int, database_url: str, postgres_server_url: str
) -> None:
    name = make_url(database_url).database
    assert name is not None
    assert name not in seen_names
    assert name != make_url(postgres_server_url).database

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            assert inspect(connection).get_table_names() == []
            # The same table in every run: it would clash if a database were reused.
            connection.execute(text("CREATE TABLE marker (run integer NOT NULL)"))
            connection.execute(text("INSERT INTO marker VALUES (:run), (:run)"), {"run": run})
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM marker")).scalar_one()
        assert count == 2
    finally:
        engine.dispose()

    assert_dropped(postgres_server_url, seen_names)
    seen_names.append(name)


def assert_dropped(server_url: str, names: list[str]) -> None:
    """Databases of tests that have finished no longer exist on the server."""
    engine = create_engine(server_url)
    try:
        with engine.connect() as connection:
            existing = set(connection.scalars(text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()
    assert existing.isdisjoint(names)
