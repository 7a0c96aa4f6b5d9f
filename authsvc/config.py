"""Configuration from ``AUTHSVC_*`` environment variables, checked before anything starts.

With no variable set at all the service runs on its embedded default: a SQLite file in
the data directory, the development call provider, and migrations applied at start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

PREFIX = "AUTHSVC_"
DEFAULT_GRPC_ADDRESS = "127.0.0.1:50051"
DEFAULT_UCALLER_URL = "https://api.ucaller.ru/v1.0"
DEFAULT_VK_API_URL = "https://api.vk.com/method"
CALL_PROVIDERS = ("ucaller", "dev")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

T = TypeVar("T")


class ConfigError(Exception):
    """A variable is unknown, missing or invalid; the message names it."""


@dataclass(frozen=True)
class Settings:
    grpc_address: str
    database_url: str
    embedded: bool
    data_dir: Path
    call_provider: str
    ucaller_url: str
    ucaller_service_id: str | None
    ucaller_key: str | None
    vk_api_url: str
    vk_service_key: str | None
    code_ttl_seconds: int
    call_cooldown_seconds: int
    calls_per_phone_per_day: int
    sign_in_failures_per_hour: int
    log_level: str
    signing_key_files: tuple[Path, ...]
    access_token_ttl_seconds: int
    session_ttl_seconds: int
    token_issuer: str
    token_audience: str


# Every variable the service and the gateway read; anything else with the prefix is a typo.
KNOWN_VARIABLES = frozenset(
    PREFIX + name
    for name in (
        "GRPC_ADDRESS",
        "DATABASE_URL",
        "DATA_DIR",
        "CALL_PROVIDER",
        "UCALLER_URL",
        "UCALLER_SERVICE_ID",
        "UCALLER_KEY",
        "VK_API_URL",
        "VK_SERVICE_KEY",
        "CODE_TTL_SECONDS",
        "CALL_COOLDOWN_SECONDS",
        "CALLS_PER_PHONE_PER_DAY",
        "SIGN_IN_FAILURES_PER_HOUR",
        "LOG_LEVEL",
        "SIGNING_KEYS",
        "ACCESS_TOKEN_TTL_SECONDS",
        "SESSION_TTL_SECONDS",
        "TOKEN_ISSUER",
        "TOKEN_AUDIENCE",
        "HTTP_ADDRESS",
        "GATEWAY_UPSTREAM",
        "COOKIE_SECURE",
        "TRUST_PROXY",
    )
)
# Variables of the test command, read only by the test suite.
TEST_PREFIX = PREFIX + "TEST_"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the settings.

    :raises ConfigError: a variable is unknown, missing or invalid.
    """
    source = os.environ if environ is None else environ
    env = Environment(source)
    env.reject_unknown()

    data_dir = Path(env.get("DATA_DIR") or _default_data_dir(source)).expanduser()
    database_url = env.database_url("DATABASE_URL")
    embedded = database_url is None
    provider = env.choice("CALL_PROVIDER", CALL_PROVIDERS, "dev" if embedded else "ucaller")

    settings = Settings(
        grpc_address=env.address("GRPC_ADDRESS", DEFAULT_GRPC_ADDRESS),
        database_url=database_url or f"sqlite:///{data_dir / 'authsvc.sqlite3'}",
        embedded=embedded,
        data_dir=data_dir,
        call_provider=provider,
        ucaller_url=env.url("UCALLER_URL", DEFAULT_UCALLER_URL),
        ucaller_service_id=env.get("UCALLER_SERVICE_ID"),
        ucaller_key=env.get("UCALLER_KEY"),
        vk_api_url=env.url("VK_API_URL", DEFAULT_VK_API_URL),
        vk_service_key=env.get("VK_SERVICE_KEY"),
        code_ttl_seconds=env.integer("CODE_TTL_SECONDS", 300, 30, 600),
        call_cooldown_seconds=env.integer("CALL_COOLDOWN_SECONDS", 30, 15, 600),
        calls_per_phone_per_day=env.integer("CALLS_PER_PHONE_PER_DAY", 10, 1, 1000),
        sign_in_failures_per_hour=env.integer("SIGN_IN_FAILURES_PER_HOUR", 20, 1, 100),
        log_level=env.choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", upper=True
        ),
        signing_key_files=env.paths("SIGNING_KEYS"),
        access_token_ttl_seconds=env.integer("ACCESS_TOKEN_TTL_SECONDS", 900, 60, 3600),
        session_ttl_seconds=env.integer("SESSION_TTL_SECONDS", 30 * 86400, 3600, 365 * 86400),
        token_issuer=env.get("TOKEN_ISSUER") or "authsvc",
        token_audience=env.get("TOKEN_AUDIENCE") or "authsvc",
    )
    if not embedded and not settings.signing_key_files:
        # Every process must sign with the same keys; one made up per data dir would not do.
        env.require("SIGNING_KEYS", "AUTHSVC_DATABASE_URL is set")
    if provider == "ucaller":
        env.require("UCALLER_SERVICE_ID", "AUTHSVC_CALL_PROVIDER=ucaller")
        env.require("UCALLER_KEY", "AUTHSVC_CALL_PROVIDER=ucaller")
    return settings


def _default_data_dir(environ: Mapping[str, str]) -> str:
    base = environ.get("XDG_DATA_HOME") or "~/.local/share"
    return str(Path(base) / "authsvc")


class Environment:
    """Typed access to ``AUTHSVC_*`` variables; every error names the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def reject_unknown(self) -> None:
        for name in sorted(self._environ):
            ours = name.startswith(PREFIX) and not name.startswith(TEST_PREFIX)
            if ours and name not in KNOWN_VARIABLES:
                raise ConfigError(f"{name} is not a known setting (typo?)")

    def get(self, name: str) -> str | None:
        """Return the value, or None when unset or empty."""
        value = self._environ.get(PREFIX + name, "").strip()
        return value or None

    def require(self, name: str, because: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigError(f"{PREFIX}{name} must be set when {because}")
        return value

    def choice(
        self, name: str, choices: tuple[str, ...], default: str, *, upper: bool = False
    ) -> str:
        """One of ``choices``; with ``upper``, the value is taken in any case."""

        def parse(value: str) -> str | None:
            value = value.upper() if upper else value
            return value if value in choices else None

        return self._parsed(name, default, parse, choices)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        def parse(value: str) -> int | None:
            number = int(value) if value.isascii() and value.isdigit() else None
            return number if number is not None and low <= number <= high else None

        return self._parsed(name, default, parse, f"a whole number from {low} to {high}")

    def flag(self, name: str, default: bool) -> bool:
        words = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
        return self._parsed(name, default, lambda v: words.get(v.lower()), "true or false")

    def address(self, name: str, default: str) -> str:
        def parse(value: str) -> str | None:
            host, _, port = value.rpartition(":")
            valid = host and port.isascii() and port.isdigit() and 0 < int(port) < 65536
            return value if valid else None

        return self._parsed(name, default, parse, "HOST:PORT")

    def paths(self, name: str) -> tuple[Path, ...]:
        """A comma-separated list of file paths; each must exist."""
        parts = (self.get(name) or "").split(",")
        paths = tuple(Path(part.strip()) for part in parts if part.strip())
        for path in paths:
            if not path.is_file():
                raise ConfigError(f"{PREFIX}{name} names {path}, which is not a file")
        return paths

    def database_url(self, name: str) -> str | None:
        """A PostgreSQL or SQLite URL whose driver is installed, or None when unset."""
        value = self.get(name)
        if value is None:
            return None
        expected = ConfigError(
            f"{PREFIX}{name} must be a PostgreSQL (or SQLite) SQLAlchemy URL such as "
            "postgresql+psycopg2://user@host:5432/authsvc"
        )
        try:
            url = make_url(value)
            url.get_dialect().import_dbapi()
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise expected from error
        if url.get_backend_name() not in ("postgresql", "sqlite"):
            raise expected
        return value

    def url(self, name: str, default: str) -> str:
        def parse(value: str) -> str | None:
            return value.rstrip("/") if value.startswith(("http://", "https://")) else None

        return self._parsed(name, default, parse, "an http:// or https:// URL")

    def _parsed(
        self, name: str, default: T, parse: Callable[[str], T | None], expected: object
    ) -> T:
        value = self.get(name)
        if value is None:
            return default
        parsed = parse(value)
        if parsed is None:
            raise ConfigError(f"{PREFIX}{name} must be {_describe(expected)}")
        return parsed


def _describe(expected: object) -> str:
    if isinstance(expected, tuple):
        return "one of " + ", ".join(expected)
    return str(expected)
