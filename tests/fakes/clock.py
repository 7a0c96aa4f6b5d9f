"""A clock that tests move by hand, so expiry is tested without sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Starts at the real current time and moves only when told to."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        """Move forward by a ``timedelta(**delta)``, e.g. ``advance(minutes=5)``."""
        with self._lock:
            self._now += timedelta(**delta)
