"""The README's grpcurl walkthrough, run as written against `authsvc serve` with no setup."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import authsvc_environment, free_port, started
from tests.readme import walkthrough

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def embedded_service(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """`authsvc serve` on its embedded default; yields (address, log file, data dir)."""
    data_dir, log = tmp_path / "data", tmp_path / "authsvc.log"
    with started(authsvc_environment(data_dir, free_port()), log) as service:
        service.wait_until_serving()
        yield service.address, log, data_dir


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
