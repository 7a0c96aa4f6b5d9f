"""Benchmark: does sign-in take the same time for an unknown phone and a wrong password?

Runs SignIn in-process on a throwaway SQLite database and prints the median time of each
outcome. The unknown-phone and wrong-password medians should differ by far less than the
cost of one password hash (about 50 ms with argon2id at 19 MiB), or the answer time would
tell who is registered.

    .venv/bin/python scripts/bench_sign_in.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from authsvc.database import create_database_engine, upgrade
from authsvc.errors import CredentialsInvalid
from authsvc.models import User
from authsvc.passwords import hash_password
from authsvc.repository import Repository
from authsvc.session_repository import ClientInfo, SessionRepository
from authsvc.sessions import SessionPolicy, SessionService
from authsvc.signing_keys import ensure_generated_key, load_signing_keys
from authsvc.tokens import AccessTokens

PHONE = "+79001000010"
PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway benchmark user


def median_ms(attempt: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        with contextlib.suppress(CredentialsInvalid):
            attempt()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def build_service(folder: Path) -> SessionService:
    engine = create_database_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(User).values(
                id=str(uuid.uuid4()),
                first_name="Ivan",
                last_name="Petrov",
                phone=PHONE,
                password_hash=hash_password(PASSWORD),
                created_at=datetime.now(UTC),
            )
        )
    keys = load_signing_keys([ensure_generated_key(folder / "keys")])
    tokens = AccessTokens(keys, issuer="bench", audience="bench", ttl=timedelta(minutes=15))
    # No lock in the way: every round must reach the password check.
    policy = SessionPolicy(sign_in_failures_per_hour=1_000_000)
    return SessionService(Repository(engine), SessionRepository(engine), tokens, policy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds

    with tempfile.TemporaryDirectory() as folder:
        service = build_service(Path(folder))
        client = ClientInfo()
        outcomes = {
            "unknown phone": lambda: service.sign_in("+79001000099", PASSWORD, client),
            "wrong password": lambda: service.sign_in(PHONE, "wrong password", client),
            "success": lambda: service.sign_in(PHONE, PASSWORD, client),
        }
        for name, attempt in outcomes.items():
            print(f"{name:>15}: median {median_ms(attempt, rounds):7.1f} ms over {rounds}")


if __name__ == "__main__":
    main()
