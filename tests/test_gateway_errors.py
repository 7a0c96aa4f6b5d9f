"""Every failure through the gateway: its HTTP status and its ``{"detail", "reason"}`` body."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx
import pytest
from auth.v1 import auth_pb2, auth_pb2_grpc

from authsvc import errors
from authsvc.gateway.errors import (
    SERVICE_FAILED_MESSAGE,
    SERVICE_TIMEOUT_MESSAGE,
    SERVICE_UNAVAILABLE_MESSAGE,
)
from tests.fakes.vk import VkUser
from tests.flows import wrong_code
from tests.gateway_support import (
    IVAN_ON_VK,
    PASSWORD,
    PHONE,
    VK_TOKEN,
    RunningGateway,
    begin_registration,
    client,
    closed_port_address,
    enter_with_vk,
    error,
    local_settings,
    registration_body,
    serving,
)

TEST_CLIENT_LOGGERS = frozenset({"httpx", "httpcore"})


def test_taken_phone_is_409_with_the_seed_message(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    begin_registration(http)
    http.post("/end_registration", json={"code": gateway.service.ucaller.last_code_for(PHONE)})

    response = http.post("/beg_registration", json=registration_body())

    assert response.status_code == 409
    assert response.json() == error("The user is in the database", "PHONE_TAKEN")


@pytest.mark.parametrize(
    ("changes", "detail", "reason"),
    [
        (
            {"confirmations_password": "another password"},
            "Passwords don't match",
            "PASSWORDS_MISMATCH",
        ),
        ({"phone": "12345"}, "The number does not meet the standard", "PHONE_INVALID"),
        ({"first_name": " "}, errors.NameInvalid.default_message, "NAME_INVALID"),
        (
            {"password": "short", "confirmations_password": "short"},
            errors.PasswordInvalid.default_message,
            "PASSWORD_INVALID",
        ),
    ],
)
def test_malformed_registration_is_400(
    http: httpx.Client, changes: dict[str, str], detail: str, reason: str
) -> None:
    response = http.post("/beg_registration", json=registration_body() | changes)

    assert response.status_code == 400
    assert response.json() == error(detail, reason)


def test_call_provider_failure_is_503_with_the_seed_message(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    gateway.service.ucaller.fail_next_with_error()

    response = http.post("/beg_registration", json=registration_body())

    assert response.status_code == 503
    assert response.json() == error(
        "Error working with the number confirmation service", "CALL_FAILED"
    )


def test_wrong_code_is_400_with_the_seed_message(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    begin_registration(http)
    code = gateway.service.ucaller.last_code_for(PHONE)

    response = http.post("/end_registration", json={"code": wrong_code(code)})

    assert response.status_code == 400
    assert response.json() == error("The verification code is not correct", "CODE_INVALID")


def test_three_wrong_codes_exhaust_the_code(http: httpx.Client, gateway: RunningGateway) -> None:
    begin_registration(http)
    code = gateway.service.ucaller.last_code_for(PHONE)
    for _ in range(3):
        http.post("/end_registration", json={"code": wrong_code(code)})

    response = http.post("/end_registration", json={"code": code})

    assert response.status_code == 400
    assert response.json() == error(errors.AttemptsExhausted.default_message, "ATTEMPTS_EXHAUSTED")


def test_expired_code_is_400(http: httpx.Client, gateway: RunningGateway) -> None:
    begin_registration(http)
    code = gateway.service.ucaller.last_code_for(PHONE)
    gateway.service.clock.advance(minutes=6)

    response = http.post("/end_registration", json={"code": code})

    assert response.status_code == 400
    assert response.json() == error(errors.CodeExpired.default_message, "CODE_EXPIRED")


def test_unknown_registration_is_404(http: httpx.Client) -> None:
    response = http.post("/end_registration", json={"code": "1234", "registration_id": "nope"})

    assert response.status_code == 404
    assert response.json() == error(
        errors.RegistrationNotFound.default_message, "REGISTRATION_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/end_registration", {"code": "1234"}),
        ("/confirmation_phone", {"phone": PHONE}),
        ("/confirmation_phone", {"code": "1234"}),
        ("/end_registration_vk", {"code": "1234"}),
        ("/repeat_call", {}),
    ],
)
def test_no_registration_id_in_body_or_cookie_is_400(
    http: httpx.Client, path: str, body: dict[str, str]
) -> None:
    response = http.post(path, json=body)

    assert response.status_code == 400
    assert response.json() == error(
        "registration_id is required: send it in the body or keep the registration_id cookie",
        "FIELD_MISSING",
    )


def test_unknown_vk_token_is_401_with_the_seed_message(http: httpx.Client) -> None:
    response = http.post("/entrancevk", json={"token": "not-a-token"})

    assert response.status_code == 401
    assert response.json() == error("VK token is not valid", "VK_TOKEN_INVALID")


def test_vk_failure_is_503(http: httpx.Client, gateway: RunningGateway) -> None:
    gateway.service.vk.add_user(VK_TOKEN, IVAN_ON_VK)
    gateway.service.vk.fail_next_with_error()

    response = http.post("/entrancevk", json={"token": VK_TOKEN})

    assert response.status_code == 503
    assert response.json() == error(errors.VkUnavailable.default_message, "VK_UNAVAILABLE")


def test_phone_of_a_user_with_vk_is_409_for_another_vk_account(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    enter_with_vk(http, gateway)
    http.post("/confirmation_phone", json={"phone": PHONE})
    http.post("/confirmation_phone", json={"code": gateway.service.ucaller.last_code_for(PHONE)})
    gateway.service.vk.add_user("vk1.a.another-account", VkUser(1, "Ivan", "Petrov"))
    http.post("/entrancevk", json={"token": "vk1.a.another-account"})

    response = http.post("/confirmation_phone", json={"phone": PHONE})

    assert response.status_code == 409
    assert response.json() == error(errors.VkAlreadyLinked.default_message, "VK_ALREADY_LINKED")


def test_malformed_phone_of_a_vk_entry_is_400_with_the_seed_message(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    enter_with_vk(http, gateway)

    response = http.post("/confirmation_phone", json={"phone": "12345"})

    assert response.status_code == 400
    assert response.json() == error(
        "The number does not meet the standard +7, 8, 7 and 10 digits per line", "PHONE_INVALID"
    )


def test_wrong_code_of_a_vk_entry_is_400_with_the_seed_message(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    enter_with_vk(http, gateway)
    http.post("/confirmation_phone", json={"phone": PHONE})
    code = gateway.service.ucaller.last_code_for(PHONE)

    response = http.post("/confirmation_phone", json={"code": wrong_code(code)})

    assert response.status_code == 400
    assert response.json() == error("Confirmation keys are not correct", "CODE_INVALID")


def test_code_before_any_call_is_400(http: httpx.Client, gateway: RunningGateway) -> None:
    enter_with_vk(http, gateway)

    response = http.post("/end_registration_vk", json={"code": "1234"})

    assert response.status_code == 400
    assert response.json() == error(
        errors.PhoneNotConfirmed.default_message, "PHONE_NOT_CONFIRMED"
    )


def test_second_call_too_soon_is_429_with_retry_after(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    enter_with_vk(http, gateway)
    http.post("/confirmation_phone", json={"phone": PHONE})
    gateway.service.clock.advance(seconds=10)

    response = http.post("/confirmation_phone", json={"phone": PHONE})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "20"
    assert response.json() == error("A new call can be asked for in 20 seconds", "CALL_TOO_SOON")


def test_repeat_call_too_soon_is_429_with_retry_after(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    begin_registration(http)

    response = http.post("/repeat_call")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"
    assert response.json()["reason"] == "CALL_TOO_SOON"


def test_service_down_is_503_that_says_so(running_service: object) -> None:
    with serving(local_settings(closed_port_address())) as down, client(down.url) as http:
        response = http.post("/beg_registration", json=registration_body())
        ready = http.get("/readyz")
        alive = http.get("/healthz")

    assert response.status_code == 503
    assert response.json() == error(SERVICE_UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
    assert ready.status_code == 503
    assert ready.json() == error(SERVICE_UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
    assert alive.status_code == 200
    assert alive.json() == {"status": "ok"}


def test_slow_service_is_504(gateway: RunningGateway) -> None:
    gateway.service.ucaller.delay_next(5)
    settings = local_settings(gateway.service.address, deadline_seconds=0.5)
    with serving(settings) as impatient, client(impatient.url) as http:
        response = http.post("/beg_registration", json=registration_body())

    assert response.status_code == 504
    assert response.json() == error(SERVICE_TIMEOUT_MESSAGE, "SERVICE_TIMEOUT")


class _BrokenAuthService(auth_pb2_grpc.AuthServiceServicer):
    """An AuthService that fails inside: BeginRegistration raises, the rest are missing."""

    def BeginRegistration(
        self, request: auth_pb2.BeginRegistrationRequest, context: grpc.ServicerContext
    ) -> auth_pb2.BeginRegistrationResponse:
        raise RuntimeError("a bug in the service")


@pytest.fixture
def broken_upstream() -> Iterator[str]:
    """A real gRPC server whose AuthService fails; its address."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        server = grpc.server(pool)
        auth_pb2_grpc.add_AuthServiceServicer_to_server(_BrokenAuthService(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        yield f"127.0.0.1:{port}"
        server.stop(grace=0).wait()


def test_failures_inside_the_service_are_never_500(broken_upstream: str) -> None:
    with serving(local_settings(broken_upstream)) as gateway, client(gateway.url) as http:
        crashed = http.post("/beg_registration", json=registration_body())
        missing = http.post("/entrancevk", json={"token": VK_TOKEN})
        ready = http.get("/readyz")

    assert crashed.status_code == 502
    assert crashed.json() == error(SERVICE_FAILED_MESSAGE, "SERVICE_FAILED")
    assert missing.status_code == 501
    assert missing.json() == error(SERVICE_FAILED_MESSAGE, "SERVICE_FAILED")
    assert ready.status_code == 503


def test_ready_only_while_the_service_is_serving(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    assert http.get("/readyz").json() == {"status": "ok"}

    gateway.service.server.health.enter_graceful_shutdown()
    response = http.get("/readyz")

    assert response.status_code == 503
    assert response.json() == error(
        "The authentication service is not serving", "SERVICE_UNAVAILABLE"
    )


def test_unknown_path_and_wrong_method_answer_the_error_body(http: httpx.Client) -> None:
    missing = http.post("/sign_up", json={})
    wrong_method = http.get("/beg_registration")

    assert missing.status_code == 404
    assert missing.json() == error("Not Found", "PATH_NOT_FOUND")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == error("Method Not Allowed", "METHOD_NOT_ALLOWED")
    assert wrong_method.headers["allow"] == "POST"


def test_no_secret_reaches_the_logs(
    http: httpx.Client, gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    registration_id = begin_registration(http)
    code = gateway.service.ucaller.last_code_for(PHONE)
    http.post("/end_registration", json={"code": wrong_code(code)})
    http.post("/end_registration", json={"code": code})
    enter_with_vk(http, gateway)

    # The test's own HTTP client logs what it sends and receives; the system must not.
    records = [r for r in caplog.records if r.name.partition(".")[0] not in TEST_CLIENT_LOGGERS]
    logged = "\n".join(record.getMessage() for record in records)
    for secret in (PASSWORD, registration_id, VK_TOKEN):
        assert secret not in logged
    for digits in (code, wrong_code(code)):
        # Digits inside durations ("1234.5ms") or addresses are not the code.
        assert not re.search(rf"(?<![\d.]){digits}(?![\d.])", logged)
    assert "POST /beg_registration 200" in logged
