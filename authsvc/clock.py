"""Time as the service sees it; tests inject their own clock instead of sleeping."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def seconds_until(moment: datetime | None, now: datetime) -> int:
    """Whole seconds from ``now`` to ``moment``, at least 1 (0 would mean: now)."""
    if moment is None:
        return 1
    return max(1, math.ceil((moment - now).total_seconds()))
