"""Which address the gateway reports for the person, with and without a trusted proxy."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from authsvc.gateway.routes import client_address


def request_with(*forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "headers": headers, "client": ("10.0.0.2", 51000)})


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((), "10.0.0.2"),
        (("203.0.113.7",), "203.0.113.7"),
        (("198.51.100.1, 203.0.113.7",), "203.0.113.7"),
        # A proxy that adds a header line of its own: the client's forged line comes first.
        (("6.6.6.6", "203.0.113.7"), "203.0.113.7"),
        (("not-an-address",), "10.0.0.2"),
    ],
)
def test_trusted_proxy_gives_the_address_it_appended(
    lines: tuple[str, ...], expected: str
) -> None:
    assert client_address(request_with(*lines), trust_proxy=True) == expected


def test_without_a_trusted_proxy_the_connection_decides() -> None:
    assert client_address(request_with("203.0.113.7"), trust_proxy=False) == "10.0.0.2"
