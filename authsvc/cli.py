"""The ``authsvc`` command: ``serve`` runs the gRPC service (``--gateway``: the REST gateway
too), ``gateway`` runs the REST gateway alone, ``migrate`` upgrades the schema."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

from authsvc import database
from authsvc.assembly import build_services
from authsvc.config import ConfigError, Settings, load_settings
from authsvc.errors import StorageUnavailable
from authsvc.gateway.settings import GatewaySettings, load_gateway_settings
from authsvc.rpc.server import AuthServer

if TYPE_CHECKING:
    from authsvc.gateway.server import GatewayServer

logger = logging.getLogger("authsvc")

# What the optional ``gateway`` extra installs; without it only the gRPC service runs.
GATEWAY_PACKAGES = frozenset({"fastapi", "starlette", "uvicorn"})
MISSING_GATEWAY_EXTRA = (
    "the REST gateway needs FastAPI and uvicorn: pip install 'authsvc[gateway]'"
)


class _Server(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    command: str = options.command
    try:
        if command == "gateway":
            # The gateway alone reads none of the service's settings: no database, no provider.
            return run_gateway(load_gateway_settings())
        settings = load_settings()
        # Built before anything starts, so that a missing extra stops nothing half-started.
        with_gateway = command == "serve" and options.gateway
        gateway = _gateway_server(load_gateway_settings()) if with_gateway else None
    except ConfigError as error:
        print(f"authsvc: configuration error: {error}", file=sys.stderr)
        return 2

    _configure_logging(settings.log_level)
    if command == "migrate":
        return migrate(settings)
    return serve(settings, migrate_first=options.migrate, gateway=gateway)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authsvc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the gRPC service")
    serve_parser.add_argument(
        "--migrate",
        action="store_true",
        help="upgrade the database schema before serving (always on for the embedded default)",
    )
    serve_parser.add_argument(
        "--gateway",
        action="store_true",
        help="also run the REST gateway in this process (AUTHSVC_HTTP_ADDRESS)",
    )
    commands.add_parser("migrate", help="upgrade the database schema to the newest revision")
    commands.add_parser("gateway", help="run the REST gateway in front of the gRPC service")
    return parser


def migrate(settings: Settings) -> int:
    engine = database.create_database_engine(settings.database_url)
    try:
        database.upgrade(engine)
        logger.info("database schema is at %s", database.current_revision(engine))
    except StorageUnavailable:
        return _database_unreachable(settings)
    finally:
        engine.dispose()
    return 0


def _database_unreachable(settings: Settings) -> int:
    # The URL is shown without its password.
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    logger.error("cannot reach the database at %s (AUTHSVC_DATABASE_URL)", shown)
    return 5


def run_gateway(settings: GatewaySettings) -> int:
    """Run the REST gateway alone until SIGTERM or SIGINT.

    :raises ConfigError: the ``gateway`` extra is not installed.
    """
    gateway = _gateway_server(settings)
    _configure_logging(settings.log_level)
    return _serve_until_signal([gateway])


def serve(settings: Settings, *, migrate_first: bool, gateway: GatewayServer | None = None) -> int:
    engine = database.create_database_engine(settings.database_url)
    if settings.embedded:
        logger.info("embedded default: SQLite database in %s", settings.data_dir)
    try:
        if migrate_first or settings.embedded:
            database.upgrade(engine)
        database.ensure_current_schema(engine)
    except database.SchemaOutdated as error:
        logger.error("%s", error)
        return 3
    except StorageUnavailable:
        return _database_unreachable(settings)

    try:
        services = build_services(settings, engine)
        server = AuthServer(services, settings.grpc_address)
    except ConfigError as error:
        logger.error("configuration error: %s", error)
        return 2
    except RuntimeError as error:
        logger.error("cannot listen on %s: %s", settings.grpc_address, error)
        return 4

    status = _serve_until_signal([server] if gateway is None else [server, gateway])
    engine.dispose()
    return status


def _serve_until_signal(servers: Sequence[_Server]) -> int:
    """Start the servers in order, wait for SIGTERM or SIGINT, stop them in reverse.

    Returns 0, or 4 when a server could not start (the ones started are stopped).
    """
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    started: list[_Server] = []
    try:
        for server in servers:
            server.start()
            started.append(server)
    except RuntimeError as error:
        logger.error("%s", error)
        stopping.set()

    stopping.wait()
    logger.info("shutting down: finishing calls in flight")
    for server in reversed(started):
        server.stop()
    return 0 if len(started) == len(servers) else 4


def _gateway_server(settings: GatewaySettings) -> GatewayServer:
    """The REST gateway, not started yet.

    :raises ConfigError: FastAPI or uvicorn is missing (the ``gateway`` extra).
    """
    try:
        # Imported here: a gRPC-only installation has no FastAPI and no uvicorn.
        from authsvc.gateway.server import GatewayServer
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in GATEWAY_PACKAGES:
            raise
        raise ConfigError(MISSING_GATEWAY_EXTRA) from error
    return GatewayServer(settings)
