"""The gateway's settings, read from ``AUTHSVC_*`` variables like the service's."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from authsvc.config import DEFAULT_GRPC_ADDRESS, LOG_LEVELS, Environment

DEFAULT_HTTP_ADDRESS = "127.0.0.1:8080"


@dataclass(frozen=True)
class GatewaySettings:
    """Where the gateway listens, which gRPC service it calls, and how it sets cookies."""

    http_address: str = DEFAULT_HTTP_ADDRESS
    upstream: str = DEFAULT_GRPC_ADDRESS
    # Off only for local use over plain HTTP: a Secure cookie never travels without TLS.
    cookie_secure: bool = True
    # On only behind a proxy that sets X-Forwarded-For: otherwise anyone could forge it.
    trust_proxy: bool = False
    log_level: str = "INFO"
    # Long enough for the slowest call: the service asks VK twice, 5 s each at most.
    deadline_seconds: float = 15.0


def load_gateway_settings(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    """Read and check the gateway's settings.

    :raises ConfigError: a variable is unknown or invalid.
    """
    env = Environment(os.environ if environ is None else environ)
    env.reject_unknown()

    grpc_address = env.address("GRPC_ADDRESS", DEFAULT_GRPC_ADDRESS)
    return GatewaySettings(
        http_address=env.address("HTTP_ADDRESS", DEFAULT_HTTP_ADDRESS),
        upstream=env.address("GATEWAY_UPSTREAM", grpc_address),
        cookie_secure=env.flag("COOKIE_SECURE", True),
        trust_proxy=env.flag("TRUST_PROXY", False),
        log_level=env.choice("LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
    )


def split_address(address: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (or ``[IPv6]:PORT``) into the host and the port."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)
