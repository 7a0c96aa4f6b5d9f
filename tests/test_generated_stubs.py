"""The committed stubs in generated/ are what scripts/generate_stubs.py makes of protos/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the script reads and writes; a copy of these is a complete stand-in for the repo.
SCRIPT_INPUTS = ("protos", "generated", "scripts")
STUB = Path("auth/v1/auth_pb2.pyi")


def check_stubs(root: Path) -> subprocess.CompletedProcess[str]:
    # The command is this interpreter and a script of the repo: no untrusted input.
    return subprocess.run(  # noqa: S603
        [sys.executable, str(root / "scripts" / "generate_stubs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the script, the protos and the stubs, safe to change."""
    for name in SCRIPT_INPUTS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_committed_stubs_match_a_fresh_generation() -> None:
    result = check_stubs(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr


def test_unchanged_copy_of_the_stubs_passes_the_check(repo_copy: Path) -> None:
    result = check_stubs(repo_copy)

    assert (result.returncode, result.stdout) == (0, "")


def test_edited_stub_fails_the_check_and_is_named(repo_copy: Path) -> None:
    stub = repo_copy / "generated" / STUB
    stub.write_text(stub.read_text() + "\n# edited by hand\n")

    result = check_stubs(repo_copy)

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "generated/ is stale; run scripts/generate_stubs.py:",
        f"  {STUB}",
    ]


def test_missing_stub_fails_the_check_and_is_named(repo_copy: Path) -> None:
    (repo_copy / "generated" / "auth" / "v1" / "auth_pb2_grpc.py").unlink()

    result = check_stubs(repo_copy)

    assert result.returncode == 1
    assert "  auth/v1/auth_pb2_grpc.py" in result.stdout.splitlines()


def test_proto_edited_without_regenerating_fails_the_check(repo_copy: Path) -> None:
    proto = repo_copy / "protos" / "auth" / "v1" / "auth.proto"
    proto.write_text(proto.read_text() + "\nmessage AddedByHand {\n  string note = 1;\n}\n")

    result = check_stubs(repo_copy)

    assert result.returncode == 1
    stale = set(result.stdout.splitlines()[1:])
    assert {"  auth/v1/auth_pb2.py", "  auth/v1/auth_pb2.pyi"} <= stale


def test_stale_stubs_leave_the_real_generated_folder_untouched(repo_copy: Path) -> None:
    stub = repo_copy / "generated" / STUB
    stub.write_text("# edited by hand\n")
    before = (ROOT / "generated" / STUB).read_bytes()

    check_stubs(repo_copy)

    # --check only compares: neither the copy nor the real folder is rewritten.
    assert stub.read_text() == "# edited by hand\n"
    assert (ROOT / "generated" / STUB).read_bytes() == before
