"""AuthService over gRPC: turns requests into domain calls and domain errors into statuses."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import grpc
from auth.v1 import auth_pb2, auth_pb2_grpc

from authsvc import messages
from authsvc.errors import AuthError
from authsvc.registrations import CallPlaced, RegistrationService
from authsvc.rpc.status import rich_status
from authsvc.session_repository import ClientInfo
from authsvc.sessions import IssuedSession, SessionService

# The REST gateway passes the address and user agent of the person's device in these
# metadata keys; other callers' own user-agent is used otherwise.
CLIENT_ADDRESS_KEY = "x-client-address"
CLIENT_USER_AGENT_KEY = "x-client-user-agent"
TOKEN_TYPE = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    """The AuthService RPCs; all logic lives in RegistrationService."""

    def __init__(self, registrations: RegistrationService, sessions: SessionService) -> None:
        self._registrations = registrations
        self._sessions = sessions

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
        return auth_pb2.BeginRegistrationResponse(**_call_placed(placed))

    def EndRegistration(
        self, request: auth_pb2.EndRegistrationRequest, context: grpc.ServicerContext
    ) -> auth_pb2.EndRegistrationResponse:
        with domain_errors(context):
            user_id = self._registrations.end_registration(request.registration_id, request.code)
            issued = self._sessions.start_session(user_id, client_info(context))
        return auth_pb2.EndRegistrationResponse(
            user_id=user_id, message=messages.REGISTERED, session=session_message(issued)
        )

    def EntranceVk(
        self, request: auth_pb2.EntranceVkRequest, context: grpc.ServicerContext
    ) -> auth_pb2.EntranceVkResponse:
        with domain_errors(context):
            entry = self._registrations.enter_with_vk(request.token, client_address(context))
            if entry.linked_user_id is not None:
                issued = self._sessions.start_session(entry.linked_user_id, client_info(context))
                return auth_pb2.EntranceVkResponse(
                    message=messages.SIGNED_IN_VK,
                    session=session_message(issued),
                    user_id=issued.user_id,
                )
        return auth_pb2.EntranceVkResponse(
            registration_id=entry.registration_id, message=messages.VK_CONNECTED
        )

    def ConfirmationPhone(
        self, request: auth_pb2.ConfirmationPhoneRequest, context: grpc.ServicerContext
    ) -> auth_pb2.ConfirmationPhoneResponse:
        with domain_errors(context):
            placed = self._registrations.confirm_phone(request.registration_id, request.phone)
        return auth_pb2.ConfirmationPhoneResponse(**_call_placed(placed))

    def RepeatCall(
        self, request: auth_pb2.RepeatCallRequest, context: grpc.ServicerContext
    ) -> auth_pb2.RepeatCallResponse:
        with domain_errors(context):
            placed = self._registrations.repeat_call(request.registration_id)
        return auth_pb2.RepeatCallResponse(**_call_placed(placed))

    def SignIn(
        self, request: auth_pb2.SignInRequest, context: grpc.ServicerContext
    ) -> auth_pb2.SignInResponse:
        with domain_errors(context):
            issued = self._sessions.sign_in(request.phone, request.password, client_info(context))
        return auth_pb2.SignInResponse(
            user_id=issued.user_id, message=messages.SIGNED_IN, session=session_message(issued)
        )

    def RefreshSession(
        self, request: auth_pb2.RefreshSessionRequest, context: grpc.ServicerContext
    ) -> auth_pb2.RefreshSessionResponse:
        with domain_errors(context):
            issued = self._sessions.refresh(request.refresh_token)
        return auth_pb2.RefreshSessionResponse(session=session_message(issued))

    def SignOut(
        self, request: auth_pb2.SignOutRequest, context: grpc.ServicerContext
    ) -> auth_pb2.SignOutResponse:
        with domain_errors(context):
            ended = self._sessions.sign_out(
                request.refresh_token, request.access_token, request.all_sessions
            )
        return auth_pb2.SignOutResponse(message=messages.SIGNED_OUT, ended_sessions=ended)

    def VerifyAccessToken(
        self, request: auth_pb2.VerifyAccessTokenRequest, context: grpc.ServicerContext
    ) -> auth_pb2.VerifyAccessTokenResponse:
        with domain_errors(context):
            claims = self._sessions.verify_access_token(request.access_token)
        response = auth_pb2.VerifyAccessTokenResponse(
            user_id=claims.user_id, session_id=claims.session_id
        )
        response.expires_at.FromDatetime(claims.expires_at)
        return response

    def GetJwks(
        self, request: auth_pb2.GetJwksRequest, context: grpc.ServicerContext
    ) -> auth_pb2.GetJwksResponse:
        keys = [auth_pb2.JsonWebKey(**jwk) for jwk in self._sessions.jwks()]
        return auth_pb2.GetJwksResponse(keys=keys)

    def GetProfile(
        self, request: auth_pb2.GetProfileRequest, context: grpc.ServicerContext
    ) -> auth_pb2.GetProfileResponse:
        with domain_errors(context):
            user = self._sessions.profile(bearer_token(context))
        response = auth_pb2.GetProfileResponse(
            user_id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            phone=user.phone,
            vk_linked=user.has_vk,
        )
        response.registered_at.FromDatetime(user.created_at)
        return response


@contextmanager
def domain_errors(context: grpc.ServicerContext) -> Iterator[None]:
    """Abort the call with the rich status of any domain error raised inside."""
    try:
        yield
    except AuthError as error:
        context.abort_with_status(rich_status(error))


def client_address(context: grpc.ServicerContext) -> str | None:
    """The person's address: from the gateway's metadata, else the gRPC peer's IP."""
    for key, value in _metadata(context):
        if key == CLIENT_ADDRESS_KEY and value:
            return value
    # grpcio percent-encodes the brackets of IPv6 peers ("ipv6:%5B::1%5D:5000").
    peer = unquote(context.peer() or "")
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]")
    return None


def client_info(context: grpc.ServicerContext) -> ClientInfo:
    """Where the person calls from, for the session record."""
    agents = {key: value for key, value in _metadata(context) if key.endswith("user-agent")}
    agent = agents.get(CLIENT_USER_AGENT_KEY) or agents.get("user-agent")
    return ClientInfo(address=client_address(context), user_agent=agent)


def bearer_token(context: grpc.ServicerContext) -> str:
    """The token of ``authorization: Bearer <token>`` metadata, or "" when absent."""
    for key, value in _metadata(context):
        scheme, _, token = value.partition(" ")
        if key == "authorization" and scheme.lower() == "bearer":
            return token.strip()
    return ""


def _metadata(context: grpc.ServicerContext) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, value in context.invocation_metadata() or ()
        if isinstance(value, str)
    ]


def session_message(issued: IssuedSession) -> auth_pb2.Session:
    now = issued.issued_at
    return auth_pb2.Session(
        session_id=issued.session_id,
        access_token=issued.access_token,
        access_token_expires_in_seconds=_seconds_between(now, issued.access_expires_at),
        refresh_token=issued.refresh_token,
        refresh_token_expires_in_seconds=_seconds_between(now, issued.session_expires_at),
        token_type=TOKEN_TYPE,
    )


def _seconds_between(start: datetime, end: datetime) -> int:
    # JWT times are whole seconds: round up so a 900 s token says 900, not 899.
    return max(0, math.ceil((end - start).total_seconds()))


def _call_placed(placed: CallPlaced) -> dict[str, Any]:
    """The fields of every answer that placed a call."""
    call = auth_pb2.CallInfo(
        code_length=placed.code_length,
        code_expires_in_seconds=placed.code_expires_in_seconds,
        retry_call_in_seconds=placed.retry_call_in_seconds,
    )
    return {
        "registration_id": placed.registration_id,
        "message": messages.CALL_PLACED,
        "call": call,
    }
