"""Bodies of the session paths, and the session fields of every answer that signs someone in.

The session travels as the flat fields of an OAuth 2.0 token response (RFC 6749, 5.1), so
any OAuth client library reads it, plus ``session_id``: the ``sid`` of its access tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from auth.v1 import auth_pb2
from pydantic import BaseModel, ConfigDict, Field

from authsvc import messages
from authsvc.gateway.schemas import PhoneField, RequestBody

USER_ID_EXAMPLE = "0f8c2a6e-41d7-4b3a-8e5f-9c1d2b7a6e40"
# Examples for the docs, not secrets.
ACCESS_TOKEN_EXAMPLE = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIwZjhjIn0.c2lnbmF0dXJl"  # noqa: S105
REFRESH_TOKEN_EXAMPLE = "t3Vq9JcXkS0d2oGmF7yWbRzL1eHnPaU4iQ8vKxCwZ5s"  # noqa: S105
TOKENS_EXAMPLE = {
    "access_token": ACCESS_TOKEN_EXAMPLE,
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": REFRESH_TOKEN_EXAMPLE,
    "refresh_token_expires_in": 2_592_000,
    "session_id": "5b0e7c1a-3f2d-4e8b-9a61-2c4d8f0e7b13",
}
RefreshTokenField = Field(
    description="The latest refresh token of the session.", examples=[REFRESH_TOKEN_EXAMPLE]
)


def session_fields(session: auth_pb2.Session) -> dict[str, Any]:
    """The fields of SessionTokens for the service's ``session``."""
    return {
        "access_token": session.access_token,
        "token_type": session.token_type,
        "expires_in": session.access_token_expires_in_seconds,
        "refresh_token": session.refresh_token,
        "refresh_token_expires_in": session.refresh_token_expires_in_seconds,
        "session_id": session.session_id,
    }


def _answer_examples(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class SessionTokens(BaseModel):
    """The tokens of a session, at the end of an answer."""

    access_token: str = Field(
        description="A JWT to send as `Authorization: Bearer <token>`; other services "
        "verify it with the keys at `/.well-known/jwks.json`."
    )
    token_type: str = Field(description='Always "Bearer".')
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(
        description="Works once, at `/refresh`, which hands out the next one. Keep it secret."
    )
    refresh_token_expires_in: int = Field(
        description="Seconds until the session ends and no refresh works any more."
    )
    session_id: str = Field(description="The session, as access tokens name it (`sid`).")


class Success(BaseModel):
    """The status every success carries."""

    status: Literal[200] = 200


class UserMessage(Success):
    """A success that names its user and has a message to show."""

    message: str
    user_id: str = Field(description="The signed-in user.")


# Pydantic orders fields from the last base to the first: status and message come first.
class FlowDone(SessionTokens, UserMessage):
    """A flow ended: the user is registered (or VK is linked to them) and signed in."""

    model_config = _answer_examples(
        {"status": 200, "message": messages.REGISTERED, "user_id": USER_ID_EXAMPLE}
        | TOKENS_EXAMPLE
    )


class SignedIn(SessionTokens, UserMessage):
    """The user is signed in: with phone and password, or with a VK account linked before."""

    model_config = _answer_examples(
        {"status": 200, "message": messages.SIGNED_IN, "user_id": USER_ID_EXAMPLE} | TOKENS_EXAMPLE
    )


class Refreshed(SessionTokens, Success):
    """The session goes on with new tokens; the refresh token sent is spent."""

    model_config = _answer_examples({"status": 200} | TOKENS_EXAMPLE)


class SignedOut(Success):
    """Sessions ended (none when the session had ended already)."""

    model_config = _answer_examples(
        {"status": 200, "message": messages.SIGNED_OUT, "ended_sessions": 1}
    )

    message: str
    ended_sessions: int = Field(description="How many sessions this request ended.")


class SignInBody(RequestBody):
    """``POST /sign_in``: a registered user's phone and password."""

    phone: str = PhoneField
    password: str = Field(examples=["correct horse"])


class RefreshBody(RequestBody):
    """``POST /refresh``: trade the refresh token for new tokens."""

    refresh_token: str = RefreshTokenField


class SignOutBody(RequestBody):
    """``POST /sign_out``: a token of the session (else the Authorization header's)."""

    refresh_token: str | None = Field(
        default=None,
        description="The session's refresh token; wins over an access token.",
        examples=[REFRESH_TOKEN_EXAMPLE],
    )
    access_token: str | None = Field(
        default=None,
        description="An access token of the session; wins over the Authorization header.",
        examples=[ACCESS_TOKEN_EXAMPLE],
    )
    all_sessions: bool = Field(
        default=False, description="End every session of the user, not only this one."
    )


class Profile(BaseModel):
    """The signed-in user, as ``GET /me`` shows them."""

    model_config = _answer_examples(
        {
            "user_id": USER_ID_EXAMPLE,
            "first_name": "Ivan",
            "last_name": "Petrov",
            "phone": "+79001000010",
            "vk_linked": False,
            "registered_at": "2025-06-01T09:30:00.123456Z",
        }
    )

    user_id: str
    first_name: str
    last_name: str
    phone: str = Field(description="E.164: +7XXXXXXXXXX.")
    vk_linked: bool = Field(description="Whether a VK account is linked to the user.")
    registered_at: datetime = Field(description="When the user registered (RFC 3339, UTC).")


class JsonWebKey(BaseModel):
    """A public key that verifies access tokens (RFC 7517)."""

    kty: str = Field(description='"OKP" (Ed25519) or "EC" (P-256).')
    crv: str = Field(description='"Ed25519" or "P-256".')
    x: str
    y: str | None = Field(default=None, description="EC keys only; left out of OKP keys.")
    kid: str = Field(description="The `kid` header of the tokens this key signed.")
    alg: str = Field(description='"EdDSA" or "ES256".')
    use: str = Field(description='Always "sig".')


class JwkSet(BaseModel):
    """``GET /.well-known/jwks.json``: the keys of tokens still valid, the current one first."""

    model_config = _answer_examples(
        {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": "mH77szKyjpmGbQKPhARMNfEev-27Y7QKmBclbmnDRvU",
                    "kid": "EgGW4mZx6AdRQ2sMbNePIQYWWhTrgq9zgYWC1nwBdB0",
                    "alg": "EdDSA",
                    "use": "sig",
                }
            ]
        }
    )

    keys: list[JsonWebKey]
