"""Running ``authsvc`` commands in real processes, on free ports, for the tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from authsvc.signing_keys import ensure_generated_key

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30.0
STOP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def authsvc_environment(data_dir: Path, port: int, **variables: str) -> dict[str, str]:
    """This process's environment without its AUTHSVC_ settings, plus ``variables``."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AUTHSVC_") or name.startswith("AUTHSVC_TEST_")
    }
    environ |= {"AUTHSVC_DATA_DIR": str(data_dir), "AUTHSVC_GRPC_ADDRESS": f"127.0.0.1:{port}"}
    return environ | variables


def production_variables(database_url: str, key_dir: Path) -> dict[str, str]:
    """What a server on PostgreSQL needs besides its call provider."""
    # Processes sharing one database sign sessions with configured keys, not generated ones.
    key_file = ensure_generated_key(key_dir)
    return {"AUTHSVC_DATABASE_URL": database_url, "AUTHSVC_SIGNING_KEYS": str(key_file)}


def run_authsvc(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command that ends by itself, such as ``migrate``, to its end."""
    # The command is this interpreter running authsvc: no untrusted input.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "authsvc", *args],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class ServiceProcess:
    """A running ``authsvc serve``; its stderr goes to a file that tests read as it grows."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, address: str) -> None:
        self.process = process
        self.log = log
        self.address = address

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        """Wait until health says SERVING; fail if the process ends or time runs out."""
        deadline = time.monotonic() + START_SECONDS
        request = health_pb2.HealthCheckRequest(service="")
        with grpc.insecure_channel(self.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                self._fail_if_ended()
                try:
                    status = stub.Check(request, timeout=1).status
                except grpc.RpcError:
                    status = health_pb2.HealthCheckResponse.UNKNOWN
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
                if time.monotonic() > deadline:
                    pytest.fail(f"not SERVING after {START_SECONDS}s:\n{self.stderr()}")
                time.sleep(0.05)

    def wait_for_log(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """Wait until stderr holds ``pattern``; return its match."""
        deadline = time.monotonic() + START_SECONDS
        while (match := pattern.search(self.stderr())) is None:
            self._fail_if_ended()
            if time.monotonic() > deadline:
                pytest.fail(f"{pattern.pattern!r} not logged:\n{self.stderr()}")
            time.sleep(0.05)
        return match

    def wait_for_exit(self) -> int:
        try:
            return self.process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running after {START_SECONDS}s:\n{self.stderr()}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum``; return the exit code, which must come within STOP_SECONDS."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_SECONDS}s after signal {signum}:\n{self.stderr()}")

    def _fail_if_ended(self) -> None:
        if self.process.poll() is not None:
            code = self.process.returncode
            pytest.fail(f"authsvc ended with exit code {code}:\n{self.stderr()}")


@contextmanager
def started(environ: dict[str, str], log: Path, *args: str) -> Iterator[ServiceProcess]:
    """Start ``authsvc serve`` (or ``args``); kill it on the way out if it still runs."""
    address = environ["AUTHSVC_GRPC_ADDRESS"]
    with log.open("wb") as stderr:
        # The command is this interpreter running authsvc: no untrusted input.
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "authsvc", *(args or ("serve",))],
            env=environ,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        yield ServiceProcess(process, log, address)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=STOP_SECONDS)
