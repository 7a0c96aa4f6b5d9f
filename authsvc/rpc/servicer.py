"""AuthService over gRPC: turns requests into domain calls and domain errors into statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import grpc
from auth.v1 import auth_pb2, auth_pb2_grpc

from authsvc import messages
from authsvc.errors import AuthError
from authsvc.registrations import CallPlaced, RegistrationService
from authsvc.rpc.status import rich_status

# The REST gateway passes the address of the person's device in this metadata key.
CLIENT_ADDRESS_KEY = "x-client-address"


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    """The AuthService RPCs; all logic lives in RegistrationService."""

    def __init__(self, registrations: RegistrationService) -> None:
        self._registrations = registrations

    def BeginRegistration(
        self, request: auth_pb2.BeginRegistrationRequest, context: grpc.ServicerContext
    ) -> auth_pb2.BeginRegistrationResponse:
        with domain_errors(context):
            placed = self._registrations.begin_registration(
                request.first_name,
                request.last_name,
                request.phone,
                request.password,
                request.confirmations_password,
            )
        return auth_pb2.BeginRegistrationResponse(
            registration_id=placed.registration_id,
            message=messages.CALL_PLACED,
            call=_call_info(placed),
        )

    def EndRegistration(
        self, request: auth_pb2.EndRegistrationRequest, context: grpc.ServicerContext
    ) -> auth_pb2.EndRegistrationResponse:
        with domain_errors(context):
            user_id = self._registrations.end_registration(request.registration_id, request.code)
        return auth_pb2.EndRegistrationResponse(user_id=user_id, message=messages.REGISTERED)

    def EntranceVk(
        self, request: auth_pb2.EntranceVkRequest, context: grpc.ServicerContext
    ) -> auth_pb2.EntranceVkResponse:
        with domain_errors(context):
            registration_id = self._registrations.enter_with_vk(
                request.token, client_address(context)
            )
        return auth_pb2.EntranceVkResponse(
            registration_id=registration_id, message=messages.VK_CONNECTED
        )

    def ConfirmationPhone(
        self, request: auth_pb2.ConfirmationPhoneRequest, context: grpc.ServicerContext
    ) -> auth_pb2.ConfirmationPhoneResponse:
        with domain_errors(context):
            placed = self._registrations.confirm_phone(request.registration_id, request.phone)
        return auth_pb2.ConfirmationPhoneResponse(
            registration_id=placed.registration_id,
            message=messages.CALL_PLACED,
            call=_call_info(placed),
        )

    def RepeatCall(
        self, request: auth_pb2.RepeatCallRequest, context: grpc.ServicerContext
    ) -> auth_pb2.RepeatCallResponse:
        with domain_errors(context):
            placed = self._registrations.repeat_call(request.registration_id)
        return auth_pb2.RepeatCallResponse(
            registration_id=placed.registration_id,
            message=messages.CALL_PLACED,
            call=_call_info(placed),
        )


@contextmanager
def domain_errors(context: grpc.ServicerContext) -> Iterator[None]:
    """Abort the call with the rich status of any domain error raised inside."""
    try:
        yield
    except AuthError as error:
        context.abort_with_status(rich_status(error))


def client_address(context: grpc.ServicerContext) -> str | None:
    """The person's address: from the gateway's metadata, else the gRPC peer's IP."""
    for key, value in context.invocation_metadata() or ():
        if key == CLIENT_ADDRESS_KEY and isinstance(value, str) and value:
            return value
    # grpcio percent-encodes the brackets of IPv6 peers ("ipv6:%5B::1%5D:5000").
    peer = unquote(context.peer() or "")
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return None


def _call_info(placed: CallPlaced) -> auth_pb2.CallInfo:
    return auth_pb2.CallInfo(
        code_length=placed.code_length,
        code_expires_in_seconds=placed.code_expires_in_seconds,
        retry_call_in_seconds=placed.retry_call_in_seconds,
    )
