"""The gRPC server: AuthService, reflection, health, limits, and graceful shutdown."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import grpc
from auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from authsvc.assembly import Services
from authsvc.errors import StorageUnavailable
from authsvc.rpc.call_log import CallLogInterceptor
from authsvc.rpc.servicer import AuthServicer

logger = logging.getLogger(__name__)

SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
MAX_REQUEST_BYTES = 64 * 1024
HEALTH_CHECK_INTERVAL_SECONDS = 5.0
SHUTDOWN_GRACE_SECONDS = 10.0

HealthSetter = Callable[[int], None]

_SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
    # A second server on a taken port must fail, not share it silently.
    ("grpc.so_reuseport", 0),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


class AuthServer:
    """A started gRPC server and the monitor that keeps its health status true."""

    def __init__(
        self,
        services: Services,
        address: str,
        *,
        max_workers: int = 16,
    ) -> None:
        self.server = grpc.server(
            ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="rpc"),
            interceptors=[CallLogInterceptor()],
            options=_SERVER_OPTIONS,
        )
        self.health = health.HealthServicer(experimental_non_blocking=True)
        servicer = AuthServicer(services.registrations, services.sessions)
        auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)

        self.port = self.server.add_insecure_port(address)
        self._address = address
        self._monitor = _HealthMonitor(services, self._set_health)

    def start(self) -> None:
        """Start serving; health turns SERVING once the database answers."""
        self.server.start()
        self._monitor.start()
        logger.info("authsvc listening on %s (port %d)", self._address, self.port)

    def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Refuse new calls, let running calls finish for up to ``grace`` seconds."""
        self._monitor.stop()
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        logger.info("authsvc stopped")

    def _set_health(self, status: int) -> None:
        for name in ("", SERVICE_NAME):
            self.health.set(name, status)


class _HealthMonitor(threading.Thread):
    """Check the database periodically; purge what has expired while at it."""

    def __init__(self, services: Services, set_health: HealthSetter) -> None:
        super().__init__(name="health-monitor", daemon=True)
        self._services = services
        self._set_health = set_health
        self._stopping = threading.Event()

    def run(self) -> None:
        while True:
            self._check()
            if self._stopping.wait(HEALTH_CHECK_INTERVAL_SECONDS):
                return

    def stop(self) -> None:
        """Stop checking and wait for a check in progress, before the engine goes away."""
        self._stopping.set()
        if self.is_alive():
            self.join()

    def _check(self) -> None:
        try:
            self._services.repository.ping()
            self._services.registrations.purge_expired()
            self._services.sessions.purge_expired()
        except StorageUnavailable:
            logger.warning("database does not answer; health is NOT_SERVING")
            self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
            return
        except Exception:
            # Whatever failed, the monitor must live on and health must not stay SERVING.
            logger.exception("health check failed; health is NOT_SERVING")
            self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
            return
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
