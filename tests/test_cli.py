"""The ``authsvc`` command as an operator runs it: real processes, real ports, real signals."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import grpc
import pytest
from auth.v1 import auth_pb2, auth_pb2_grpc
from sqlalchemy import create_engine, text

from authsvc import database
from tests.processes import (
    authsvc_environment,
    free_port,
    production_variables,
    run_authsvc,
    started,
)

PHONE = "+79001000010"
PASSWORD = "cli-Passw0rd-1"
DEV_PROVIDER_WARNING = "DEVELOPMENT CALL PROVIDER"
DEV_CODE = re.compile(r"DEV CALL PROVIDER: no call placed to \+7\*\*\*10; the code is ([0-9]{4})")


def begin_registration(address: str) -> auth_pb2.BeginRegistrationResponse:
    request = auth_pb2.BeginRegistrationRequest(
        first_name="Olga",
        last_name="Cli",
        phone=PHONE,
        password=PASSWORD,
        confirmations_password=PASSWORD,
    )
    with grpc.insecure_channel(address) as channel:
        return auth_pb2_grpc.AuthServiceStub(channel).BeginRegistration(request, timeout=10)


def end_registration(address: str, registration_id: str, code: str) -> str:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    with grpc.insecure_channel(address) as channel:
        response = auth_pb2_grpc.AuthServiceStub(channel).EndRegistration(request, timeout=10)
    return str(response.user_id)


def user_phones(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT phone FROM users")))
    finally:
        engine.dispose()


def test_serve_without_configuration_registers_on_sqlite_with_the_dev_provider(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    environ = authsvc_environment(data_dir, free_port())

    with started(environ, tmp_path / "serve.log") as service:
        service.wait_until_serving()
        begun = begin_registration(service.address)
        code = service.wait_for_log(DEV_CODE).group(1)
        user_id = end_registration(service.address, begun.registration_id, code)
        exit_code = service.stop()

    stderr = service.stderr()
    assert exit_code == 0, stderr
    assert DEV_PROVIDER_WARNING in stderr
    assert f"embedded default: SQLite database in {data_dir}" in stderr
    assert user_id
    assert user_phones(f"sqlite:///{data_dir}/authsvc.sqlite3") == [PHONE]


def test_sigint_stops_serve_as_sigterm_does(tmp_path: Path) -> None:
    environ = authsvc_environment(tmp_path / "data", free_port())

    with started(environ, tmp_path / "serve.log") as service:
        service.wait_until_serving()
        exit_code = service.stop(signal.SIGINT)

    assert exit_code == 0, service.stderr()
    assert "shutting down" in service.stderr()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"AUTHSVC_NOPE": "1"}, "AUTHSVC_NOPE is not a known setting (typo?)"),
        (
            {"AUTHSVC_CODE_TTL_SECONDS": "abc"},
            "AUTHSVC_CODE_TTL_SECONDS must be a whole number from 30 to 600",
        ),
        ({"AUTHSVC_GRPC_ADDRESS": "nowhere"}, "AUTHSVC_GRPC_ADDRESS must be HOST:PORT"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_bad_configuration_stops_with_exit_code_2_naming_the_variable(
    tmp_path: Path, command: str, variables: dict[str, str], message: str
) -> None:
    environ = authsvc_environment(tmp_path / "data", free_port()) | variables

    result = run_authsvc(environ, command)

    assert (result.returncode, result.stderr) == (2, f"authsvc: configuration error: {message}\n")
    assert not (tmp_path / "data").exists()


def test_database_url_without_ucaller_credentials_names_the_missing_variable(
    tmp_path: Path,
) -> None:
    database_url = "postgresql+psycopg2://postgres@127.0.0.1:1/never_reached"
    variables = production_variables(database_url, tmp_path / "keys")
    environ = authsvc_environment(tmp_path / "data", free_port(), **variables)

    result = run_authsvc(environ, "serve")

    assert (result.returncode, result.stderr) == (
        2,
        "authsvc: configuration error: AUTHSVC_UCALLER_SERVICE_ID must be set when "
        "AUTHSVC_CALL_PROVIDER=ucaller\n",
    )


def test_serve_refuses_an_unmigrated_database_until_migrate_runs(
    tmp_path: Path, database_url: str
) -> None:
    variables = production_variables(database_url, tmp_path / "keys")
    environ = authsvc_environment(
        tmp_path / "data", free_port(), AUTHSVC_CALL_PROVIDER="dev", **variables
    )

    refused = run_authsvc(environ, "serve")
    migrated = run_authsvc(environ, "migrate")
    with started(environ, tmp_path / "serve.log") as service:
        service.wait_until_serving()
        exit_code = service.stop()

    assert refused.returncode != 0
    assert "run `authsvc migrate`" in refused.stderr
    assert migrated.returncode == 0, migrated.stderr
    assert f"database schema is at {database.head_revision()}" in migrated.stderr
    assert exit_code == 0, service.stderr()


def test_serve_with_migrate_flag_upgrades_a_fresh_database_and_serves(
    tmp_path: Path, database_url: str
) -> None:
    variables = production_variables(database_url, tmp_path / "keys")
    environ = authsvc_environment(
        tmp_path / "data", free_port(), AUTHSVC_CALL_PROVIDER="dev", **variables
    )

    with started(environ, tmp_path / "serve.log", "serve", "--migrate") as service:
        service.wait_until_serving()
        begun = begin_registration(service.address)
        code = service.wait_for_log(DEV_CODE).group(1)
        end_registration(service.address, begun.registration_id, code)
        exit_code = service.stop()

    assert exit_code == 0, service.stderr()
    assert user_phones(database_url) == [PHONE]


def test_migrate_twice_is_harmless(tmp_path: Path, database_url: str) -> None:
    variables = production_variables(database_url, tmp_path / "keys")
    environ = authsvc_environment(
        tmp_path / "data", free_port(), AUTHSVC_CALL_PROVIDER="dev", **variables
    )

    results = [run_authsvc(environ, "migrate") for _ in range(2)]

    assert [result.returncode for result in results] == [0, 0], results[-1].stderr


def test_second_serve_on_a_taken_port_fails_instead_of_sharing_it(tmp_path: Path) -> None:
    port = free_port()
    first_environ = authsvc_environment(tmp_path / "first", port)
    second_environ = authsvc_environment(tmp_path / "second", port)

    with started(first_environ, tmp_path / "first.log") as first:
        first.wait_until_serving()
        with started(second_environ, tmp_path / "second.log") as second:
            second_exit_code = second.wait_for_exit()
        # The first one still answers on its port.
        first.wait_until_serving()
        first_exit_code = first.stop()

    assert second_exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr()
    assert first_exit_code == 0, first.stderr()


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_unreachable_database_stops_with_a_clear_message(tmp_path: Path, command: str) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    database_url = "postgresql+psycopg2://postgres@127.0.0.1:1/authsvc"
    variables = production_variables(database_url, tmp_path / "keys")
    environ = authsvc_environment(
        tmp_path / "data", free_port(), AUTHSVC_CALL_PROVIDER="dev", **variables
    )

    result = run_authsvc(environ, command)

    assert result.returncode == 5
    assert "Traceback" not in result.stderr
    assert (
        "cannot reach the database at postgresql+psycopg2://postgres@127.0.0.1:1/authsvc "
        "(AUTHSVC_DATABASE_URL)" in result.stderr
    )
