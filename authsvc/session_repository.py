"""The repository of sessions and refresh tokens.

A refresh locks exactly one row, its session's, so concurrent refreshes of one session
run one after the other while sessions of other people never wait for each other (on
SQLite, the embedded default, every write waits for the one before).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from authsvc.errors import RefreshTokenInvalid
from authsvc.models import RefreshToken, UserSession


@dataclass(frozen=True)
class ClientInfo:
    """Where a session was started from, as far as it is known."""

    address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    expires_at: datetime
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class RefreshRotation:
    """One refresh, inside a transaction that holds its session's row lock."""

    def __init__(self, db: Session, session: UserSession, token: RefreshToken) -> None:
        self._db = db
        self._session = session
        self._token = token

    @property
    def session(self) -> SessionRecord:
        return _session_record(self._session)

    @property
    def spent_at(self) -> datetime | None:
        return self._token.used_at

    @property
    def sealed_answer(self) -> bytes | None:
        return self._token.successor_sealed

    def spend(self, now: datetime, successor_hash: str, sealed_answer: bytes) -> None:
        """Mark the token spent, keep its sealed answer, and add its successor."""
        self._token.used_at = now
        self._token.successor_sealed = sealed_answer
        self._db.add(
            RefreshToken(
                session_id=self._session.id,
                token_hash=successor_hash,
                parent_id=self._token.id,
                created_at=now,
            )
        )

    def revoke(self, now: datetime, reason: str) -> None:
        self._session.revoked_at = now
        self._session.revoke_reason = reason


class SessionRepository:
    """Sessions and refresh tokens, stored through SQLAlchemy."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_session(
        self,
        record: SessionRecord,
        refresh_hash: str,
        now: datetime,
        client: ClientInfo,
    ) -> None:
        """Store a new session with its first refresh token."""
        with self._sessions.begin() as db:
            db.add(
                UserSession(
                    id=record.id,
                    user_id=record.user_id,
                    created_at=now,
                    expires_at=record.expires_at,
                    client_address=_clip(client.address, 64),
                    user_agent=_clip(client.user_agent, 256),
                )
            )
            db.flush()
            db.add(RefreshToken(session_id=record.id, token_hash=refresh_hash, created_at=now))

    @contextmanager
    def refresh_transaction(self, token_hash: str, now: datetime) -> Iterator[RefreshRotation]:
        """Open a transaction on the session of a refresh token, its row locked.

        The lock is taken by writing the row (``last_refreshed_at``), which PostgreSQL and
        SQLite alike hold until the transaction ends; everything read after it is fresh.

        :raises RefreshTokenInvalid: no refresh token has this hash.
        """
        with self._sessions.begin() as db:
            session_id = db.scalar(
                select(RefreshToken.session_id).where(RefreshToken.token_hash == token_hash)
            )
            if session_id is None:
                raise RefreshTokenInvalid(field="refresh_token")
            db.execute(
                update(UserSession)
                .where(UserSession.id == session_id)
                .values(last_refreshed_at=now)
            )
            session = db.get(UserSession, session_id, populate_existing=True)
            token = db.scalars(
                select(RefreshToken).where(RefreshToken.token_hash == token_hash)
            ).one()
            assert session is not None
            yield RefreshRotation(db, session, token)

    def find_session(self, session_id: str) -> SessionRecord | None:
        with self._sessions() as db:
            session = db.get(UserSession, session_id)
            return None if session is None else _session_record(session)

    def find_session_by_refresh(self, token_hash: str) -> SessionRecord | None:
        query = (
            select(UserSession)
            .join(RefreshToken, RefreshToken.session_id == UserSession.id)
            .where(RefreshToken.token_hash == token_hash)
        )
        with self._sessions() as db:
            session = db.scalars(query).one_or_none()
            return None if session is None else _session_record(session)

    def revoke_session(self, session_id: str, now: datetime, reason: str) -> int:
        """End one session; return 1 if it was active, else 0."""
        return self._revoke(UserSession.id == session_id, now, reason)

    def revoke_user_sessions(self, user_id: str, now: datetime, reason: str) -> int:
        """End every active session of a user; return how many."""
        return self._revoke(UserSession.user_id == user_id, now, reason)

    def purge(self, expired_before: datetime, spent_before: datetime) -> None:
        """Delete sessions that expired before a moment (their tokens go with them), and
        wipe the sealed answers of refresh tokens spent before another.
        """
        wipe = (
            update(RefreshToken)
            .where(RefreshToken.used_at < spent_before)
            .where(RefreshToken.successor_sealed.is_not(None))
            .values(successor_sealed=None)
        )
        with self._sessions.begin() as db:
            db.execute(delete(UserSession).where(UserSession.expires_at < expired_before))
            db.execute(wipe)

    def _revoke(self, which: object, now: datetime, reason: str) -> int:
        statement = (
            update(UserSession)
            .where(which, UserSession.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=now, revoke_reason=reason)
        )
        with self._sessions.begin() as db:
            return int(getattr(db.execute(statement), "rowcount", 0))


def _session_record(session: UserSession) -> SessionRecord:
    return SessionRecord(
        id=session.id,
        user_id=session.user_id,
        expires_at=session.expires_at,
        revoked_at=session.revoked_at,
    )


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]
