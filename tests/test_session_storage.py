"""Sessions in storage: one answer per refresh on SQLite too, and purging what expired."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from authsvc.database import create_database_engine, upgrade
from authsvc.models import RefreshToken, User, UserSession
from authsvc.repository import Repository
from authsvc.session_repository import ClientInfo, SessionRepository
from authsvc.sessions import SessionService
from authsvc.tokens import AccessTokens
from tests.fakes.clock import FakeClock


def add_user(engine: Engine, clock: FakeClock) -> str:
    user_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(User).values(
                id=user_id,
                first_name="Ivan",
                last_name="Petrov",
                phone="+79001000010",
                password_hash=None,
                created_at=clock(),
            )
        )
    return user_id


def session_service(engine: Engine, tokens: AccessTokens, clock: FakeClock) -> SessionService:
    return SessionService(Repository(engine), SessionRepository(engine), tokens, clock=clock)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    upgrade(engine)
    return engine


def test_concurrent_refreshes_on_the_embedded_sqlite_get_one_answer(
    sqlite_engine: Engine, access_tokens: AccessTokens, clock: FakeClock
) -> None:
    service = session_service(sqlite_engine, access_tokens, clock)
    session = service.start_session(add_user(sqlite_engine, clock), ClientInfo())
    start = threading.Barrier(4)
    answers: list[str] = []

    def refresh() -> None:
        start.wait()
        answers.append(service.refresh(session.refresh_token).refresh_token)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 4 and len(set(answers)) == 1
    with sqlite_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RefreshToken)) == 2
    sqlite_engine.dispose()


def test_purge_wipes_spent_answers_after_the_grace_window_and_drops_expired_sessions(
    migrated_engine: Engine, access_tokens: AccessTokens, clock: FakeClock
) -> None:
    service = session_service(migrated_engine, access_tokens, clock)
    user_id = add_user(migrated_engine, clock)
    old = service.start_session(user_id, ClientInfo())
    service.refresh(old.refresh_token)

    service.purge_expired()
    with migrated_engine.connect() as connection:
        sealed = select(func.count()).where(RefreshToken.successor_sealed.is_not(None))
        assert connection.scalar(sealed) == 1

    clock.advance(seconds=6)
    service.purge_expired()
    with migrated_engine.connect() as connection:
        assert connection.scalar(sealed) == 0

    # Sessions live 30 days: the first one expires, the one started later does not.
    clock.advance(days=29)
    recent = service.start_session(user_id, ClientInfo())
    clock.advance(days=1)
    service.purge_expired()
    with migrated_engine.connect() as connection:
        assert connection.scalars(select(UserSession.id)).all() == [recent.session_id]
        assert connection.scalar(select(func.count()).select_from(RefreshToken)) == 1
