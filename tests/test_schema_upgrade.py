"""Upgrading a database made by an earlier schema keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from authsvc.database import create_database_engine, current_revision, head_revision, upgrade

USER = {
    "id": "6f1c2a52-5d1e-4c55-9a3f-0d8d8f1f2a10",
    "first_name": "Ivan",
    "last_name": "Petrov",
    "phone": "+79001000010",
    "password_hash": "$2b$04$abcdefghijklmnopqrstuu5s2v3mLkJ0wF5h3zGvX0qfQ1dK3mS2e",
    "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
}


def test_registration_schema_upgrades_to_sessions_without_losing_users(
    database_url: str,
) -> None:
    engine = create_database_engine(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, first_name, last_name, phone, password_hash, "
                    "created_at) VALUES (:id, :first_name, :last_name, :phone, "
                    ":password_hash, :created_at)"
                ),
                USER,
            )
            connection.execute(
                text(
                    "INSERT INTO identities (user_id, provider, subject, created_at) "
                    "VALUES (:id, 'vk', '743784474', :created_at)"
                ),
                USER,
            )

        upgrade(engine)

        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            users = connection.execute(text("SELECT * FROM users")).mappings().all()
            identities = connection.execute(text("SELECT subject FROM identities")).all()
            sessions = connection.execute(text("SELECT count(*) FROM sessions")).scalar()
        assert [dict(user) for user in users] == [USER]
        assert identities == [("743784474",)]
        assert sessions == 0
    finally:
        engine.dispose()
