"""Access tokens: what they carry, when they stop verifying, and every forgery they refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from authsvc.errors import AccessTokenInvalid
from authsvc.signing_keys import SigningKey
from authsvc.tokens import AccessClaims, AccessTokens

ISSUER = "https://auth.example.test"
AUDIENCE = "services.example.test"
TTL = timedelta(minutes=15)
LEEWAY = timedelta(seconds=30)
NOW = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def current_key() -> SigningKey:
    return SigningKey.from_private_key(Ed25519PrivateKey.generate())


@pytest.fixture
def previous_key() -> SigningKey:
    return SigningKey.from_private_key(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def tokens(current_key: SigningKey) -> AccessTokens:
    return AccessTokens([current_key], ISSUER, AUDIENCE, TTL)


def tokens_of(*keys: SigningKey, issuer: str = ISSUER, audience: str = AUDIENCE) -> AccessTokens:
    return AccessTokens(keys, issuer, audience, TTL)


def payload(**changes: object) -> dict[str, object]:
    """The claims a token issued at NOW carries, with some replaced."""
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": AUDIENCE,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + TTL).timestamp()),
        "jti": "0" * 32,
        "sid": "session-1",
    }
    return claims | changes


def signed(key: SigningKey, claims: dict[str, object], kid: str | None = None) -> str:
    headers = {"kid": kid or key.kid}
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: object) -> str:
    return b64(json.dumps(value).encode())


def assert_invalid(tokens: AccessTokens, token: str, now: datetime = NOW) -> None:
    with pytest.raises(AccessTokenInvalid) as caught:
        tokens.verify(token, now)

    assert str(caught.value) == "The access token is not valid"


def test_issued_token_verifies_to_exactly_the_issued_claims(tokens: AccessTokens) -> None:
    token, claims = tokens.issue("user-1", "session-1", NOW)

    assert claims == AccessClaims(
        user_id="user-1",
        session_id="session-1",
        token_id=claims.token_id,
        issued_at=NOW,
        expires_at=NOW + TTL,
    )
    assert tokens.verify(token, NOW) == claims


def test_token_carries_the_standard_claims_and_the_signing_kid(
    tokens: AccessTokens, current_key: SigningKey
) -> None:
    token, claims = tokens.issue("user-1", "session-1", NOW)

    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "kid": current_key.kid,
        "typ": "JWT",
    }
    assert jwt.decode(token, options={"verify_signature": False}) == payload(jti=claims.token_id)


def test_each_token_has_its_own_32_hex_digit_id(tokens: AccessTokens) -> None:
    ids = {tokens.issue("user-1", "session-1", NOW)[1].token_id for _ in range(100)}

    assert len(ids) == 100
    assert all(len(token_id) == 32 and int(token_id, 16) >= 0 for token_id in ids)


def test_token_is_valid_until_expiry_plus_leeway(tokens: AccessTokens) -> None:
    token, claims = tokens.issue("user-1", "session-1", NOW)
    expiry = NOW + TTL

    assert tokens.verify(token, expiry - SECOND) == claims
    assert tokens.verify(token, expiry) == claims
    assert tokens.verify(token, expiry + LEEWAY - SECOND) == claims
    assert_invalid(tokens, token, expiry + LEEWAY)
    assert_invalid(tokens, token, expiry + timedelta(days=1))


def test_token_issued_beyond_leeway_in_the_future_is_invalid(tokens: AccessTokens) -> None:
    token, claims = tokens.issue("user-1", "session-1", NOW)

    assert tokens.verify(token, NOW - LEEWAY) == claims
    assert_invalid(tokens, token, NOW - LEEWAY - SECOND)


def test_token_signed_by_an_unknown_key_is_invalid(tokens: AccessTokens) -> None:
    stranger = SigningKey.from_private_key(Ed25519PrivateKey.generate())
    token, _ = tokens_of(stranger).issue("user-1", "session-1", NOW)

    assert_invalid(tokens, token)


@pytest.mark.parametrize(
    "forger",
    [
        pytest.param(Ed25519PrivateKey.generate(), id="ed25519"),
        pytest.param(ec.generate_private_key(ec.SECP256R1()), id="es256"),
    ],
)
def test_token_naming_our_kid_but_signed_by_another_key_is_invalid(
    tokens: AccessTokens, current_key: SigningKey, forger: PrivateKeyTypes
) -> None:
    token = signed(SigningKey.from_private_key(forger), payload(), kid=current_key.kid)

    assert_invalid(tokens, token)


def test_tampered_payload_is_invalid(tokens: AccessTokens) -> None:
    token, claims = tokens.issue("user-1", "session-1", NOW)
    header, _, signature = token.split(".")

    forged_payload = b64_json(payload(sub="user-2", jti=claims.token_id))

    assert_invalid(tokens, f"{header}.{forged_payload}.{signature}")


def test_alg_none_token_is_invalid(tokens: AccessTokens, current_key: SigningKey) -> None:
    header = b64_json({"alg": "none", "kid": current_key.kid, "typ": "JWT"})

    assert_invalid(tokens, f"{header}.{b64_json(payload())}.")


@pytest.mark.parametrize(
    ("encoding", "public_format"),
    [
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    ],
)
def test_hs256_token_keyed_with_the_public_key_is_invalid(
    tokens: AccessTokens,
    current_key: SigningKey,
    encoding: serialization.Encoding,
    public_format: serialization.PublicFormat,
) -> None:
    secret = current_key.public_key().public_bytes(encoding, public_format)
    header = b64_json({"alg": "HS256", "kid": current_key.kid, "typ": "JWT"})
    signing_input = f"{header}.{b64_json(payload())}"

    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()

    assert_invalid(tokens, f"{signing_input}.{b64(mac)}")


def test_token_for_another_audience_is_invalid(
    tokens: AccessTokens, current_key: SigningKey
) -> None:
    token, _ = tokens_of(current_key, audience="billing.example.test").issue("u", "s", NOW)

    assert_invalid(tokens, token)


def test_token_from_another_issuer_is_invalid(
    tokens: AccessTokens, current_key: SigningKey
) -> None:
    token, _ = tokens_of(current_key, issuer="https://evil.example.test").issue("u", "s", NOW)

    assert_invalid(tokens, token)


@pytest.mark.parametrize("claim", ["iss", "sub", "aud", "iat", "exp", "jti", "sid"])
def test_token_missing_a_required_claim_is_invalid(
    tokens: AccessTokens, current_key: SigningKey, claim: str
) -> None:
    claims = payload()
    del claims[claim]

    assert_invalid(tokens, signed(current_key, claims))


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": 7},
        {"sid": ""},
        {"sid": ["session-1"]},
        {"jti": None},
        {"exp": "2031-05-04T12:15:00Z"},
        {"exp": float(NOW.timestamp() + 900)},
        {"iat": True},
        {"exp": 10**20},
    ],
    ids=repr,
)
def test_token_with_a_claim_of_the_wrong_kind_is_invalid(
    tokens: AccessTokens, current_key: SigningKey, changes: dict[str, object]
) -> None:
    assert_invalid(tokens, signed(current_key, payload(**changes)))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b.c",
        "..",
        "токен.токен.токен",
        f"{b64_json(['not', 'an', 'object'])}.{b64_json(payload())}.",
        f"{b64_json({'alg': 'EdDSA', 'kid': 7})}.{b64_json(payload())}.AAAA",
        f"{b64_json({'alg': 'EdDSA'})}.{b64_json(payload())}.AAAA",
    ],
)
def test_garbage_is_invalid(tokens: AccessTokens, token: str) -> None:
    assert_invalid(tokens, token)


def test_rejection_is_logged_at_debug_without_the_token(
    tokens: AccessTokens, caplog: pytest.LogCaptureFixture
) -> None:
    token, _ = tokens.issue("user-1", "session-1", NOW)
    caplog.set_level(logging.DEBUG, logger="authsvc.tokens")

    assert_invalid(tokens, token, NOW + timedelta(days=1))

    assert caplog.messages == [
        "access token rejected: ExpiredSignatureError: The token has expired"
    ]
    assert all(part not in caplog.text for part in token.split("."))


def test_tokens_of_the_previous_key_verify_until_they_expire(
    current_key: SigningKey, previous_key: SigningKey
) -> None:
    old_token, old_claims = tokens_of(previous_key).issue("user-1", "session-1", NOW)
    rotated = tokens_of(current_key, previous_key)

    new_token, _ = rotated.issue("user-1", "session-1", NOW)

    assert jwt.get_unverified_header(new_token)["kid"] == current_key.kid
    assert rotated.verify(old_token, NOW + TTL - SECOND) == old_claims
    assert_invalid(rotated, old_token, NOW + TTL + LEEWAY)


def test_jwks_lists_every_key_with_distinct_kids(
    current_key: SigningKey, previous_key: SigningKey
) -> None:
    jwks = tokens_of(current_key, previous_key).jwks()

    assert jwks == {"keys": [current_key.public_jwk(), previous_key.public_jwk()]}
    assert current_key.kid != previous_key.kid
    assert all("d" not in jwk for jwk in jwks["keys"])


def test_es256_token_round_trips(previous_key: SigningKey) -> None:
    tokens = tokens_of(previous_key)

    token, claims = tokens.issue("user-1", "session-1", NOW)

    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert tokens.verify(token, NOW) == claims


def test_no_signing_key_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="at least one signing key"):
        AccessTokens([], ISSUER, AUDIENCE, TTL)


@pytest.mark.parametrize("signer", ["current", "previous"])
def test_a_service_verifies_offline_with_only_the_jwks_and_pyjwt(
    current_key: SigningKey, previous_key: SigningKey, signer: str
) -> None:
    published = json.dumps(tokens_of(current_key, previous_key).jwks())
    key = current_key if signer == "current" else previous_key
    token, _ = tokens_of(key).issue("user-1", "session-1", datetime.now(UTC))

    # What another service does, as in the README: the JWKS JSON and PyJWT, nothing else.
    key_set = jwt.PyJWKSet.from_dict(json.loads(published))
    public_key = key_set[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        public_key,
        algorithms=[public_key.algorithm_name],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "sid"]},
    )

    assert (claims["sub"], claims["sid"]) == ("user-1", "session-1")
