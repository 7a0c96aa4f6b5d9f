"""What the OpenAPI document says about failures: every status a path answers, with examples.

The reasons and their gRPC codes are the ones AuthService documents in its proto; the HTTP
status of each comes from the gateway's one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from authsvc import messages
from authsvc.gateway import errors
from authsvc.gateway.middleware import TOO_LARGE_MESSAGE
from authsvc.gateway.schemas import ErrorBody
from authsvc.gateway.upstream import NOT_SERVING_MESSAGE


@dataclass(frozen=True)
class Failure:
    """A failure a path may answer, as an OpenAPI example; ``label`` names the example."""

    status: int
    reason: str
    message: str
    label: str = ""


def _service(code: grpc.StatusCode, reason: str, message: str, label: str = "") -> Failure:
    return Failure(errors.HTTP_STATUS[code], reason, message, label or reason)


_Code = grpc.StatusCode
NAME_INVALID = _service(
    _Code.INVALID_ARGUMENT, "NAME_INVALID", "Names must be 1 to 100 characters"
)
PASSWORDS_MISMATCH = _service(
    _Code.INVALID_ARGUMENT, "PASSWORDS_MISMATCH", messages.PASSWORDS_MISMATCH
)
PASSWORD_INVALID = _service(
    _Code.INVALID_ARGUMENT, "PASSWORD_INVALID", "The password must be 8 to 128 characters long"
)
PHONE_INVALID = _service(_Code.INVALID_ARGUMENT, "PHONE_INVALID", messages.PHONE_INVALID)
PHONE_INVALID_VK = _service(
    _Code.INVALID_ARGUMENT, "PHONE_INVALID", messages.PHONE_INVALID_VK, "PHONE_INVALID (VK entry)"
)
CODE_INVALID = _service(_Code.INVALID_ARGUMENT, "CODE_INVALID", messages.CODE_INVALID)
CODE_INVALID_VK = _service(
    _Code.INVALID_ARGUMENT, "CODE_INVALID", messages.CODE_INVALID_VK, "CODE_INVALID (VK entry)"
)
PHONE_TAKEN = _service(_Code.ALREADY_EXISTS, "PHONE_TAKEN", messages.PHONE_TAKEN)
VK_ALREADY_LINKED = _service(
    _Code.ALREADY_EXISTS, "VK_ALREADY_LINKED", "This VK account is already linked to a user"
)
VK_TOKEN_INVALID = _service(_Code.UNAUTHENTICATED, "VK_TOKEN_INVALID", messages.VK_TOKEN_INVALID)
CALL_FAILED = _service(_Code.UNAVAILABLE, "CALL_FAILED", messages.CALL_FAILED)
VK_UNAVAILABLE = _service(
    _Code.UNAVAILABLE, "VK_UNAVAILABLE", "VK could not check the token right now"
)
REGISTRATION_NOT_FOUND = _service(
    _Code.NOT_FOUND, "REGISTRATION_NOT_FOUND", "The registration does not exist"
)
CODE_EXPIRED = _service(
    _Code.FAILED_PRECONDITION, "CODE_EXPIRED", "The code has expired; ask for a new call"
)
ATTEMPTS_EXHAUSTED = _service(
    _Code.FAILED_PRECONDITION, "ATTEMPTS_EXHAUSTED", "Too many wrong codes; ask for a new call"
)
PHONE_NOT_CONFIRMED = _service(
    _Code.FAILED_PRECONDITION, "PHONE_NOT_CONFIRMED", "No call has been placed"
)
CALL_TOO_SOON = _service(
    _Code.RESOURCE_EXHAUSTED, "CALL_TOO_SOON", "A new call can be asked for in 30 seconds"
)
CALL_LIMIT_REACHED = _service(
    _Code.RESOURCE_EXHAUSTED,
    "CALL_LIMIT_REACHED",
    "Too many calls to this phone number; try again later",
)
SIGN_IN_LOCKED = _service(
    _Code.RESOURCE_EXHAUSTED,
    "SIGN_IN_LOCKED",
    "Too many failed sign-ins for this phone number; try again later",
)
CREDENTIALS_INVALID = _service(
    _Code.UNAUTHENTICATED,
    "CREDENTIALS_INVALID",
    "The phone number or the password is not correct",
)
ACCESS_TOKEN_INVALID = _service(
    _Code.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID", "The access token is not valid"
)
REFRESH_TOKEN_INVALID = _service(
    _Code.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID", "The refresh token is not valid"
)
REFRESH_TOKEN_REUSED = _service(
    _Code.UNAUTHENTICATED,
    "REFRESH_TOKEN_REUSED",
    "The refresh token was already used; the session has been ended",
)
REFRESH_TOKEN_MISSING = _service(
    _Code.INVALID_ARGUMENT, "FIELD_MISSING", "refresh_token is required"
)
SESSION_TOKEN_MISSING = _service(
    _Code.INVALID_ARGUMENT, "FIELD_MISSING", "Give refresh_token or access_token"
)
REGISTRATION_ID_MISSING = Failure(
    400, errors.FIELD_MISSING, errors.REGISTRATION_ID_MISSING_MESSAGE
)

SERVICE_DOWN = Failure(503, errors.SERVICE_UNAVAILABLE, errors.SERVICE_UNAVAILABLE_MESSAGE)
NOT_SERVING = Failure(503, errors.SERVICE_UNAVAILABLE, NOT_SERVING_MESSAGE, "NOT_SERVING")

# What any path that calls the service may answer, whatever the service says.
SERVICE_FAILURES = (
    Failure(502, errors.SERVICE_FAILED, errors.SERVICE_FAILED_MESSAGE),
    SERVICE_DOWN,
    Failure(504, errors.SERVICE_TIMEOUT, errors.SERVICE_TIMEOUT_MESSAGE),
)
# What any path with a body may answer.
COMMON_FAILURES = (
    Failure(422, errors.REQUEST_INVALID, "code: Field required"),
    Failure(413, errors.REQUEST_TOO_LARGE, TOO_LARGE_MESSAGE),
    *SERVICE_FAILURES,
)

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "schema": {"type": "integer"},
    }
}
SET_COOKIE_HEADER = {
    "Set-Cookie": {
        "description": "registration_id=...; HttpOnly; Path=/; SameSite=Strict; Secure; "
        "Max-Age: the code's lifetime (a VK entry's cookie lasts for the browser session).",
        "schema": {"type": "string"},
    }
}

NO_STORE_HEADER = {
    "Cache-Control": {
        "description": "no-store: the answer holds tokens or personal data.",
        "schema": {"type": "string"},
    }
}
MAY_CACHE_HEADER = {
    "Cache-Control": {
        "description": "public, max-age=N: the seconds for which the answer may be cached.",
        "schema": {"type": "string"},
    }
}
CHALLENGE_HEADER = {
    "WWW-Authenticate": {
        "description": 'Bearer (no token was sent) or Bearer error="invalid_token" (RFC 6750).',
        "schema": {"type": "string"},
    }
}


def error_responses(
    *failures: Failure, sets_cookie: bool = False, hands_out_tokens: bool = False
) -> dict[int | str, Any]:
    """The responses of a path with a body: its own ``failures`` and the common ones.

    ``sets_cookie`` and ``hands_out_tokens`` document the Set-Cookie and the Cache-Control
    header of its success.
    """
    responses = failure_responses(*failures, *COMMON_FAILURES)
    headers: dict[str, Any] = {}
    if sets_cookie:
        headers |= SET_COOKIE_HEADER
    if hands_out_tokens:
        headers |= NO_STORE_HEADER
    if headers:
        responses[200] = {"headers": headers}
    return responses


def bearer_challenged(responses: dict[int | str, Any]) -> dict[int | str, Any]:
    """``responses`` of a path that takes a Bearer token, whose 401 carries the challenge."""
    responses[401]["headers"] = CHALLENGE_HEADER
    return responses


def failure_responses(*failures: Failure) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for ``failures``: one per status, each failure an example of it."""
    examples: dict[int, dict[str, Any]] = {}
    for failure in failures:
        body = {"detail": failure.message, "reason": failure.reason}
        examples.setdefault(failure.status, {})[failure.label or failure.reason] = {"value": body}

    responses: dict[int | str, dict[str, Any]] = {}
    for status, named in sorted(examples.items()):
        response: dict[str, Any] = {
            "model": ErrorBody,
            "description": ", ".join(named),
            "content": {"application/json": {"examples": named}},
        }
        if status == 429:
            response["headers"] = RETRY_AFTER_HEADER
        responses[status] = response
    return responses
