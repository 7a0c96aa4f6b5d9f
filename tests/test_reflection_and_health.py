"""The server as a stranger sees it: found through reflection, checked through health.

Nothing here imports the generated auth stubs: every AuthService message is built from
descriptors the server hands out over reflection, as grpcurl does.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from tests.fakes.http import json_answer
from tests.fixtures.service import RunningService

AUTH_SERVICE = "auth.v1.AuthService"
HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICE = "grpc.reflection.v1alpha.ServerReflection"
PHONE = "+7 (900) 100-00-10"
CANONICAL_PHONE = "+79001000010"
PASSWORD = "reflected-Passw0rd"
CALL_PLACED = "You will receive a call to your phone number, enter the last 4 digits"
REGISTERED = "You have successfully registered"
MAX_REQUEST_BYTES = 64 * 1024
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ReflectedService:
    """Calls a service's unary methods with message classes built from reflection."""

    def __init__(self, channel: grpc.Channel, service_name: str) -> None:
        self.channel = channel
        self.pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        self.service = self.pool.FindServiceByName(service_name)

    def request(self, method: str, **fields: Any) -> Message:
        """A request message of ``method``, filled with ``fields``."""
        descriptor = self.service.methods_by_name[method].input_type
        return GetMessageClass(descriptor)(**fields)

    def call(self, method: str, /, **fields: Any) -> Any:
        """Send a request of ``method`` built from ``fields``; return the decoded response.

        The response is a dynamic message class, so its fields are typed ``Any``.
        """
        return self.call_raw(method, self.request(method, **fields).SerializeToString())

    def call_raw(self, method: str, payload: bytes, timeout: float = 10.0) -> Any:
        """Send ``payload`` as the serialized request of ``method``."""
        return self.multi_callable(method)(payload, timeout=timeout)

    def multi_callable(self, method: str) -> grpc.UnaryUnaryMultiCallable[bytes, Any]:
        descriptor = self.service.methods_by_name[method]
        response_class = GetMessageClass(descriptor.output_type)
        return self.channel.unary_unary(
            f"/{self.service.full_name}/{method}",
            request_serializer=_raw_bytes,
            response_deserializer=response_class.FromString,
        )


def _raw_bytes(payload: bytes) -> bytes:
    return payload


@pytest.fixture
def auth(channel: grpc.Channel) -> ReflectedService:
    """AuthService as a client that knows only its name sees it."""
    return ReflectedService(channel, AUTH_SERVICE)


def begin_fields(phone: str = PHONE) -> dict[str, str]:
    return {
        "first_name": "Anna",
        "last_name": "Reflected",
        "phone": phone,
        "password": PASSWORD,
        "confirmations_password": PASSWORD,
    }


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll ``condition`` until it holds; fail when ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition still false after {seconds}s")
        time.sleep(0.02)


def health_status(channel: grpc.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(response.status)


def count_users(running_service: RunningService, phone: str) -> int:
    with running_service.engine.connect() as connection:
        query = text("SELECT count(*) FROM users WHERE phone = :phone")
        return int(connection.execute(query, {"phone": phone}).scalar_one())


def test_reflection_lists_auth_health_and_reflection_services(channel: grpc.Channel) -> None:
    services = ProtoReflectionDescriptorDatabase(channel).get_services()

    assert set(services) == {AUTH_SERVICE, HEALTH_SERVICE, REFLECTION_SERVICE}


def test_reflection_describes_every_registration_rpc(auth: ReflectedService) -> None:
    methods = {
        method.name: (method.input_type.full_name, method.output_type.full_name)
        for method in auth.service.methods
    }
    registration_rpcs = (
        "BeginRegistration",
        "EndRegistration",
        "EntranceVk",
        "ConfirmationPhone",
        "RepeatCall",
    )

    assert {name: methods.get(name) for name in registration_rpcs} == {
        name: (f"auth.v1.{name}Request", f"auth.v1.{name}Response") for name in registration_rpcs
    }
    # The classes come from the server's descriptors, not from generated code in this process.
    assert auth.request("BeginRegistration").DESCRIPTOR.file.pool is auth.pool


def test_client_that_knows_only_reflection_registers_a_user(
    auth: ReflectedService, running_service: RunningService
) -> None:
    begun = auth.call("BeginRegistration", **begin_fields())
    code = running_service.ucaller.last_code_for(CANONICAL_PHONE)
    ended = auth.call("EndRegistration", registration_id=begun.registration_id, code=code)

    assert begun.message == CALL_PLACED
    assert (begun.call.code_length, begun.call.code_expires_in_seconds) == (4, 300)
    assert ended.message == REGISTERED
    with running_service.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, first_name, last_name, phone FROM users"))
        assert [tuple(row) for row in rows] == [
            (ended.user_id, "Anna", "Reflected", CANONICAL_PHONE)
        ]


@pytest.mark.parametrize("service", ["", AUTH_SERVICE])
def test_health_becomes_serving_once_the_database_answers(
    channel: grpc.Channel, service: str
) -> None:
    wait_for(lambda: health_status(channel, service) == SERVING)


def test_health_turns_not_serving_when_the_database_stops_answering(
    channel: grpc.Channel, database_url: str, postgres_server_url: str
) -> None:
    wait_for(lambda: health_status(channel, AUTH_SERVICE) == SERVING)

    drop_database(postgres_server_url, database_url)

    # The monitor looks every few seconds; give it two looks.
    wait_for(lambda: health_status(channel, AUTH_SERVICE) == NOT_SERVING, seconds=12)
    assert health_status(channel, "") == NOT_SERVING


def drop_database(server_url: str, database_url: str) -> None:
    """Drop the service's database under it, ending its connections."""
    name = make_url(database_url).database
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    finally:
        admin.dispose()


def test_health_of_an_unknown_service_is_not_found(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        health_status(channel, "auth.v1.NoSuchService")

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_request_over_64_kib_is_refused_and_the_server_keeps_serving(
    auth: ReflectedService, running_service: RunningService
) -> None:
    fields = begin_fields() | {"first_name": "A" * MAX_REQUEST_BYTES}

    with pytest.raises(grpc.RpcError) as caught:
        auth.call("BeginRegistration", **fields)
    begun = auth.call("BeginRegistration", **begin_fields())

    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert begun.message == CALL_PLACED
    # Only the second request reached the provider.
    assert len(running_service.ucaller.requests) == 1


def test_request_just_under_64_kib_is_read_and_judged_on_its_content(
    auth: ReflectedService,
) -> None:
    # A name this long is refused by the service, not by the transport's size limit.
    fields = begin_fields() | {"first_name": "A" * (MAX_REQUEST_BYTES - 200)}
    assert auth.request("BeginRegistration", **fields).ByteSize() < MAX_REQUEST_BYTES

    with pytest.raises(grpc.RpcError) as caught:
        auth.call("BeginRegistration", **fields)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def slow_ucaller(running_service: RunningService) -> Iterator[float]:
    """uCaller answers the next call with success, but only after a few seconds."""
    seconds = 3.0
    success = json_answer({"status": True, "ucaller_id": 103999, "code": "0000"})
    running_service.ucaller.script(dataclasses.replace(success, delay=seconds))
    yield seconds


def test_stop_lets_the_call_in_flight_finish_and_refuses_new_calls(
    auth: ReflectedService, running_service: RunningService, slow_ucaller: float
) -> None:
    payload = auth.request("BeginRegistration", **begin_fields()).SerializeToString()
    in_flight = auth.multi_callable("BeginRegistration").future(payload, timeout=30)
    wait_for(lambda: len(running_service.ucaller.requests) == 1)

    stopper = threading.Thread(target=running_service.server.stop, kwargs={"grace": 20})
    stopper.start()
    try:
        # New calls are refused at once, while the one in flight still waits for uCaller.
        wait_for(lambda: _refused(auth), seconds=slow_ucaller / 2)
        still_running = not in_flight.done()
        response = in_flight.result(timeout=30)
    finally:
        stopper.join(timeout=30)

    assert still_running
    assert response.message == CALL_PLACED
    assert not stopper.is_alive()
    assert _refused(auth)


def _refused(service: ReflectedService) -> bool:
    """True when a new call is refused because the server is going away."""
    request = service.request("EndRegistration", registration_id="late", code="0000")
    try:
        service.call_raw("EndRegistration", request.SerializeToString(), timeout=1)
    except grpc.RpcError as error:
        return error.code() == grpc.StatusCode.UNAVAILABLE
    return False
