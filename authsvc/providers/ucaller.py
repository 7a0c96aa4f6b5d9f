"""uCaller flash calls over its HTTP API (https://api.ucaller.ru/v1.0)."""

from __future__ import annotations

import logging
from typing import Any

import requests

from authsvc.errors import CallFailed
from authsvc.phone import mask_phone

logger = logging.getLogger(__name__)


class UcallerProvider:
    """Places flash calls with uCaller's ``initCall``.

    ``timeout`` bounds the connection and each read. The provider owns the session it
    creates; call ``close()`` when done with it.
    """

    def __init__(
        self,
        base_url: str,
        service_id: str,
        key: str,
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/initCall"
        self._service_id = service_id
        self._key = key
        self._timeout = timeout
        self._owns_session = session is None
        self._session = session or requests.Session()

    def place_call(self, phone: str, code: str, unique: str) -> None:
        """Ask uCaller to call ``phone`` from a number that ends in ``code``.

        :raises CallFailed: uCaller could not be reached, failed, or did not confirm the call.
        """
        masked = mask_phone(phone)
        payload = {
            "service_id": self._service_id,
            "key": self._key,
            "phone": phone.removeprefix("+"),
            "code": code,
            "unique": unique,
        }
        answer = self._read(self._send(payload, masked), masked)

        # uCaller has been seen failing without an error field, so only "status": true counts.
        if answer.get("status") is not True or answer.get("error") is not None:
            logger.warning(
                "uCaller did not call %s: error code %s: %.200s",
                masked,
                answer.get("code"),
                answer.get("error"),
            )
            raise CallFailed()

        logger.info(
            "uCaller is calling %s (ucaller_id %s, repeated request: %s)",
            masked,
            answer.get("ucaller_id"),
            answer.get("exists", False),
        )

    def close(self) -> None:
        """Close the HTTP session if this provider created it."""
        if self._owns_session:
            self._session.close()

    def _send(self, payload: dict[str, str], masked: str) -> requests.Response:
        # The credentials and the code travel in the JSON body, never in the URL, so no
        # exception text or access log can show them.
        try:
            return self._session.post(self._url, json=payload, timeout=self._timeout)
        except requests.RequestException as exc:
            logger.warning("uCaller could not be asked to call %s: %s", masked, type(exc).__name__)
            raise CallFailed() from exc

    def _read(self, response: requests.Response, masked: str) -> dict[str, Any]:
        if not response.ok:
            logger.warning(
                "uCaller answered HTTP %s for a call to %s", response.status_code, masked
            )
            raise CallFailed()

        try:
            answer = response.json()
        except requests.JSONDecodeError as exc:
            logger.warning("uCaller answered malformed JSON for a call to %s", masked)
            raise CallFailed() from exc

        if not isinstance(answer, dict):
            logger.warning(
                "uCaller answered a JSON %s for a call to %s", type(answer).__name__, masked
            )
            raise CallFailed()
        return answer
