"""The one table from gRPC codes to HTTP statuses, and the error body every failure has.

Every failure answers ``{"detail": ..., "reason": ...}``: ``detail`` is the service's
public message (the seed's words where the seed has them) and ``reason`` the stable
machine value of the service's ErrorInfo, or one of the gateway's own below.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)

# The service's ErrorInfo domain; details from any other domain are not shown to clients.
ERROR_DOMAIN = "authsvc"

# As grpc-gateway maps them, except that a failure inside the service is a bad answer from
# upstream (502): the gateway itself never answers 500.
HTTP_STATUS: Mapping[grpc.StatusCode, int] = {
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 502,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 502,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 502,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}

# The gateway's own reasons, for failures that carry no ErrorInfo of the service.
REQUEST_INVALID = "REQUEST_INVALID"
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
FIELD_MISSING = "FIELD_MISSING"
PATH_NOT_FOUND = "PATH_NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
SERVICE_TIMEOUT = "SERVICE_TIMEOUT"
SERVICE_FAILED = "SERVICE_FAILED"

SERVICE_UNAVAILABLE_MESSAGE = "The authentication service is unavailable; try again later"
SERVICE_TIMEOUT_MESSAGE = "The authentication service did not answer in time; try again later"
SERVICE_FAILED_MESSAGE = "The authentication service failed to answer the request"
REGISTRATION_ID_MISSING_MESSAGE = (
    "registration_id is required: send it in the body or keep the registration_id cookie"
)


class GatewayError(Exception):
    """A failure answered with ``status`` and the error body; ``headers`` go with it."""

    def __init__(
        self, status: int, detail: str, reason: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        """The HTTP answer: the status, the error body and the headers."""
        body = {"detail": self.detail, "reason": self.reason}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def from_rpc_error(error: grpc.aio.AioRpcError) -> GatewayError:
    """Translate a failed gRPC call: its code by the table, its message and reason if ours."""
    code = error.code()
    status = HTTP_STATUS.get(code, 502)
    details = _rich_status(error)
    info = _unpack(details, error_details_pb2.ErrorInfo)
    if info is None or info.domain != ERROR_DOMAIN:
        # Not the service's own answer (the channel failed, or something else answered):
        # its text may describe internals, so the client gets a fixed one.
        logger.warning("upstream call failed: %s", code.name)
        return GatewayError(status, *_fixed_message(code))

    retry = _unpack(details, error_details_pb2.RetryInfo)
    headers = {}
    if retry is not None:
        delay = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
        headers["Retry-After"] = str(max(1, math.ceil(delay)))
    return GatewayError(status, details.message, info.reason, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure, the framework's too, answer with the error body."""
    app.add_exception_handler(GatewayError, _answer_gateway_error)
    app.add_exception_handler(RequestValidationError, _answer_invalid_request)
    app.add_exception_handler(HTTPException, _answer_http_exception)


def describe_validation_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line naming each bad field and what was expected, never the value sent."""
    parts = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        # Bodies are flat: the last part names the field; a bare "body" means the whole.
        where = location[-1] if len(location) > 1 else "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is malformed"


def _fixed_message(code: grpc.StatusCode) -> tuple[str, str]:
    if code == grpc.StatusCode.UNAVAILABLE:
        return SERVICE_UNAVAILABLE_MESSAGE, SERVICE_UNAVAILABLE
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return SERVICE_TIMEOUT_MESSAGE, SERVICE_TIMEOUT
    return SERVICE_FAILED_MESSAGE, SERVICE_FAILED


def _rich_status(error: grpc.aio.AioRpcError) -> Any:
    """The google.rpc.Status in the trailer; None when absent or not matching the call."""
    try:
        # An AioRpcError has what from_call reads (code, details, trailers); the stubs
        # only type it for grpc.Call.
        return rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:
        return None


# google.rpc ships no type information, hence Any for its messages.
def _unpack(status: Any, kind: Any) -> Any:
    """The first detail of type ``kind`` in a google.rpc.Status (None if absent)."""
    for envelope in getattr(status, "details", ()):
        if envelope.Is(kind.DESCRIPTOR):
            message = kind()
            envelope.Unpack(message)
            return message
    return None


async def _answer_gateway_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, GatewayError)
    return error.response()


async def _answer_invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    detail = describe_validation_errors(error.errors())
    return GatewayError(422, detail, REQUEST_INVALID).response()


async def _answer_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    reasons = {404: PATH_NOT_FOUND, 405: METHOD_NOT_ALLOWED}
    reason = reasons.get(error.status_code, REQUEST_INVALID)
    headers = dict(error.headers or {})
    return GatewayError(error.status_code, str(error.detail), reason, headers).response()
