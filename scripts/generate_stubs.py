"""Generate the Python gRPC stubs for the protos into ``generated/``.

Run ``python scripts/generate_stubs.py`` after editing a ``.proto`` file and commit the
result; ``--check`` regenerates into a temporary folder and exits 1 when the committed
stubs differ, which the test suite uses to keep them fresh.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GENERATED = ROOT / "generated"


def generate(out_dir: Path) -> None:
    """Write ``*_pb2.py``, ``*_pb2.pyi`` and ``*_pb2_grpc.py`` for every proto into out_dir."""
    proto_files = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *proto_files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")

    # Every folder that holds generated modules becomes a regular package.
    for folder in {p.parent for p in out_dir.rglob("*_pb2.py")}:
        while folder != out_dir:
            (folder / "__init__.py").touch()
            folder = folder.parent


def differences(expected: Path, actual: Path) -> list[str]:
    """Return the relative paths whose content differs between two generated trees."""
    names = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    names |= {
        p.relative_to(actual)
        for p in actual.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    return sorted(
        str(name)
        for name in names
        if not (expected / name).is_file()
        or not (actual / name).is_file()
        or not filecmp.cmp(expected / name, actual / name, shallow=False)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    options = parser.parse_args()

    if not options.check:
        generate(GENERATED)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        stale = differences(fresh, GENERATED)
    if stale:
        print("generated/ is stale; run scripts/generate_stubs.py:", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
