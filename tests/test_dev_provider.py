"""DevCallProvider: the development stand-in that logs the code instead of calling."""

from __future__ import annotations

import logging

import pytest

from authsvc.providers import CallProvider, DevCallProvider


def test_logs_the_code_with_the_phone_masked(caplog: pytest.LogCaptureFixture) -> None:
    provider: CallProvider = DevCallProvider()

    provider.place_call("+79001000010", "0427", "5f0c6a1e9b2d4c7fa3e8b1d6c4a2f907")

    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "authsvc.providers.dev",
            logging.WARNING,
            "DEV CALL PROVIDER: no call placed to +7***10; the code is 0427",
        )
    ]


def test_says_it_must_never_run_in_production() -> None:
    assert "never run in production" in " ".join((DevCallProvider.__doc__ or "").split())
