"""VkClient against the fake VK API on a loopback port."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from authsvc.errors import VkTokenInvalid, VkUnavailable
from authsvc.providers import VkAccount, VkClient
from tests.fakes.http import json_answer
from tests.fakes.vk import FAKE_SERVICE_KEY, FakeVk, VkUser

TOKEN = "vk1.a.Ivans-user-token-4fK9xQ2mZ7pL0sT8wR3yB6nV1cH5jD"
IVAN = VkUser(user_id=743784474, first_name="Ivan", last_name="Petrov")
IVANS_ACCOUNT = VkAccount(user_id=743784474, first_name="Ivan", last_name="Petrov")
CLIENT_IP = "203.0.113.7"
CLIENT_TIMEOUT = 0.3
FORM = "application/x-www-form-urlencoded"


def _client(fake_vk: FakeVk, service_key: str | None) -> VkClient:
    return VkClient(fake_vk.base_url, service_key=service_key, timeout=CLIENT_TIMEOUT)


@pytest.fixture
def client(fake_vk: FakeVk) -> Iterator[VkClient]:
    """A client configured with our VK app's service key."""
    client = _client(fake_vk, FAKE_SERVICE_KEY)
    yield client
    client.close()


@pytest.fixture
def client_without_key(fake_vk: FakeVk) -> Iterator[VkClient]:
    client = _client(fake_vk, None)
    yield client
    client.close()


@pytest.fixture(params=[FAKE_SERVICE_KEY, None], ids=["with_service_key", "without_service_key"])
def any_client(request: pytest.FixtureRequest, fake_vk: FakeVk) -> Iterator[VkClient]:
    client = _client(fake_vk, request.param)
    yield client
    client.close()


@pytest.fixture
def ivans_token(fake_vk: FakeVk) -> str:
    """A working token of Ivan's, issued to our app."""
    fake_vk.add_user(TOKEN, IVAN)
    return TOKEN


def _calls(fake_vk: FakeVk) -> list[tuple[str, str, dict[str, str], str, dict[str, Any]]]:
    return [
        (r.method, r.path, r.query, r.headers.get("content-type", ""), r.body)
        for r in fake_vk.requests
    ]


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    current: BaseException | None = error
    while current is not None:
        yield current
        current = current.__cause__ or current.__context__


def test_valid_token_is_checked_with_the_service_key_then_read_with_users_get(
    client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    account = client.fetch_account(ivans_token)

    assert account == IVANS_ACCOUNT
    assert _calls(fake_vk) == [
        (
            "POST",
            "/method/secure.checkToken",
            {},
            FORM,
            {"access_token": FAKE_SERVICE_KEY, "token": TOKEN, "v": "5.199"},
        ),
        ("POST", "/method/users.get", {}, FORM, {"access_token": TOKEN, "v": "5.199"}),
    ]


def test_client_ip_is_sent_to_check_token(
    client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    client.fetch_account(ivans_token, client_ip=CLIENT_IP)

    assert fake_vk.requests[0].body["ip"] == CLIENT_IP


def test_without_a_service_key_only_users_get_is_asked(
    client_without_key: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    account = client_without_key.fetch_account(ivans_token, client_ip=CLIENT_IP)

    assert account == IVANS_ACCOUNT
    assert _calls(fake_vk) == [
        ("POST", "/method/users.get", {}, FORM, {"access_token": TOKEN, "v": "5.199"})
    ]


def test_empty_token_raises_vk_token_invalid_without_a_request(
    any_client: VkClient, fake_vk: FakeVk
) -> None:
    with pytest.raises(VkTokenInvalid):
        any_client.fetch_account("")

    assert fake_vk.requests == []


def test_unknown_token_raises_vk_token_invalid(any_client: VkClient) -> None:
    with pytest.raises(VkTokenInvalid):
        any_client.fetch_account(TOKEN)


def test_expired_token_raises_vk_token_invalid(
    any_client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.expire_token(ivans_token)

    with pytest.raises(VkTokenInvalid):
        any_client.fetch_account(ivans_token)


@pytest.mark.parametrize("state", ["deleted", "banned"])
def test_deactivated_page_raises_vk_token_invalid(
    any_client: VkClient, fake_vk: FakeVk, state: str
) -> None:
    fake_vk.add_user(TOKEN, VkUser(743784474, "DELETED", "", deactivated=state))

    with pytest.raises(VkTokenInvalid):
        any_client.fetch_account(TOKEN)


def test_deleted_or_banned_user_error_18_raises_vk_token_invalid(
    client_without_key: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.fail_next_with_error(18, "User was deleted or banned")

    with pytest.raises(VkTokenInvalid):
        client_without_key.fetch_account(ivans_token)


def test_token_issued_to_another_app_is_refused_only_when_a_service_key_is_set(
    client: VkClient, client_without_key: VkClient, fake_vk: FakeVk
) -> None:
    fake_vk.add_user(TOKEN, VkUser(743784474, "Ivan", "Petrov", for_our_app=False))

    with pytest.raises(VkTokenInvalid):
        client.fetch_account(TOKEN)
    assert client_without_key.fetch_account(TOKEN) == IVANS_ACCOUNT


def test_check_token_without_success_raises_vk_token_invalid(
    client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.script(json_answer({"response": {"success": 0}}))

    with pytest.raises(VkTokenInvalid):
        client.fetch_account(ivans_token)


def test_mismatching_user_ids_raise_vk_token_invalid(
    client: VkClient, fake_vk: FakeVk, ivans_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_vk.script(json_answer({"response": {"success": 1, "user_id": 1, "date": 0}}))

    with pytest.raises(VkTokenInvalid):
        client.fetch_account(ivans_token)

    assert (
        "VK checked the token for user 1 but users.get answered for user 743784474" in caplog.text
    )


def test_wrong_service_key_raises_vk_unavailable_and_logs_a_configuration_error(
    fake_vk: FakeVk, ivans_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(fake_vk, "not-our-service-key")

    with pytest.raises(VkUnavailable):
        client.fetch_account(ivans_token)
    client.close()

    [record] = [r for r in caplog.records if r.name == "authsvc.providers.vk"]
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith(
        "VK secure.checkToken rejected our service key (error 28: "
    )
    assert [r.path for r in fake_vk.requests] == ["/method/secure.checkToken"]


def test_error_5_from_check_token_is_taken_as_our_service_key_being_rejected(
    client: VkClient, fake_vk: FakeVk, ivans_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    # In checkToken the access_token that error 5 is about is our service key.
    fake_vk.fail_next_with_error(5, "User authorization failed: invalid access_token (4).")

    with pytest.raises(VkUnavailable):
        client.fetch_account(ivans_token)

    assert [r.levelno for r in caplog.records] == [logging.ERROR]


@pytest.mark.parametrize("code", [1, 6, 9, 10, 29, 777])
def test_rate_limits_vk_failures_and_unknown_codes_raise_vk_unavailable(
    any_client: VkClient, fake_vk: FakeVk, ivans_token: str, code: int
) -> None:
    fake_vk.fail_next_with_error(code, "Something went wrong")

    with pytest.raises(VkUnavailable):
        any_client.fetch_account(ivans_token)


def test_http_server_error_raises_vk_unavailable(
    any_client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.fail_next_with_status(503)

    with pytest.raises(VkUnavailable):
        any_client.fetch_account(ivans_token)


def test_timeout_raises_vk_unavailable_within_the_client_timeout(
    client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.delay_next(seconds=10)
    started = time.monotonic()

    with pytest.raises(VkUnavailable) as raised:
        client.fetch_account(ivans_token)

    assert time.monotonic() - started < 3
    assert type(raised.value.__cause__).__name__ == "ReadTimeout"


def test_malformed_json_raises_vk_unavailable(
    any_client: VkClient, fake_vk: FakeVk, ivans_token: str
) -> None:
    fake_vk.answer_next_with_malformed_json()

    with pytest.raises(VkUnavailable):
        any_client.fetch_account(ivans_token)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {},
        {"response": []},
        {"response": {"id": 743784474}},
        {"response": [{"id": "743784474", "first_name": "Ivan", "last_name": "Petrov"}]},
        {"response": [{"id": 743784474, "first_name": "Ivan"}]},
        {"error": {"error_code": [5]}},
    ],
)
def test_users_get_answer_of_an_unexpected_shape_raises_vk_unavailable(
    client_without_key: VkClient, fake_vk: FakeVk, ivans_token: str, payload: object
) -> None:
    fake_vk.script(json_answer(payload))

    with pytest.raises(VkUnavailable):
        client_without_key.fetch_account(ivans_token)


def test_vk_error_text_quoting_a_token_is_logged_with_the_token_redacted(
    client: VkClient, fake_vk: FakeVk, ivans_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake_vk.fail_next_with_error(15, f"Access denied: token {TOKEN} for key {FAKE_SERVICE_KEY}")

    with pytest.raises(VkTokenInvalid):
        client.fetch_account(ivans_token)

    assert "Access denied: token *** for key ***" in caplog.text


def _unknown_token(fake: FakeVk) -> None:
    """Nothing to do: the fake knows no token, and VK echoes the token in request_params."""


def _wrong_service_key(fake: FakeVk) -> None:
    fake.service_key = "another-service-key"


def _rate_limit(fake: FakeVk) -> None:
    fake.fail_next_with_error(6, "Too many requests per second")


def _server_error(fake: FakeVk) -> None:
    fake.fail_next_with_status(500)


def _timeout(fake: FakeVk) -> None:
    fake.delay_next(seconds=10)


def _malformed(fake: FakeVk) -> None:
    fake.answer_next_with_malformed_json()


@pytest.mark.parametrize(
    "provoke",
    [_unknown_token, _wrong_service_key, _rate_limit, _server_error, _timeout, _malformed],
)
def test_failures_keep_the_token_and_the_service_key_out_of_errors_and_logs(
    client: VkClient,
    fake_vk: FakeVk,
    caplog: pytest.LogCaptureFixture,
    provoke: Callable[[FakeVk], None],
) -> None:
    caplog.set_level(logging.DEBUG)
    provoke(fake_vk)

    with pytest.raises((VkTokenInvalid, VkUnavailable)) as raised:
        client.fetch_account(TOKEN)

    for error in _exception_chain(raised.value):
        assert TOKEN not in str(error)
        assert FAKE_SERVICE_KEY not in str(error)
    assert TOKEN not in caplog.text
    assert FAKE_SERVICE_KEY not in caplog.text
