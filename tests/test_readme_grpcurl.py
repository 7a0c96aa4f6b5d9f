"""The README's grpcurl walkthrough, run as written against `authsvc serve` with no setup."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.readme import walkthrough

VENV_BIN = Path(sys.executable).parent


def free_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def wait_until_serving(address: str, deadline_seconds: float = 30) -> None:
    deadline = time.monotonic() + deadline_seconds
    request = health_pb2.HealthCheckRequest(service="auth.v1.AuthService")
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                if (
                    health.Check(request, timeout=1).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"authsvc at {address} never became SERVING")


@pytest.fixture
def embedded_service(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """`authsvc serve` on its embedded default; yields (address, log file, data dir)."""
    address, data_dir, log = free_address(), tmp_path / "data", tmp_path / "authsvc.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AUTHSVC_")}
    environ |= {"AUTHSVC_GRPC_ADDRESS": address, "AUTHSVC_DATA_DIR": str(data_dir)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "authsvc", "serve"],
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(address)
        yield address, log, data_dir
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.skipif(shutil.which("grpcurl", path=str(VENV_BIN)) is None, reason="no grpcurl")
def test_grpcurl_walkthrough_registers_signs_in_refreshes_and_signs_out(
    embedded_service: tuple[str, Path, Path], tmp_path: Path
) -> None:
    address, log, data_dir = embedded_service
    environ = dict(os.environ, AUTHSVC_GRPC_ADDRESS=address, LOG=str(log))
    environ["PATH"] = f"{VENV_BIN}{os.pathsep}{environ['PATH']}"

    # The script is the README's own walkthrough, run by the shell on PATH.
    result = subprocess.run(  # noqa: S603
        ["bash", "-euo", "pipefail", "-c", walkthrough("grpcurl")],  # noqa: S607
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "auth.v1.AuthService\ngrpc.health.v1.Health\n" in result.stdout
    assert "You have successfully registered\n" in result.stdout
    assert '"message": "You have successfully signed out"' in result.stdout
    assert '"ended_sessions": 1' in result.stdout
    assert '"first_name": "Ivan"' in result.stdout
    with sqlite3.connect(data_dir / "authsvc.sqlite3") as database:
        users = database.execute("SELECT phone, first_name FROM users").fetchall()
        sessions = database.execute("SELECT revoke_reason FROM sessions").fetchall()
    assert users == [("+79001000010", "Ivan")]
    assert set(sessions) == {(None,), ("signed_out",)}
