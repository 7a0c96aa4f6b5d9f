"""Sessions through a real gateway and a real gRPC service: sign in, refresh, sign out, /me."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text

from authsvc.gateway.errors import SERVICE_UNAVAILABLE_MESSAGE
from tests.gateway_support import (
    PASSWORD,
    PHONE,
    REGISTERED,
    SIGNED_IN,
    RunningGateway,
    begin_registration,
    client,
    closed_port_address,
    error,
    local_settings,
    serving,
    signed_in,
)

PREFIXES = pytest.mark.parametrize("prefix", ["", "/user"], ids=["root", "user-prefix"])
ACCESS_TOKEN_INVALID = error("The access token is not valid", "ACCESS_TOKEN_INVALID")
TEST_CLIENT_LOGGERS = frozenset({"httpx", "httpcore"})


def register(http: httpx.Client, gateway: RunningGateway) -> dict[str, Any]:
    """Register Ivan by phone; the end answer, which signs him in."""
    begin_registration(http)
    code = gateway.service.ucaller.last_code_for(PHONE)
    return signed_in(http.post("/end_registration", json={"code": code}), REGISTERED)


def sign_in(
    http: httpx.Client, prefix: str = "", user_agent: bytes | None = None
) -> dict[str, Any]:
    """Sign Ivan in with his phone and password (from a device that says ``user_agent``)."""
    credentials = {"phone": PHONE, "password": PASSWORD}
    headers = {"User-Agent": user_agent} if user_agent else {}
    response = http.post(f"{prefix}/sign_in", json=credentials, headers=headers)
    return signed_in(response, SIGNED_IN)


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post("/refresh", json={"refresh_token": refresh_token})


def refreshed_body(response: httpx.Response) -> dict[str, Any]:
    """The body of a successful /refresh: the status and the session, nothing else."""
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert list(body) == [
        "status",
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "session_id",
    ]
    assert body["status"] == 200
    assert body["token_type"] == "Bearer"
    return body


def me(http: httpx.Client, access_token: str, prefix: str = "") -> httpx.Response:
    return http.get(f"{prefix}/me", headers=bearer(access_token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_registration_signs_the_user_in(http: httpx.Client, gateway: RunningGateway) -> None:
    registered = register(http, gateway)

    profile = me(http, registered["access_token"])

    assert profile.status_code == 200
    assert profile.json()["user_id"] == registered["user_id"]


@PREFIXES
def test_me_shows_the_profile_of_the_tokens_user(
    http: httpx.Client, gateway: RunningGateway, prefix: str
) -> None:
    registered_at = gateway.service.clock()
    user_id = register(http, gateway)["user_id"]
    session = sign_in(http, prefix)

    response = me(http, session["access_token"], prefix)

    assert response.status_code == 200
    assert response.json() == {
        "user_id": user_id,
        "first_name": "Ivan",
        "last_name": "Petrov",
        "phone": PHONE,
        "vk_linked": False,
        "registered_at": response.json()["registered_at"],
    }
    assert datetime.fromisoformat(response.json()["registered_at"]) == registered_at
    assert response.json()["registered_at"].endswith("Z")
    assert response.headers["cache-control"] == "no-store"


def test_sign_in_refresh_and_reuse_of_a_spent_token_ends_the_session(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    register(http, gateway)
    first = sign_in(http)
    second = refreshed_body(refresh(http, first["refresh_token"]))
    third = refreshed_body(refresh(http, second["refresh_token"]))
    assert me(http, third["access_token"]).status_code == 200

    gateway.service.clock.advance(seconds=6)  # past the grace window of a retry
    reused = refresh(http, first["refresh_token"])

    assert reused.status_code == 401
    assert reused.json() == error(
        "The refresh token was already used; the session has been ended", "REFRESH_TOKEN_REUSED"
    )
    ended = me(http, third["access_token"])
    assert ended.status_code == 401
    assert ended.json() == ACCESS_TOKEN_INVALID
    assert ended.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert refresh(http, third["refresh_token"]).status_code == 401


def test_a_retry_of_a_refresh_within_the_grace_window_gets_the_same_tokens(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    session = register(http, gateway)

    answer = refreshed_body(refresh(http, session["refresh_token"]))
    retry = refreshed_body(refresh(http, session["refresh_token"]))

    assert retry == answer
    assert answer["session_id"] == session["session_id"]
    assert answer["refresh_token"] != session["refresh_token"]


def test_sign_out_with_a_refresh_token_ends_only_that_session(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    registered = register(http, gateway)
    session = sign_in(http)

    response = http.post("/sign_out", json={"refresh_token": session["refresh_token"]})

    assert response.status_code == 200
    assert response.json() == {
        "status": 200,
        "message": "You have successfully signed out",
        "ended_sessions": 1,
    }
    assert me(http, session["access_token"]).status_code == 401
    assert refresh(http, session["refresh_token"]).status_code == 401
    assert me(http, registered["access_token"]).status_code == 200


def test_sign_out_with_an_access_token_in_the_body(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    session = register(http, gateway)

    response = http.post("/sign_out", json={"access_token": session["access_token"]})

    assert response.json()["ended_sessions"] == 1
    assert me(http, session["access_token"]).status_code == 401


@PREFIXES
def test_sign_out_of_all_sessions_with_the_authorization_header(
    http: httpx.Client, gateway: RunningGateway, prefix: str
) -> None:
    registered = register(http, gateway)
    session = sign_in(http)

    response = http.post(
        f"{prefix}/sign_out", json={"all_sessions": True}, headers=bearer(session["access_token"])
    )

    assert response.status_code == 200
    assert response.json()["ended_sessions"] == 2
    assert me(http, registered["access_token"]).status_code == 401
    assert me(http, session["access_token"]).status_code == 401


def test_sign_out_takes_the_header_alone_and_again_ends_nothing(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    session = register(http, gateway)

    first = http.post("/sign_out", headers=bearer(session["access_token"]))
    again = http.post("/sign_out", json={"refresh_token": session["refresh_token"]})

    assert first.json()["ended_sessions"] == 1
    assert again.status_code == 200
    assert again.json()["ended_sessions"] == 0


def test_sign_out_without_a_token_is_400(http: httpx.Client) -> None:
    response = http.post("/sign_out", json={})

    assert response.status_code == 400
    assert response.json() == error("Give refresh_token or access_token", "FIELD_MISSING")


def test_sign_out_with_a_refused_header_token_is_challenged(http: httpx.Client) -> None:
    response = http.post("/sign_out", headers=bearer("not-a-token"))

    assert response.status_code == 401
    assert response.json() == ACCESS_TOKEN_INVALID
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_unknown_refresh_token_is_401(http: httpx.Client) -> None:
    response = refresh(http, "never-issued")

    assert response.status_code == 401
    assert response.json() == error("The refresh token is not valid", "REFRESH_TOKEN_INVALID")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic aXZhbjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["no-header", "other-scheme", "no-token"],
)
def test_me_without_a_bearer_token_is_401_with_a_bare_challenge(
    http: httpx.Client, headers: dict[str, str]
) -> None:
    response = http.get("/me", headers=headers)

    assert response.status_code == 401
    assert response.json() == ACCESS_TOKEN_INVALID
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "ünïcode", "x" * 5000],
    ids=["garbage", "alg-none", "not-ascii", "very-long"],
)
def test_me_with_a_refused_token_is_401_with_the_invalid_token_challenge(
    http: httpx.Client, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}".encode()}

    response = http.get("/me", headers=headers)

    assert response.status_code == 401
    assert response.json() == ACCESS_TOKEN_INVALID
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_wrong_password_and_unknown_phone_get_one_answer(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    register(http, gateway)

    wrong_password = http.post("/sign_in", json={"phone": PHONE, "password": "not his one"})
    unknown_phone = http.post("/sign_in", json={"phone": "+79001000099", "password": PASSWORD})

    expected = error("The phone number or the password is not correct", "CREDENTIALS_INVALID")
    assert (wrong_password.status_code, wrong_password.json()) == (401, expected)
    assert (unknown_phone.status_code, unknown_phone.json()) == (401, expected)


def test_many_wrong_passwords_pause_sign_in_with_retry_after(http: httpx.Client) -> None:
    wrong = {"phone": PHONE, "password": "not his one"}
    for _ in range(20):  # the service's default allowance per phone and hour
        assert http.post("/sign_in", json=wrong).status_code == 401

    response = http.post("/sign_in", json=wrong)

    assert response.status_code == 429
    assert response.json() == error(
        "Too many failed sign-ins for this phone number; try again later", "SIGN_IN_LOCKED"
    )
    assert response.headers["retry-after"] == "3600"


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/sign_in", {"phone": PHONE}, "password: Field required"),
        (
            "/sign_in",
            {"phone": 79001000010, "password": PASSWORD},
            "phone: Input should be a valid string",
        ),
        (
            "/sign_in",
            {"phone": PHONE, "password": PASSWORD, "remember": True},
            "remember: Extra inputs are not permitted",
        ),
        ("/refresh", {}, "refresh_token: Field required"),
        ("/refresh", {"refresh_token": None}, "refresh_token: Input should be a valid string"),
        ("/sign_out", {"all_sessions": "yes"}, "all_sessions: Input should be a valid boolean"),
        ("/sign_out", {"token": "abc"}, "token: Extra inputs are not permitted"),
    ],
)
def test_malformed_session_bodies_are_422(
    http: httpx.Client, path: str, body: dict[str, object], detail: str
) -> None:
    response = http.post(path, json=body)

    assert response.status_code == 422
    assert response.json() == error(detail, "REQUEST_INVALID")


def test_jwks_is_the_services_key_set_and_may_be_cached(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    response = http.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.json() == gateway.service.tokens.jwks()
    assert "y" not in response.json()["keys"][0]  # an Ed25519 key has no second coordinate
    assert response.headers["cache-control"] == "public, max-age=300"
    assert http.get("/user/.well-known/jwks.json").status_code == 404


def test_another_service_verifies_a_token_offline_with_the_gateways_jwks(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    register(http, gateway)
    session = sign_in(http)
    keys = jwt.PyJWKClient(f"{gateway.url}/.well-known/jwks.json")

    signing_key = keys.get_signing_key_from_jwt(session["access_token"])
    claims = jwt.decode(
        session["access_token"],
        signing_key.key,
        algorithms=["EdDSA", "ES256"],
        audience="authsvc",
        issuer="authsvc",
    )

    assert claims["sub"] == session["user_id"]
    assert claims["sid"] == session["session_id"]


def test_the_devices_user_agent_reaches_the_sessions_table(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    register(http, gateway)
    sign_in(http, user_agent=b"AuthApp/2.1 (iPhone; iOS 17.5)")
    # gRPC metadata takes printable ASCII only: each other byte arrives as "?".
    sign_in(http, user_agent="AuthApp/2.1 (Ünïcode)".encode())

    with gateway.service.engine.connect() as connection:
        rows = connection.execute(text("SELECT user_agent FROM sessions"))
        agents = sorted(row.user_agent for row in rows)

    assert agents == [
        "AuthApp/2.1 (??n??code)",
        "AuthApp/2.1 (iPhone; iOS 17.5)",
        f"python-httpx/{httpx.__version__}",
    ]


def test_session_paths_answer_503_while_the_service_is_down() -> None:
    with serving(local_settings(closed_port_address())) as down, client(down.url) as http:
        answers = [
            http.post("/sign_in", json={"phone": PHONE, "password": PASSWORD}),
            refresh(http, "some-token"),
            http.post("/sign_out", headers=bearer("some-token")),
            me(http, "some-token"),
            http.get("/.well-known/jwks.json"),
        ]

    down_body = error(SERVICE_UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
    assert [(answer.status_code, answer.json()) for answer in answers] == [(503, down_body)] * 5


def test_no_token_or_password_reaches_the_logs(
    http: httpx.Client, gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    registered = register(http, gateway)
    session = sign_in(http)
    refreshed = refreshed_body(refresh(http, session["refresh_token"]))
    me(http, refreshed["access_token"])
    http.post("/sign_out", headers=bearer(refreshed["access_token"]))
    me(http, refreshed["access_token"])

    # The test's own HTTP client logs what it sends and receives; the system must not.
    records = [r for r in caplog.records if r.name.partition(".")[0] not in TEST_CLIENT_LOGGERS]
    logged = "\n".join(record.getMessage() for record in records)
    for answer in (registered, session, refreshed):
        assert answer["access_token"] not in logged
        assert answer["refresh_token"] not in logged
    assert PASSWORD not in logged
    # The last request's line may come after its answer; the earlier ones are in.
    assert "POST /sign_in 200" in logged
    assert "POST /sign_out 200" in logged
