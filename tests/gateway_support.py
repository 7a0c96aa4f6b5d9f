"""What the gateway tests share: a real uvicorn server in front of the real gRPC service.

The fixtures here are imported by the ``test_gateway_*`` modules; this module has no tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from authsvc.gateway.server import GatewayServer
from authsvc.gateway.settings import GatewaySettings
from tests.fakes.vk import VkUser
from tests.fixtures.service import RunningService
from tests.processes import free_port

CALL_PLACED = "You will receive a call to your phone number, enter the last 4 digits"
REGISTERED = "You have successfully registered"
SIGNED_IN = "You have successfully signed in"
SIGNED_IN_VK = "You have successfully signed in with VK"
VK_CONNECTED = (
    "Your VK account is successfully found and connected. Enter the phone number to confirm it."
)
PHONE = "+79001000010"
PASSWORD = "correct horse battery"
VK_TOKEN = "vk1.a.the-token-of-ivan"
IVAN_ON_VK = VkUser(743784474, "Ivan", "Petrov")


@dataclass(frozen=True)
class RunningGateway:
    """A started gateway (``url``) and the service behind it."""

    url: str
    service: RunningService


def local_settings(upstream: str, **changes: Any) -> GatewaySettings:
    """Settings for a gateway on a free loopback port; cookies without Secure (plain HTTP)."""
    settings = GatewaySettings(http_address="127.0.0.1:0", upstream=upstream, cookie_secure=False)
    return replace(settings, **changes)


@contextmanager
def serving(settings: GatewaySettings) -> Iterator[GatewayServer]:
    """Run a gateway with ``settings`` for the duration of the block."""
    server = GatewayServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def client(url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the gateway at ``url`` that keeps cookies."""
    with httpx.Client(base_url=url, timeout=30) as http:
        yield http


def closed_port_address() -> str:
    """A loopback address where nothing listens (the port was free a moment ago)."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
def gateway(running_service: RunningService) -> Iterator[RunningGateway]:
    """The gateway in front of the running service."""
    with serving(local_settings(running_service.address)) as server:
        yield RunningGateway(server.url, running_service)


@pytest.fixture
def http(gateway: RunningGateway) -> Iterator[httpx.Client]:
    """A client of the gateway, with a cookie jar, as the mobile app would be."""
    with client(gateway.url) as http:
        yield http


def registration_body(phone: str = PHONE) -> dict[str, str]:
    """The documented ``/beg_registration`` body for Ivan Petrov."""
    return {
        "first_name": "Ivan",
        "last_name": "Petrov",
        "phone": phone,
        "password": PASSWORD,
        "confirmations_password": PASSWORD,
    }


def begin_registration(http: httpx.Client, prefix: str = "", phone: str = PHONE) -> str:
    """Start a phone registration; return its id."""
    response = http.post(f"{prefix}/beg_registration", json=registration_body(phone))
    assert response.status_code == 200, response.text
    registration_id: str = response.json()["registration_id"]
    return registration_id


def enter_with_vk(http: httpx.Client, gateway: RunningGateway, prefix: str = "") -> str:
    """Start a VK entry with Ivan's working token; return its id."""
    gateway.service.vk.add_user(VK_TOKEN, IVAN_ON_VK)
    response = http.post(f"{prefix}/entrancevk", json={"token": VK_TOKEN})
    assert response.status_code == 200, response.text
    registration_id: str = response.json()["registration_id"]
    return registration_id


def error(detail: str, reason: str) -> dict[str, str]:
    """The error body the gateway answers."""
    return {"detail": detail, "reason": reason}


# Values that differ in every answer; the tests show them as "...".
VARYING = frozenset({"user_id", "access_token", "refresh_token", "session_id"})
SESSION = {
    "access_token": "...",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "...",
    "refresh_token_expires_in": 30 * 24 * 3600,
    "session_id": "...",
}


def signed_in(response: httpx.Response, message: str) -> dict[str, Any]:
    """The body of an answer that signs someone in with ``message``, checked whole.

    The fields the seed documents come first, byte for byte as before; the session
    follows, and no cache may keep it.
    """
    assert response.status_code == 200, response.text
    seed_fields = f'{{"status":200,"message":"{message}","user_id":"'.encode()
    assert response.content.startswith(seed_fields)
    body: dict[str, Any] = response.json()
    masked = {key: "..." if key in VARYING else value for key, value in body.items()}
    expected = {"status": 200, "message": message, "user_id": "..."} | SESSION
    assert list(masked.items()) == list(expected.items())
    assert response.headers["cache-control"] == "no-store"
    return body
