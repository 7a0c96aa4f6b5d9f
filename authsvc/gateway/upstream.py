"""The gRPC channel to AuthService: one typed method per RPC, each with a deadline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import grpc
from auth.v1 import auth_pb2
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from authsvc.gateway.errors import (
    SERVICE_UNAVAILABLE,
    SERVICE_UNAVAILABLE_MESSAGE,
    GatewayError,
    from_rpc_error,
)

# The service reads the person's device from these metadata keys (authsvc.rpc.servicer);
# the gateway imports nothing of the service, so the names are repeated here.
CLIENT_ADDRESS_KEY = "x-client-address"
CLIENT_USER_AGENT_KEY = "x-client-user-agent"
AUTHORIZATION_KEY = "authorization"
# Far above any token or user agent of ours; keeps the metadata well under gRPC's 8 KB.
MAX_METADATA_VALUE = 2048
SERVICE_NAME = "auth.v1.AuthService"
HEALTH_DEADLINE_SECONDS = 2.0
NOT_SERVING_MESSAGE = "The authentication service is not serving"

_CHANNEL_OPTIONS = [
    # Reconnect soon after the service comes back, instead of backing off for minutes.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5_000),
    # The service allows a ping every 10 s at most; one every 30 s keeps idle links alive.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
]

RequestT = TypeVar("RequestT", bound=Message)
ResponseT = TypeVar("ResponseT", bound=Message)


@dataclass(frozen=True)
class Client:
    """Whom a call is made for, as the service learns it from the call's metadata."""

    address: str | None = None
    user_agent: str | None = None
    access_token: str | None = None

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """The metadata of a call: the parts that are known, each fit to send."""
        pairs = (
            (CLIENT_ADDRESS_KEY, self.address),
            (CLIENT_USER_AGENT_KEY, self.user_agent),
            (AUTHORIZATION_KEY, f"Bearer {self.access_token}" if self.access_token else None),
        )
        return tuple((key, sendable(value)) for key, value in pairs if value)


def sendable(value: str) -> str:
    """``value`` with what gRPC refuses in metadata (all but printable ASCII) as "?", clipped.

    HTTP headers may hold any byte; gRPC would fail the call before sending it.
    """
    printable = "".join(char if " " <= char <= "~" else "?" for char in value)
    return printable[:MAX_METADATA_VALUE]


class Rpc(Generic[RequestT, ResponseT]):
    """One AuthService RPC; a failure comes out as a GatewayError."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        name: str,
        types: tuple[type[RequestT], type[ResponseT]],
        deadline_seconds: float,
    ) -> None:
        request_type, response_type = types
        self._call = channel.unary_unary(
            f"/{SERVICE_NAME}/{name}",
            request_serializer=request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        self._deadline = deadline_seconds

    async def __call__(self, request: RequestT, client: Client) -> ResponseT:
        """Call the RPC for ``client``.

        :raises GatewayError: the call failed; its status and body come from the gRPC code.
        """
        metadata = client.metadata() or None
        try:
            return await self._call(request, timeout=self._deadline, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from error


class Upstream:
    """The channel to AuthService and its RPCs; close it when the gateway stops."""

    def __init__(self, address: str, deadline_seconds: float) -> None:
        self._channel = grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS)
        self._deadline = deadline_seconds
        pb = auth_pb2
        self.begin_registration = self._rpc(
            "BeginRegistration", (pb.BeginRegistrationRequest, pb.BeginRegistrationResponse)
        )
        self.end_registration = self._rpc(
            "EndRegistration", (pb.EndRegistrationRequest, pb.EndRegistrationResponse)
        )
        self.entrance_vk = self._rpc("EntranceVk", (pb.EntranceVkRequest, pb.EntranceVkResponse))
        self.confirmation_phone = self._rpc(
            "ConfirmationPhone", (pb.ConfirmationPhoneRequest, pb.ConfirmationPhoneResponse)
        )
        self.repeat_call = self._rpc("RepeatCall", (pb.RepeatCallRequest, pb.RepeatCallResponse))
        self.sign_in = self._rpc("SignIn", (pb.SignInRequest, pb.SignInResponse))
        self.refresh_session = self._rpc(
            "RefreshSession", (pb.RefreshSessionRequest, pb.RefreshSessionResponse)
        )
        self.sign_out = self._rpc("SignOut", (pb.SignOutRequest, pb.SignOutResponse))
        self.get_jwks = self._rpc("GetJwks", (pb.GetJwksRequest, pb.GetJwksResponse))
        self.get_profile = self._rpc("GetProfile", (pb.GetProfileRequest, pb.GetProfileResponse))
        self._health_check = self._channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )

    def _rpc(
        self, name: str, types: tuple[type[RequestT], type[ResponseT]]
    ) -> Rpc[RequestT, ResponseT]:
        return Rpc(self._channel, name, types, self._deadline)

    async def check_serving(self) -> None:
        """Ask the service's health check whether AuthService is serving.

        :raises GatewayError: 503 when it is not serving or does not answer.
        """
        request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
        try:
            answer = await self._health_check(request, timeout=HEALTH_DEADLINE_SECONDS)
        except grpc.aio.AioRpcError as error:
            # Whatever went wrong, the gateway cannot serve: never 501 or 504 here.
            raise GatewayError(503, SERVICE_UNAVAILABLE_MESSAGE, SERVICE_UNAVAILABLE) from error
        if answer.status != health_pb2.HealthCheckResponse.SERVING:
            raise GatewayError(503, NOT_SERVING_MESSAGE, SERVICE_UNAVAILABLE)

    async def close(self) -> None:
        """Close the channel; calls still running are cancelled."""
        await self._channel.close()
