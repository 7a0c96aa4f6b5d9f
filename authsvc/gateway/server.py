"""The gateway served by uvicorn in a background thread, started and stopped on demand."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from authsvc.gateway.app import create_app
from authsvc.gateway.settings import GatewaySettings, split_address

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10
_STARTUP_POLL_SECONDS = 0.02


class GatewayServer:
    """uvicorn serving the gateway app on ``settings.http_address`` (port 0: a free one)."""

    def __init__(self, settings: GatewaySettings) -> None:
        host, port = split_address(settings.http_address)
        config = uvicorn.Config(
            create_app(settings),
            host=host,
            port=port,
            # The app logs each request itself, without uvicorn's formats or access log.
            log_config=None,
            access_log=False,
            # X-Forwarded-For is the app's to trust or not (AUTHSVC_TRUST_PROXY), not uvicorn's.
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="gateway", daemon=True)
        self._address = settings.http_address

    def start(self) -> None:
        """Start serving; return once the port is bound and the app has started.

        :raises RuntimeError: uvicorn could not bind the address or start the app.
        """
        self._thread.start()
        # uvicorn tells nobody when it is up; it sets a flag, or ends the thread on failure.
        while not self._server.started and self._thread.is_alive():
            time.sleep(_STARTUP_POLL_SECONDS)
        if not self._server.started:
            raise RuntimeError(f"the REST gateway could not start on {self._address}")
        logger.info("REST gateway listening on %s", self.url)

    def stop(self) -> None:
        """Stop taking requests, finish those in flight, and close the gRPC channel."""
        self._server.should_exit = True
        self._thread.join()
        logger.info("REST gateway stopped")

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` with the port actually bound."""
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
