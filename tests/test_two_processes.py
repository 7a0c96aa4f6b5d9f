"""Two ``authsvc serve`` processes over one PostgreSQL database serve the same registration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from auth.v1 import auth_pb2, auth_pb2_grpc
from sqlalchemy import Engine, text

from tests.fakes.ucaller import FakeUcaller
from tests.flows import wrong_code
from tests.processes import (
    ServiceProcess,
    authsvc_environment,
    free_port,
    production_variables,
    started,
)
from tests.rpc_failures import RpcFailure, failure_of

PHONE = "8 (900) 100-00-10"
CANONICAL_PHONE = "+79001000010"
PASSWORD = "two-Processes-1"


@dataclass
class TwoServers:
    """Clients of process A and process B, and the database they share."""

    a: auth_pb2_grpc.AuthServiceStub
    b: auth_pb2_grpc.AuthServiceStub
    engine: Engine


@pytest.fixture
def two_servers(
    tmp_path: Path, migrated_engine: Engine, database_url: str, fake_ucaller: FakeUcaller
) -> Iterator[TwoServers]:
    """Processes A and B on one migrated database, placing calls through the fake uCaller."""
    variables = production_variables(database_url, tmp_path / "keys") | {
        "AUTHSVC_CALL_PROVIDER": "ucaller",
        "AUTHSVC_UCALLER_URL": fake_ucaller.base_url,
        "AUTHSVC_UCALLER_SERVICE_ID": fake_ucaller.service_id,
        "AUTHSVC_UCALLER_KEY": fake_ucaller.key,
    }
    with ExitStack() as stack:
        processes: list[ServiceProcess] = []
        for name in ("a", "b"):
            environ = authsvc_environment(tmp_path / name, free_port(), **variables)
            processes.append(stack.enter_context(started(environ, tmp_path / f"{name}.log")))
        stubs = []
        for process in processes:
            process.wait_until_serving()
            channel = stack.enter_context(grpc.insecure_channel(process.address))
            stubs.append(auth_pb2_grpc.AuthServiceStub(channel))

        yield TwoServers(a=stubs[0], b=stubs[1], engine=migrated_engine)

        for process in processes:
            assert process.stop() == 0, process.stderr()


def begin(stub: auth_pb2_grpc.AuthServiceStub) -> str:
    request = auth_pb2.BeginRegistrationRequest(
        first_name="Pavel",
        last_name="Twice",
        phone=PHONE,
        password=PASSWORD,
        confirmations_password=PASSWORD,
    )
    return str(stub.BeginRegistration(request, timeout=10).registration_id)


def end(stub: auth_pb2_grpc.AuthServiceStub, registration_id: str, code: str) -> str:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    return str(stub.EndRegistration(request, timeout=10).user_id)


def end_failure(
    stub: auth_pb2_grpc.AuthServiceStub, registration_id: str, code: str
) -> RpcFailure:
    """The decoded status of an EndRegistration that must fail."""
    return failure_of(lambda: end(stub, registration_id, code))


def users(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, phone FROM users"))]


def test_registration_begun_on_one_process_ends_on_the_other(
    two_servers: TwoServers, fake_ucaller: FakeUcaller
) -> None:
    registration_id = begin(two_servers.a)
    code = fake_ucaller.last_code_for(CANONICAL_PHONE)

    wrong_on_b = end_failure(two_servers.b, registration_id, wrong_code(code))
    user_id = end(two_servers.b, registration_id, code)
    again_on_a = end_failure(two_servers.a, registration_id, code)

    assert (wrong_on_b.code, wrong_on_b.message, wrong_on_b.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "The verification code is not correct",
        "CODE_INVALID",
    )
    assert users(two_servers.engine) == [(user_id, CANONICAL_PHONE)]
    assert (again_on_a.code, again_on_a.reason) == (
        grpc.StatusCode.NOT_FOUND,
        "REGISTRATION_NOT_FOUND",
    )
    assert len(fake_ucaller.calls) == 1


def test_tries_used_on_one_process_count_on_the_other(
    two_servers: TwoServers, fake_ucaller: FakeUcaller
) -> None:
    registration_id = begin(two_servers.a)
    code = fake_ucaller.last_code_for(CANONICAL_PHONE)

    used = [
        end_failure(stub, registration_id, wrong_code(code)).reason
        for stub in (two_servers.b, two_servers.b, two_servers.a)
    ]
    exhausted_on_a = end_failure(two_servers.a, registration_id, code)
    exhausted_on_b = end_failure(two_servers.b, registration_id, code)

    assert used == ["CODE_INVALID"] * 3
    assert (exhausted_on_a.code, exhausted_on_a.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "ATTEMPTS_EXHAUSTED",
    )
    assert exhausted_on_b == exhausted_on_a
    assert users(two_servers.engine) == []


def test_phone_registered_through_one_process_is_taken_on_the_other(
    two_servers: TwoServers, fake_ucaller: FakeUcaller
) -> None:
    registration_id = begin(two_servers.a)
    end(two_servers.a, registration_id, fake_ucaller.last_code_for(CANONICAL_PHONE))

    taken = failure_of(lambda: begin(two_servers.b))

    assert (taken.code, taken.message, taken.reason) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "The user is in the database",
        "PHONE_TAKEN",
    )
