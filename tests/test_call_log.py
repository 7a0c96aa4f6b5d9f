"""One log line per call, and never a secret in any log record, at any level."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import grpc
import pytest
from auth.v1 import auth_pb2, auth_pb2_grpc

from tests.fakes.vk import VkUser
from tests.fixtures.service import RunningService
from tests.flows import wrong_code

PHONE = "+7 900 100-00-10"
CANONICAL_PHONE = "+79001000010"
MASKED_PHONE = "+7***10"
PHONE_DIGITS = "9001000010"
PASSWORD = "Sunflower-Passw0rd-8812"
OTHER_CONFIRMATION = "Daisy-Passw0rd-5561"
VK_TOKEN = "vk1.a.TokenOfIvanThatMustNeverBeLogged"
SERVICE = "/auth.v1.AuthService/"
NO_PHONE = "-"
CALL_LOGGER = "authsvc.rpc.call_log"

# Ports ("port=5432") and decimals ("0.00029s", "1234.5ms") are numbers that are no code.
NOT_CODES = re.compile(r"port=[0-9]+|[0-9]+\.[0-9]+")
RPC_LINE = re.compile(r"rpc (\S+) ([A-Z_]+) [0-9]+\.[0-9]ms phone=(\S+)")


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, DEBUG and up, while the test runs.

    SQLAlchemy quiets its own loggers to WARNING; they are opened up to INFO, where they
    log every statement with its parameters. Their DEBUG level adds result rows: a dump of
    the data an operator must ask for by name, which authsvc never does.
    """
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.INFO, logger="sqlalchemy"):
        loud = [
            name
            for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger) and logger.level > logging.DEBUG
        ]
        assert set(loud) <= {"sqlalchemy"}, f"more quiet loggers to open: {loud}"
        yield caplog


def rpc_lines(logs: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    """(method, status code, phone) of every call log line, in order."""
    lines = []
    for record in logs.records:
        if record.name != CALL_LOGGER:
            continue
        match = RPC_LINE.fullmatch(record.getMessage())
        if record.getMessage().startswith("rpc ") and match is None:
            pytest.fail(f"malformed call log line: {record.getMessage()!r}")
        if match is not None:
            method, code, phone = match.groups()
            lines.append((method.removeprefix(SERVICE), code, phone))
    return lines


def assert_no_secret(
    logs: pytest.LogCaptureFixture, *secrets: str, codes: tuple[str, ...] = ()
) -> None:
    """No record's text, arguments or exception text holds a secret or a code.

    A secret is looked for anywhere. A 4-digit code is looked for as a word of its own,
    after removing ports and decimals, which are numbers that are no secret.
    """
    assert logs.records, "nothing was logged, so nothing was checked"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in logs.records:
        text = "\n".join(
            [formatter.format(record), str(record.msg), repr(record.args), record.exc_text or ""]
        )
        for secret in secrets:
            assert secret not in text, f"a secret is in a {record.name} record: {text!r}"

        words = set(re.findall(r"\w+", NOT_CODES.sub(" ", text)))
        for code in codes:
            assert code not in words, f"a code is in a {record.name} record: {text!r}"


def begin(
    stub: auth_pb2_grpc.AuthServiceStub, confirmation: str = PASSWORD
) -> auth_pb2.BeginRegistrationResponse:
    request = auth_pb2.BeginRegistrationRequest(
        first_name="Ivan",
        last_name="Petrov",
        phone=PHONE,
        password=PASSWORD,
        confirmations_password=confirmation,
    )
    return stub.BeginRegistration(request, timeout=10)


def end(
    stub: auth_pb2_grpc.AuthServiceStub, registration_id: str, code: str
) -> auth_pb2.EndRegistrationResponse:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    return stub.EndRegistration(request, timeout=10)


def test_phone_registration_logs_one_line_per_call_and_no_secret(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    begun = begin(stub)
    code = running_service.ucaller.last_code_for(CANONICAL_PHONE)
    end(stub, begun.registration_id, code)

    assert rpc_lines(logs) == [
        ("BeginRegistration", "OK", MASKED_PHONE),
        ("EndRegistration", "OK", NO_PHONE),
    ]
    assert_no_secret(
        logs,
        PASSWORD,
        begun.registration_id,
        running_service.ucaller.key,
        PHONE_DIGITS,
        codes=(code,),
    )


def test_wrong_code_logs_its_status_and_no_secret(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    begun = begin(stub)
    code = running_service.ucaller.last_code_for(CANONICAL_PHONE)
    with pytest.raises(grpc.RpcError) as caught:
        end(stub, begun.registration_id, wrong_code(code))

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rpc_lines(logs) == [
        ("BeginRegistration", "OK", MASKED_PHONE),
        ("EndRegistration", "INVALID_ARGUMENT", NO_PHONE),
    ]
    assert_no_secret(
        logs,
        PASSWORD,
        begun.registration_id,
        running_service.ucaller.key,
        PHONE_DIGITS,
        codes=(code, wrong_code(code)),
    )


def test_passwords_mismatch_logs_its_status_and_neither_password(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        begin(stub, confirmation=OTHER_CONFIRMATION)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rpc_lines(logs) == [("BeginRegistration", "INVALID_ARGUMENT", MASKED_PHONE)]
    assert_no_secret(logs, PASSWORD, OTHER_CONFIRMATION, PHONE_DIGITS)


def test_vk_entry_logs_one_line_per_call_and_no_secret(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    running_service.vk.add_user(VK_TOKEN, VkUser(5550001, "Ivan", "Petrov"))

    entered = stub.EntranceVk(auth_pb2.EntranceVkRequest(token=VK_TOKEN), timeout=10)
    confirm = auth_pb2.ConfirmationPhoneRequest(
        registration_id=entered.registration_id, phone=PHONE
    )
    stub.ConfirmationPhone(confirm, timeout=10)
    code = running_service.ucaller.last_code_for(CANONICAL_PHONE)
    end(stub, entered.registration_id, code)

    assert rpc_lines(logs) == [
        ("EntranceVk", "OK", NO_PHONE),
        ("ConfirmationPhone", "OK", MASKED_PHONE),
        ("EndRegistration", "OK", NO_PHONE),
    ]
    assert_no_secret(
        logs,
        VK_TOKEN,
        running_service.vk.service_key,
        entered.registration_id,
        running_service.ucaller.key,
        PHONE_DIGITS,
        codes=(code,),
    )


def test_invalid_vk_token_is_not_logged(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.EntranceVk(auth_pb2.EntranceVkRequest(token=VK_TOKEN), timeout=10)

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert rpc_lines(logs) == [("EntranceVk", "UNAUTHENTICATED", NO_PHONE)]
    assert_no_secret(logs, VK_TOKEN, running_service.vk.service_key)


def test_failed_call_logs_unavailable_and_no_secret(
    stub: auth_pb2_grpc.AuthServiceStub,
    running_service: RunningService,
    logs: pytest.LogCaptureFixture,
) -> None:
    running_service.ucaller.fail_next_with_error()

    with pytest.raises(grpc.RpcError) as caught:
        begin(stub)

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert rpc_lines(logs) == [("BeginRegistration", "UNAVAILABLE", MASKED_PHONE)]
    assert_no_secret(logs, PASSWORD, running_service.ucaller.key, PHONE_DIGITS)
