"""Sessions: signing in, rotating refresh tokens, signing out, and checking access tokens.

A session has short-lived access tokens (JWTs that other services verify) and one
refresh token at a time. Each refresh token works once; presenting a spent one again
means it was copied, so the whole session ends, except within a short grace window in
which a concurrent retry of the same refresh gets the same answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from authsvc.clock import Clock, seconds_until, system_clock
from authsvc.errors import (
    AccessTokenInvalid,
    CredentialsInvalid,
    FieldMissing,
    PhoneInvalid,
    RefreshTokenInvalid,
    RefreshTokenReused,
    SignInLocked,
)
from authsvc.passwords import hash_password, verify_password
from authsvc.phone import normalize_phone
from authsvc.quotas import QuotaRule
from authsvc.repository import Repository, UserRecord
from authsvc.sealing import seal, unseal
from authsvc.session_repository import ClientInfo, SessionRecord, SessionRepository
from authsvc.tokens import AccessClaims, AccessTokens


@dataclass(frozen=True)
class SessionPolicy:
    """Lifetimes of sessions; access token lifetimes belong to AccessTokens."""

    session_ttl: timedelta = timedelta(days=30)
    refresh_grace: timedelta = timedelta(seconds=5)
    sign_in_failures_per_hour: int = 20

    @property
    def sign_in_failures(self) -> QuotaRule:
        return QuotaRule("sign_in_failures", self.sign_in_failures_per_hour, timedelta(hours=1))


_TIME_FIELDS = ("issued_at", "access_expires_at", "session_expires_at")


@dataclass(frozen=True)
class IssuedSession:
    """The tokens handed to a client for one session."""

    user_id: str
    session_id: str
    issued_at: datetime
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    session_expires_at: datetime

    def to_json(self) -> bytes:
        fields = asdict(self)
        for name in _TIME_FIELDS:
            fields[name] = fields[name].isoformat()
        return json.dumps(fields).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> IssuedSession:
        fields = json.loads(raw)
        for name in _TIME_FIELDS:
            fields[name] = datetime.fromisoformat(fields[name])
        return cls(**fields)


class SessionService:
    """Starts, refreshes, checks and ends sessions."""

    def __init__(
        self,
        users: Repository,
        sessions: SessionRepository,
        tokens: AccessTokens,
        policy: SessionPolicy | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._tokens = tokens
        self._policy = policy or SessionPolicy()
        self._clock = clock
        _decoy_hash()  # computed now, so the first unknown phone is not slower

    def start_session(self, user_id: str, client: ClientInfo) -> IssuedSession:
        """Start a session for a user who has just proved who they are."""
        now = self._clock()
        record = SessionRecord(
            id=str(uuid.uuid4()),
            user_id=user_id,
            expires_at=now + self._policy.session_ttl,
            revoked_at=None,
        )
        refresh_token = _new_refresh_token()
        self._sessions.create_session(record, _token_hash(refresh_token), now, client)
        return self._issue(record, refresh_token, now)

    def sign_in(self, phone: str, password: str, client: ClientInfo) -> IssuedSession:
        """Sign in with phone and password.

        :raises PhoneInvalid: the phone is malformed.
        :raises SignInLocked: too many wrong passwords for this phone in the last hour.
        :raises CredentialsInvalid: unknown phone, no password, or a wrong password.
        """
        canonical = normalize_phone(phone)
        if canonical is None:
            raise PhoneInvalid(field="phone")
        # Counted per phone, registered or not, so a lock tells nobody who is registered.
        rule, now = self._policy.sign_in_failures, self._clock()
        locked_until = self._users.quotas.blocked_until(rule, canonical, now)
        if locked_until is not None:
            raise SignInLocked(seconds_until(locked_until, now))

        found = self._users.find_credentials(canonical)
        stored = found[1] if found is not None else None
        # Hash even when there is nothing to compare with, so timing does not tell who
        # is registered.
        matches, rehashed = verify_password(password, stored or _decoy_hash())
        if found is None or stored is None or not matches:
            self._users.quotas.claim(rule, canonical, now)
            raise CredentialsInvalid()

        user_id = found[0]
        if rehashed is not None:
            self._users.replace_password_hash(user_id, rehashed)
        return self.start_session(user_id, client)

    def refresh(self, refresh_token: str) -> IssuedSession:
        """Trade a refresh token for new tokens.

        :raises RefreshTokenInvalid: unknown token, or its session has ended.
        :raises RefreshTokenReused: a spent token outside the grace window; the session
            is ended.
        """
        if not refresh_token:
            raise FieldMissing("refresh_token is required", field="refresh_token")
        now = self._clock()

        with self._sessions.refresh_transaction(_token_hash(refresh_token), now) as rotation:
            session = rotation.session
            if not session.active(now):
                raise RefreshTokenInvalid(field="refresh_token")
            if rotation.spent_at is None:
                successor = _new_refresh_token()
                issued = self._issue(session, successor, now)
                sealed = seal(refresh_token, issued.to_json())
                rotation.spend(now, _token_hash(successor), sealed)
                return issued

            repeated = self._repeat_answer(
                refresh_token, rotation.spent_at, rotation.sealed_answer
            )
            if repeated is not None:
                return repeated
            rotation.revoke(now, "refresh_token_reused")
        raise RefreshTokenReused(field="refresh_token")

    def sign_out(self, refresh_token: str, access_token: str, every_session: bool) -> int:
        """End the session of either token, or all of its user's; return how many ended.

        :raises FieldMissing: neither token was given.
        :raises RefreshTokenInvalid, AccessTokenInvalid: the token is not ours.
        """
        session = self._session_of(refresh_token, access_token)
        now = self._clock()
        if every_session:
            return self._sessions.revoke_user_sessions(session.user_id, now, "signed_out_all")
        return self._sessions.revoke_session(session.id, now, "signed_out")

    def verify_access_token(self, access_token: str) -> AccessClaims:
        """Check an access token and that its session is still active.

        :raises AccessTokenInvalid: forged, expired, or its session has ended.
        """
        now = self._clock()
        claims = self._tokens.verify(access_token, now)
        session = self._sessions.find_session(claims.session_id)
        if session is None or session.user_id != claims.user_id or not session.active(now):
            raise AccessTokenInvalid()
        return claims

    def profile(self, access_token: str) -> UserRecord:
        """The user an access token speaks for.

        :raises AccessTokenInvalid: the token does not verify or its user is gone.
        """
        claims = self.verify_access_token(access_token)
        user = self._users.find_user(claims.user_id)
        if user is None:
            raise AccessTokenInvalid()
        return user

    def purge_expired(self) -> None:
        """Forget what no request can use any more: ended sessions past their lifetime,
        and the sealed answers of refresh tokens spent before the grace window.
        """
        now = self._clock()
        self._sessions.purge(expired_before=now, spent_before=now - self._policy.refresh_grace)

    def jwks(self) -> list[dict[str, str]]:
        """The public keys of access tokens, current first."""
        return self._tokens.jwks()["keys"]

    def _issue(self, session: SessionRecord, refresh_token: str, now: datetime) -> IssuedSession:
        access_token, claims = self._tokens.issue(session.user_id, session.id, now)
        return IssuedSession(
            user_id=session.user_id,
            session_id=session.id,
            issued_at=now,
            access_token=access_token,
            access_expires_at=claims.expires_at,
            refresh_token=refresh_token,
            session_expires_at=session.expires_at,
        )

    def _repeat_answer(
        self, refresh_token: str, spent_at: datetime, sealed: bytes | None
    ) -> IssuedSession | None:
        """The answer already given for this token, while the grace window is open."""
        if sealed is None or self._clock() - spent_at > self._policy.refresh_grace:
            return None
        opened = unseal(refresh_token, sealed)
        return None if opened is None else IssuedSession.from_json(opened)

    def _session_of(self, refresh_token: str, access_token: str) -> SessionRecord:
        if refresh_token:
            session = self._sessions.find_session_by_refresh(_token_hash(refresh_token))
            if session is None:
                raise RefreshTokenInvalid(field="refresh_token")
            return session
        if access_token:
            claims = self._tokens.verify(access_token, self._clock())
            session = self._sessions.find_session(claims.session_id)
            if session is None:
                raise AccessTokenInvalid()
            return session
        raise FieldMissing("Give refresh_token or access_token", field="refresh_token")


def _new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _decoy_hash() -> str:
    """A hash of a random password, verified when a user has none to spend equal time."""
    return hash_password(secrets.token_urlsafe(16))
