"""One table from domain errors to gRPC status codes, and the rich status they travel in."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from authsvc.errors import (
    AuthError,
    FlowStateError,
    InvalidInput,
    PhoneTaken,
    ProviderUnavailable,
    RegistrationNotFound,
    RetryLater,
    Unauthenticated,
    VkAlreadyLinked,
)

ERROR_DOMAIN = "authsvc"

# The first class in an error's MRO that is listed here decides its code.
STATUS_CODES: dict[type[AuthError], grpc.StatusCode] = {
    InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    PhoneTaken: grpc.StatusCode.ALREADY_EXISTS,
    VkAlreadyLinked: grpc.StatusCode.ALREADY_EXISTS,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    ProviderUnavailable: grpc.StatusCode.UNAVAILABLE,
    RegistrationNotFound: grpc.StatusCode.NOT_FOUND,
    FlowStateError: grpc.StatusCode.FAILED_PRECONDITION,
    RetryLater: grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def status_code(error: AuthError) -> grpc.StatusCode:
    """The gRPC code of a domain error; UNKNOWN only for an error missing from the table."""
    for cls in type(error).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return grpc.StatusCode.UNKNOWN


def rich_status(error: AuthError) -> grpc.Status:
    """Build the status: code, public message, ErrorInfo, and BadRequest or RetryInfo."""
    code = status_code(error)
    details = [error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN)]
    if error.field is not None and code == grpc.StatusCode.INVALID_ARGUMENT:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message, reason=error.reason
        )
        details.append(error_details_pb2.BadRequest(field_violations=[violation]))
    if isinstance(error, RetryLater):
        delay = duration_pb2.Duration(seconds=error.retry_after_seconds)
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))

    packed = []
    for detail in details:
        envelope = any_pb2.Any()
        envelope.Pack(detail)
        packed.append(envelope)
    status = status_pb2.Status(
        code=getattr(code_pb2, code.name), message=error.message, details=packed
    )
    return rpc_status.to_status(status)
