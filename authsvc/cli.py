"""The ``authsvc`` command: ``serve`` runs the gRPC service, ``migrate`` upgrades the schema."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from authsvc import database
from authsvc.assembly import build_registration_service
from authsvc.config import ConfigError, Settings, load_settings
from authsvc.rpc.server import AuthServer

logger = logging.getLogger("authsvc")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"authsvc: configuration error: {error}", file=sys.stderr)
        return 2

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    command: str = options.command
    if command == "migrate":
        return migrate(settings)
    return serve(settings, migrate_first=options.migrate)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authsvc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the gRPC service")
    serve_parser.add_argument(
        "--migrate",
        action="store_true",
        help="upgrade the database schema before serving (always on for the embedded default)",
    )
    commands.add_parser("migrate", help="upgrade the database schema to the newest revision")
    return parser


def migrate(settings: Settings) -> int:
    engine = database.create_database_engine(settings.database_url)
    database.upgrade(engine)
    logger.info("database schema is at %s", database.current_revision(engine))
    engine.dispose()
    return 0


def serve(settings: Settings, *, migrate_first: bool) -> int:
    engine = database.create_database_engine(settings.database_url)
    if settings.embedded:
        logger.info("embedded default: SQLite database in %s", settings.data_dir)
    if migrate_first or settings.embedded:
        database.upgrade(engine)
    try:
        database.ensure_current_schema(engine)
    except database.SchemaOutdated as error:
        logger.error("%s", error)
        return 3

    registrations, repository = build_registration_service(settings, engine)
    try:
        server = AuthServer(registrations, repository, settings.grpc_address)
    except RuntimeError as error:
        logger.error("cannot listen on %s: %s", settings.grpc_address, error)
        return 4

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server.start()
    stopping.wait()
    logger.info("shutting down: finishing calls in flight")
    server.stop()
    engine.dispose()
    return 0
