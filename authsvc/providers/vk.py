"""VK API client: proves a user's VK token and reads the account behind it.

Errors come with HTTP 200 as ``{"error": {"error_code": N, ...}}``. They are mapped so:

* the user's token is bad (``VkTokenInvalid``): 5, 18 and 1117 from ``users.get``; 15, 18
  and 1117 from ``secure.checkToken``, and any answer there without ``success == 1`` and a
  user id. A page that is deleted or banned is refused the same way.
* our service key is rejected (``VkUnavailable``, logged at ERROR as a configuration
  problem): 5, 8 and 28 from ``secure.checkToken``, where ``access_token`` is our key.
* anything else (``VkUnavailable``): rate limits (6, 9, 29), VK's own failures (1, 10),
  unknown codes, network errors, timeouts, HTTP errors and answers of an unexpected shape.
  An unknown code is taken as VK's problem rather than the user's: telling a user to sign
  in to VK again cannot fix it, and the WARNING line names the code so it can be mapped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

import requests

from authsvc.errors import VkTokenInvalid, VkUnavailable

logger = logging.getLogger(__name__)

_USERS_GET_TOKEN_CODES = frozenset({5, 18, 1117})
_CHECK_TOKEN_TOKEN_CODES = frozenset({15, 18, 1117})
_CHECK_TOKEN_SERVICE_KEY_CODES = frozenset({5, 8, 28})
_SECRET_PARAMS = ("access_token", "token")


@dataclass(frozen=True)
class VkAccount:
    """The VK account a token belongs to."""

    user_id: int
    first_name: str
    last_name: str


class VkClient:
    """Asks VK whom a user's token belongs to.

    With ``service_key`` (our VK app's service key) the token is first checked with
    ``secure.checkToken``, which proves it was issued to our app; without it only
    ``users.get`` is asked, which any working VK token passes. ``timeout`` bounds the
    connection and each read. Call ``close()`` to close a session the client created.
    """

    def __init__(
        self,
        base_url: str = "https://api.vk.com/method",
        service_key: str | None = None,
        api_version: str = "5.199",
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._service_key = service_key
        self._api_version = api_version
        self._timeout = timeout
        self._owns_session = session is None
        self._session = session or requests.Session()

    def fetch_account(self, token: str, client_ip: str | None = None) -> VkAccount:
        """Return the account behind the user's token; ``client_ip`` is checked when given.

        :raises VkTokenInvalid: the token is empty, invalid, expired, issued to another
            app, or belongs to a deleted or banned page.
        :raises VkUnavailable: VK could not be asked, failed, or rejected our service key.
        """
        if not token:
            raise VkTokenInvalid()

        checked_user_id = None
        if self._service_key:
            checked_user_id = self._check_token(token, self._service_key, client_ip)

        account = self._get_user(token)
        if checked_user_id is not None and account.user_id != checked_user_id:
            logger.warning(
                "VK checked the token for user %s but users.get answered for user %s",
                checked_user_id,
                account.user_id,
            )
            raise VkTokenInvalid()
        return account

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def _check_token(self, token: str, service_key: str, client_ip: str | None) -> int:
        params = {"access_token": service_key, "token": token, "v": self._api_version}
        if client_ip:
            params["ip"] = client_ip
        response = self._call(
            "secure.checkToken",
            params,
            token_codes=_CHECK_TOKEN_TOKEN_CODES,
            service_key_codes=_CHECK_TOKEN_SERVICE_KEY_CODES,
        )

        if not isinstance(response, dict):
            raise _unexpected_shape("secure.checkToken")
        user_id = response.get("user_id")
        if response.get("success") != 1 or not _is_int(user_id):
            logger.info("VK secure.checkToken did not confirm the token")
            raise VkTokenInvalid()
        return user_id

    def _get_user(self, token: str) -> VkAccount:
        params = {"access_token": token, "v": self._api_version}
        response = self._call("users.get", params, token_codes=_USERS_GET_TOKEN_CODES)

        user = response[0] if isinstance(response, list) and response else None
        if not isinstance(user, dict):
            raise _unexpected_shape("users.get")
        if user.get("deactivated"):
            logger.info("VK user %s is deactivated: %.50s", user.get("id"), user["deactivated"])
            raise VkTokenInvalid()

        user_id = user.get("id")
        first_name = user.get("first_name")
        last_name = user.get("last_name")
        if not (_is_int(user_id) and isinstance(first_name, str) and isinstance(last_name, str)):
            raise _unexpected_shape("users.get")
        return VkAccount(user_id=user_id, first_name=first_name, last_name=last_name)

    def _call(
        self,
        method: str,
        params: dict[str, str],
        token_codes: frozenset[int],
        service_key_codes: frozenset[int] = frozenset(),
    ) -> object:
        body = self._post(method, params)

        error = body.get("error")
        if error is not None:
            secrets = [params[name] for name in _SECRET_PARAMS if params.get(name)]
            raise _error_for(method, error, secrets, token_codes, service_key_codes)

        if "response" not in body:
            raise _unexpected_shape(method)
        return body["response"]

    def _post(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        # Tokens travel in the form body, never in the URL, so no exception text or access
        # log can show them.
        try:
            response = self._session.post(
                f"{self._base_url}/{method}", data=params, timeout=self._timeout
            )
        except requests.RequestException as exc:
            logger.warning("VK %s could not be asked: %s", method, type(exc).__name__)
            raise VkUnavailable() from exc

        if response.status_code != 200:
            logger.warning("VK %s answered HTTP %s", method, response.status_code)
            raise VkUnavailable()

        try:
            body = response.json()
        except requests.JSONDecodeError as exc:
            logger.warning("VK %s answered malformed JSON", method)
            raise VkUnavailable() from exc

        if not isinstance(body, dict):
            raise _unexpected_shape(method)
        return body


def _error_for(
    method: str,
    error: object,
    secrets: Iterable[str],
    token_codes: frozenset[int],
    service_key_codes: frozenset[int],
) -> VkTokenInvalid | VkUnavailable:
    details = error if isinstance(error, dict) else {}
    raw_code = details.get("error_code")
    code = raw_code if _is_int(raw_code) else None
    text = _redact(str(details.get("error_msg", "")), secrets)

    if code in service_key_codes:
        logger.error(
            "VK %s rejected our service key (error %s: %.200s): check the VK app configuration",
            method,
            code,
            text,
        )
        return VkUnavailable()
    if code in token_codes:
        logger.info("VK %s rejected the user's token (error %s: %.200s)", method, code, text)
        return VkTokenInvalid()
    logger.warning("VK %s failed (error %s: %.200s)", method, code, text)
    return VkUnavailable()


def _unexpected_shape(method: str) -> VkUnavailable:
    logger.warning("VK %s answered JSON of an unexpected shape", method)
    return VkUnavailable()


def _redact(text: str, secrets: Iterable[str]) -> str:
    # VK's messages are not known to quote tokens, but a log line must never depend on that.
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
