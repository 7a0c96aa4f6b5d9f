"""The flash-call provider contract the registration flow depends on."""

from __future__ import annotations

from typing import Protocol


class CallProvider(Protocol):
    """Places a flash call: the user reads the code from the last 4 digits of the caller."""

    def place_call(self, phone: str, code: str, unique: str) -> None:
        """Call ``phone`` (E.164) from a number that ends in ``code`` (4 digits).

        ``unique`` is an idempotency key of at most 64 characters: asking again with the
        same key places no second call.

        :raises authsvc.errors.CallFailed: the call could not be placed.
        """
        ...
