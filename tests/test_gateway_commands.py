"""The gateway's commands: scripts/start.sh with the README's curl walkthrough, and the CLI."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.vk import FakeVk
from tests.fixtures.service import RunningService
from tests.gateway_support import IVAN_ON_VK, VK_TOKEN, closed_port_address
from tests.readme import walkthrough

ROOT = Path(__file__).resolve().parent.parent
AUTHSVC = Path(sys.executable).parent / "authsvc"
STARTUP_SECONDS = 30
# The fields of the walkthrough's answers that differ on every run.
VARYING = (
    "registration_id",
    "user_id",
    "access_token",
    "refresh_token",
    "session_id",
    "registered_at",
)


def readme_walkthrough() -> str:
    """The README's REST walkthrough: the phone block, its sessions, then the VK block."""
    return walkthrough("rest-phone") + walkthrough("rest-sessions") + walkthrough("rest-vk")


def expected_answers(script: str) -> list[str]:
    """The answers the walkthrough shows, as ``# {...}`` comment lines."""
    return [line.removeprefix("# ") for line in script.splitlines() if line.startswith("# {")]


def without_ids(output: str) -> list[str]:
    """Output lines with each id, token and time shown as "...", as the README shows them."""
    fields = "|".join(VARYING)
    masked = re.sub(rf'"({fields})":"[^"]+"', r'"\1":"..."', output)
    return masked.splitlines()


def base_environment(home: Path) -> dict[str, str]:
    """A clean environment: nobody's AUTHSVC_* settings, and a home of the test's own."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}


@contextmanager
def running(
    command: list[str], env: Mapping[str, str], output: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command``; stop it with SIGTERM at the end if it still runs."""
    with output.open("wb") as sink:
        # The commands are the repository's own, not input.
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_until_ready(url: str, process: subprocess.Popen[bytes], output: Path) -> None:
    """Poll ``/readyz`` until the gateway and the service behind it answer."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"not ready after {STARTUP_SECONDS} s:\n{output.read_text()}")


def stop(process: subprocess.Popen[bytes], signum: signal.Signals) -> int:
    """Send ``signum`` and return the exit status."""
    process.send_signal(signum)
    return process.wait(timeout=30)


def test_readme_walkthrough_registers_through_the_gateway(tmp_path: Path, fake_vk: FakeVk) -> None:
    fake_vk.add_user(VK_TOKEN, IVAN_ON_VK)
    http_address = closed_port_address()
    env = base_environment(tmp_path) | {
        "AUTHSVC_GRPC_ADDRESS": closed_port_address(),
        "AUTHSVC_HTTP_ADDRESS": http_address,
        # The embedded default asks the real VK; the suite's fake stands in for it.
        "AUTHSVC_VK_API_URL": fake_vk.base_url,
        "AUTHSVC_VK_SERVICE_KEY": fake_vk.service_key,
    }
    script = readme_walkthrough()
    output = tmp_path / "start.out"

    start = [str(ROOT / "scripts" / "start.sh"), "--no-install"]
    with running(start, env, output) as service:
        wait_until_ready(f"http://{http_address}", service, output)
        walkthrough = subprocess.run(  # noqa: S603
            ["bash", "-eu", "-o", "pipefail", "-c", script],  # noqa: S607
            env=env | {"VK_TOKEN": VK_TOKEN},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        status = stop(service, signal.SIGTERM)

    assert walkthrough.returncode == 0, walkthrough.stderr
    assert without_ids(walkthrough.stdout) == expected_answers(script)
    assert status == 0, output.read_text()
    log = (tmp_path / ".local/share/authsvc/authsvc.log").read_text()
    assert "REST gateway stopped" in log
    assert "authsvc stopped" in log


def test_gateway_command_serves_in_front_of_a_running_service(
    tmp_path: Path, running_service: RunningService
) -> None:
    http_address = closed_port_address()
    env = base_environment(tmp_path) | {
        "AUTHSVC_HTTP_ADDRESS": http_address,
        "AUTHSVC_GATEWAY_UPSTREAM": running_service.address,
    }
    output = tmp_path / "gateway.out"

    with running([str(AUTHSVC), "gateway"], env, output) as gateway:
        wait_until_ready(f"http://{http_address}", gateway, output)
        answer = httpx.post(f"http://{http_address}/user/entrancevk", json={"token": "x"})
        status = stop(gateway, signal.SIGINT)

    assert answer.json() == {"detail": "VK token is not valid", "reason": "VK_TOKEN_INVALID"}
    assert status == 0
    assert "REST gateway stopped" in output.read_text()


def test_serve_stops_when_the_gateway_cannot_listen(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        host, port = taken.getsockname()
        env = base_environment(tmp_path) | {
            "AUTHSVC_DATA_DIR": str(tmp_path / "data"),
            "AUTHSVC_GRPC_ADDRESS": closed_port_address(),
            "AUTHSVC_HTTP_ADDRESS": f"{host}:{port}",
        }
        result = subprocess.run(  # noqa: S603
            [str(AUTHSVC), "serve", "--gateway"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 4
    assert f"the REST gateway could not start on {host}:{port}" in result.stderr
    assert "authsvc stopped" in result.stderr


@pytest.mark.parametrize("command", [["gateway"], ["serve", "--gateway"]])
def test_missing_gateway_extra_names_it(tmp_path: Path, command: list[str]) -> None:
    # As if uvicorn were not installed: importing it fails, as it would without the extra.
    program = (
        "import sys; sys.modules['uvicorn'] = None; "
        f"from authsvc.cli import main; sys.exit(main({command!r}))"
    )
    env = base_environment(tmp_path) | {"AUTHSVC_DATA_DIR": str(tmp_path / "data")}

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=False
    )

    assert result.returncode == 2
    assert result.stderr == (
        "authsvc: configuration error: the REST gateway needs FastAPI and uvicorn: "
        "pip install 'authsvc[gateway]'\n"
    )
    assert not (tmp_path / "data").exists()
