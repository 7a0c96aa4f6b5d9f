"""Malformed requests: 422 (413 for size) with a detail that names the problem, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.gateway_support import error, registration_body

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/end_registration", {}, "code: Field required"),
        ("/end_registration", {"code": 5724}, "code: Input should be a valid string"),
        (
            "/end_registration",
            {"code": "5724", "admin": True},
            "admin: Extra inputs are not permitted",
        ),
        (
            "/end_registration",
            {"code": "5724", "registration_id": 7},
            "registration_id: Input should be a valid string",
        ),
        ("/entrancevk", {"token": None}, "token: Input should be a valid string"),
        (
            "/entrancevk",
            ["token"],
            "body: Input should be a valid dictionary or object to extract fields from",
        ),
        (
            "/beg_registration",
            registration_body() | {"phone": 79001000010},
            "phone: Input should be a valid string",
        ),
        (
            "/confirmation_phone",
            {"registration_id": "abc"},
            'body: The body must hold "phone" (to place the call) or "code"',
        ),
        (
            "/confirmation_phone",
            {"phone": "+79001000010", "code": "1234"},
            "code: Extra inputs are not permitted",
        ),
        ("/confirmation_phone", {"code": 1234}, "code: Input should be a valid string"),
        (
            "/repeat_call",
            {"registration_id": ["a"]},
            "registration_id: Input should be a valid string",
        ),
    ],
)
def test_body_of_the_wrong_shape_is_422(
    http: httpx.Client, path: str, body: object, detail: str
) -> None:
    response = http.post(path, json=body)

    assert response.status_code == 422
    assert response.json() == error(detail, "REQUEST_INVALID")


def test_every_problem_of_a_body_is_named(http: httpx.Client) -> None:
    response = http.post("/beg_registration", json={"first_name": "Ivan", "extra": 1})

    detail = response.json()["detail"]
    for field in ("last_name", "phone", "password", "confirmations_password", "extra"):
        assert f"{field}: " in detail


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"code": ', "EOF while parsing a value at line 1 column 9"),
        (b"\xff\xfe", "expected value at line 1 column 1"),
        (b'{"token": "\\ud800"}', "unexpected end of hex escape at line 1 column 18"),
    ],
    ids=["truncated", "not-utf8", "lone-surrogate"],
)
def test_body_that_is_not_json_is_422(http: httpx.Client, content: bytes, detail: str) -> None:
    response = http.post("/entrancevk", content=content, headers=JSON)

    assert response.status_code == 422
    assert response.json() == error(f"The body is not valid JSON: {detail}", "REQUEST_INVALID")


def test_missing_body_is_422(http: httpx.Client) -> None:
    response = http.post("/end_registration")

    assert response.status_code == 422
    assert response.json() == error("body: Field required", "REQUEST_INVALID")


def test_form_body_is_422(http: httpx.Client) -> None:
    response = http.post("/end_registration", data={"code": "5724"})

    assert response.status_code == 422
    assert response.json()["reason"] == "REQUEST_INVALID"


def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    body = registration_body() | {"first_name": "I" * 5000}

    response = http.post("/beg_registration", json=body)

    assert response.status_code == 413
    assert response.json() == error(
        "The request body is larger than 4096 bytes", "REQUEST_TOO_LARGE"
    )


def test_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"token": "'
        for _ in range(10):
            yield b"t" * 1000
        yield b'"}'

    response = http.post("/entrancevk", content=chunks(), headers=JSON)

    assert response.status_code == 413
    assert response.json()["reason"] == "REQUEST_TOO_LARGE"


def test_body_just_under_the_limit_reaches_the_service(http: httpx.Client) -> None:
    token = "t" * (4096 - len('{"token": ""}'))

    response = http.post("/entrancevk", content=f'{{"token": "{token}"}}', headers=JSON)

    assert response.status_code == 401
    assert response.json()["reason"] == "VK_TOKEN_INVALID"
