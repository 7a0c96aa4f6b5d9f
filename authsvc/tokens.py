"""Access tokens: short-lived JWTs (PyJWT) signed with the current key, checked against all keys.

Every verification failure raises the same ``AccessTokenInvalid``; the reason goes to the
DEBUG log only, and the token itself never does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from authsvc.errors import AccessTokenInvalid
from authsvc.signing_keys import SigningKey

logger = logging.getLogger(__name__)

REQUIRED_CLAIMS = ("iss", "sub", "aud", "iat", "exp", "jti", "sid")


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: whose it is, of which session, and for how long."""

    user_id: str
    session_id: str
    token_id: str
    issued_at: datetime
    expires_at: datetime


class AccessTokens:
    """Issues access tokens with the first key and verifies tokens of any of the keys.

    :raises ValueError: (on construction) no key is given.
    """

    def __init__(
        self,
        keys: Sequence[SigningKey],
        issuer: str,
        audience: str,
        ttl: timedelta,
        leeway: timedelta = timedelta(seconds=30),
    ) -> None:
        if not keys:
            raise ValueError("AccessTokens needs at least one signing key")
        self._signer = keys[0]
        self._keys = {key.kid: key for key in keys}
        self._issuer = issuer
        self._audience = audience
        self._ttl_seconds = int(ttl.total_seconds())
        self._leeway = leeway

    def issue(self, user_id: str, session_id: str, now: datetime) -> tuple[str, AccessClaims]:
        """Sign a token for the user's session, valid from ``now`` for the configured ttl."""
        issued_at = int(now.timestamp())
        expires_at = issued_at + self._ttl_seconds
        token_id = uuid.uuid4().hex
        payload = {
            "iss": self._issuer,
            "sub": user_id,
            "aud": self._audience,
            "iat": issued_at,
            "exp": expires_at,
            "jti": token_id,
            "sid": session_id,
        }

        token = jwt.encode(
            payload,
            self._signer.private_key,
            algorithm=self._signer.algorithm,
            headers={"kid": self._signer.kid},
        )
        return token, _claims_from(payload)

    def verify(self, token: str, now: datetime) -> AccessClaims:
        """Check the signature, algorithm, issuer, audience and times; return the claims.

        :raises AccessTokenInvalid: for every failure, always with the same message.
        """
        try:
            claims = _claims_from(self._decode(token))
            self._check_times(claims, now)
        except jwt.PyJWTError as exc:
            logger.debug("access token rejected: %s: %s", type(exc).__name__, exc)
            raise AccessTokenInvalid from exc
        return claims

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys as a JWK Set (RFC 7517), the signing key first."""
        return {"keys": [key.public_jwk() for key in self._keys.values()]}

    def _decode(self, token: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token).get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.InvalidTokenError("The token names no known signing key")

        # Only the key's own algorithm is allowed: no "none", and no HS256 keyed with a
        # public key. PyJWT would check exp and iat against the system clock, so those two
        # are checked in _check_times against the injected ``now`` instead.
        return jwt.decode(
            token,
            key.public_key(),
            algorithms=[key.algorithm],
            audience=self._audience,
            issuer=self._issuer,
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )

    def _check_times(self, claims: AccessClaims, now: datetime) -> None:
        if now >= claims.expires_at + self._leeway:
            raise jwt.ExpiredSignatureError("The token has expired")
        if claims.issued_at > now + self._leeway:
            raise jwt.ImmatureSignatureError("The token was issued in the future")


def _claims_from(payload: dict[str, Any]) -> AccessClaims:
    return AccessClaims(
        user_id=_text(payload, "sub"),
        session_id=_text(payload, "sid"),
        token_id=_text(payload, "jti"),
        issued_at=_instant(payload, "iat"),
        expires_at=_instant(payload, "exp"),
    )


def _text(payload: dict[str, Any], claim: str) -> str:
    value = payload[claim]
    if not isinstance(value, str) or not value:
        raise jwt.InvalidTokenError(f"The {claim} claim must be a non-empty string")
    return value


def _instant(payload: dict[str, Any], claim: str) -> datetime:
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int):
        raise jwt.InvalidTokenError(f"The {claim} claim must be a whole number of seconds")

    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise jwt.InvalidTokenError(f"The {claim} claim is out of range") from exc
