"""How session tokens travel over HTTP: out in answers no cache keeps, back as Bearer tokens.

An access token comes back in ``Authorization: Bearer <token>`` (RFC 6750); a refused one
gets the ``WWW-Authenticate`` challenge that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastapi import Depends, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from authsvc.gateway.errors import GatewayError

NO_STORE = "no-store"
# RFC 6750, 3.1: no error code when the request carried no token at all. Not secrets.
NO_TOKEN_CHALLENGE = "Bearer"  # noqa: S105
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'  # noqa: S105

AnswerT = TypeVar("AnswerT")

# Not auto_error: a missing or foreign scheme goes to the service, whose refusal is the
# usual error body instead of FastAPI's.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An access token from `/sign_in`, `/refresh` or the end of a registration.",
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without one."""
    token = credentials.credentials.strip() if credentials else ""
    return token or None


def forbid_caching(response: Response) -> None:
    """Keep the answer out of every cache: it holds tokens or personal data."""
    response.headers["Cache-Control"] = NO_STORE


async def challenged(call: Awaitable[AnswerT], *, token_sent: bool) -> AnswerT:
    """The answer of ``call``, whose 401 gets the challenge for a missing or refused token.

    :raises GatewayError: the call failed.
    """
    try:
        return await call
    except GatewayError as error:
        if error.status == 401:
            challenge = INVALID_TOKEN_CHALLENGE if token_sent else NO_TOKEN_CHALLENGE
            error.headers["WWW-Authenticate"] = challenge
        raise
