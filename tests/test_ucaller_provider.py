"""UcallerProvider against the fake uCaller on a loopback port."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from authsvc import messages
from authsvc.errors import CallFailed
from authsvc.providers import UcallerProvider
from tests.fakes.http import Answer, json_answer
from tests.fakes.ucaller import FAKE_KEY, FAKE_SERVICE_ID, FakeUcaller

PHONE = "+79001000010"
MASKED_PHONE = "+7***10"
CODE = "0427"
UNIQUE = "5f0c6a1e9b2d4c7fa3e8b1d6c4a2f907"
CLIENT_TIMEOUT = 0.3


@pytest.fixture
def provider(fake_ucaller: FakeUcaller) -> Iterator[UcallerProvider]:
    provider = UcallerProvider(
        fake_ucaller.base_url, FAKE_SERVICE_ID, FAKE_KEY, timeout=CLIENT_TIMEOUT
    )
    yield provider
    provider.close()


def _authsvc_records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    # Only our own lines: urllib3's debug lines hold port numbers that may contain the code.
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("authsvc")]


def _authsvc_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(message for _, message in _authsvc_records(caplog))


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    current: BaseException | None = error
    while current is not None:
        yield current
        current = current.__cause__ or current.__context__


def test_places_a_call_with_phone_digits_the_code_and_the_unique_key(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    provider.place_call(PHONE, CODE, UNIQUE)

    [request] = fake_ucaller.requests
    assert (request.method, request.path, request.query) == ("POST", "/v1.0/initCall", {})
    assert request.body == {
        "service_id": FAKE_SERVICE_ID,
        "key": FAKE_KEY,
        "phone": "79001000010",
        "code": CODE,
        "unique": UNIQUE,
    }
    assert fake_ucaller.last_code_for(PHONE) == CODE


def test_repeated_unique_key_succeeds_without_a_second_call(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    provider.place_call(PHONE, CODE, UNIQUE)
    provider.place_call(PHONE, CODE, UNIQUE)

    assert len(fake_ucaller.requests) == 2
    assert [(call.phone, call.code, call.unique) for call in fake_ucaller.calls] == [
        ("79001000010", CODE, UNIQUE)
    ]


def test_success_is_logged_with_the_phone_masked_and_no_code(
    provider: UcallerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    provider.place_call(PHONE, CODE, UNIQUE)

    assert _authsvc_log(caplog) == (
        f"uCaller is calling {MASKED_PHONE} (ucaller_id 103000, repeated request: False)"
    )


def test_api_error_raises_call_failed_and_logs_the_ucaller_error_without_leaking_the_key(
    provider: UcallerProvider, fake_ucaller: FakeUcaller, caplog: pytest.LogCaptureFixture
) -> None:
    fake_ucaller.fail_next_with_error(1002, "Balance too low")

    with pytest.raises(CallFailed) as raised:
        provider.place_call(PHONE, CODE, UNIQUE)

    assert raised.value.message == messages.CALL_FAILED
    assert _authsvc_records(caplog) == [
        (logging.WARNING, f"uCaller did not call {MASKED_PHONE}: error code 1002: Balance too low")
    ]
    assert fake_ucaller.calls == []


def test_wrong_credentials_raise_call_failed_and_log_error_401(
    fake_ucaller: FakeUcaller, caplog: pytest.LogCaptureFixture
) -> None:
    provider = UcallerProvider(fake_ucaller.base_url, FAKE_SERVICE_ID, "0" * 32)

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)
    provider.close()

    assert "error code 401: Invalid service_id or key" in _authsvc_log(caplog)
    assert fake_ucaller.calls == []


def test_status_false_without_error_raises_call_failed(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    fake_ucaller.refuse_next_without_error()

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)


def test_error_next_to_status_true_raises_call_failed(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    fake_ucaller.script(json_answer({"status": True, "error": "Limit reached", "code": 18}))

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)


def test_http_server_error_raises_call_failed(
    provider: UcallerProvider, fake_ucaller: FakeUcaller, caplog: pytest.LogCaptureFixture
) -> None:
    fake_ucaller.fail_next_with_status(500)

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)

    assert _authsvc_log(caplog) == f"uCaller answered HTTP 500 for a call to {MASKED_PHONE}"


def test_timeout_raises_call_failed_within_the_client_timeout(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    fake_ucaller.delay_next(seconds=10)
    started = time.monotonic()

    with pytest.raises(CallFailed) as raised:
        provider.place_call(PHONE, CODE, UNIQUE)

    assert time.monotonic() - started < 3
    assert type(raised.value.__cause__).__name__ == "ReadTimeout"


def test_malformed_json_raises_call_failed(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    fake_ucaller.answer_next_with_malformed_json()

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)


def test_json_that_is_not_an_object_raises_call_failed(
    provider: UcallerProvider, fake_ucaller: FakeUcaller
) -> None:
    fake_ucaller.script(json_answer([{"status": True}]))

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)


def test_unreachable_server_raises_call_failed() -> None:
    with FakeUcaller() as stopped:
        base_url = stopped.base_url
    provider = UcallerProvider(base_url, FAKE_SERVICE_ID, FAKE_KEY, timeout=CLIENT_TIMEOUT)

    with pytest.raises(CallFailed):
        provider.place_call(PHONE, CODE, UNIQUE)
    provider.close()


def _api_error(fake: FakeUcaller) -> None:
    fake.fail_next_with_error(18, "Limit of calls to this number reached")


def _http_error(fake: FakeUcaller) -> None:
    fake.fail_next_with_status(502)


def _timeout(fake: FakeUcaller) -> None:
    fake.delay_next(seconds=10)


def _malformed(fake: FakeUcaller) -> None:
    fake.answer_next_with_malformed_json()


def _refusal_without_error(fake: FakeUcaller) -> None:
    fake.script(Answer(body=b'{"status": false}'))


@pytest.mark.parametrize(
    "provoke", [_api_error, _http_error, _timeout, _malformed, _refusal_without_error]
)
def test_failures_keep_the_key_the_code_and_the_phone_out_of_errors_and_logs(
    provider: UcallerProvider,
    fake_ucaller: FakeUcaller,
    caplog: pytest.LogCaptureFixture,
    provoke: Callable[[FakeUcaller], None],
) -> None:
    caplog.set_level(logging.DEBUG)
    provoke(fake_ucaller)

    with pytest.raises(CallFailed) as raised:
        provider.place_call(PHONE, CODE, UNIQUE)

    assert str(raised.value) == messages.CALL_FAILED
    for error in _exception_chain(raised.value):
        assert FAKE_KEY not in str(error)
        assert CODE not in str(error)
        assert "79001000010" not in str(error)
    assert FAKE_KEY not in caplog.text
    assert "79001000010" not in caplog.text
    assert CODE not in _authsvc_log(caplog)
    assert MASKED_PHONE in _authsvc_log(caplog)
