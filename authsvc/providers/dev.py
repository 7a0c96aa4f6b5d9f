"""A call provider for development: it places no call and logs the code instead."""

from __future__ import annotations

import logging

from authsvc.phone import mask_phone

logger = logging.getLogger(__name__)


class DevCallProvider:
    """Logs the code at WARNING instead of calling, so a newcomer can register without uCaller.

    It must never run in production: anyone who can read the logs can confirm any phone.
    """

    def place_call(self, phone: str, code: str, unique: str) -> None:
        """Log the code with the phone masked; never raises."""
        logger.warning(
            "DEV CALL PROVIDER: no call placed to %s; the code is %s", mask_phone(phone), code
        )
