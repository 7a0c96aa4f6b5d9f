"""A fake VK API: ``secure.checkToken`` and ``users.get`` over a table of known tokens."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.http import Answer, LoopbackServer, RecordedRequest, json_answer

FAKE_SERVICE_KEY = "a1b2c3d4e5f6a7b8a1b2c3d4e5f6a7b8a1b2c3d4e5f6a7b8a1b2c3d4e5f6a7b8a1b2c3d4"


@dataclass(frozen=True)
class VkUser:
    """The VK user behind a token; ``for_our_app`` False means another app was given it."""

    user_id: int
    first_name: str
    last_name: str
    deactivated: str | None = None
    for_our_app: bool = True


class FakeVk(LoopbackServer):
    """The VK API at ``base_url``; every error comes with HTTP 200, as VK sends them.

    An unknown token gets error 5 from ``users.get`` and error 15 from
    ``secure.checkToken`` (which VK answers for a bad ``token``); an expired one gets 1117
    and 15. A wrong service key gets error 28.
    """

    def __init__(
        self,
        service_key: str = FAKE_SERVICE_KEY,
        users: Mapping[str, VkUser] | None = None,
    ) -> None:
        super().__init__()
        self.service_key = service_key
        self._users = dict(users or {})
        self._expired: set[str] = set()

    @property
    def base_url(self) -> str:
        """The URL to give a VK client, like ``https://api.vk.com/method``."""
        return f"{self.url}/method"

    def add_user(self, token: str, user: VkUser) -> None:
        """Make ``token`` a working token of ``user``."""
        with self._lock:
            self._users[token] = user

    def expire_token(self, token: str) -> None:
        """Make ``token`` expired: users.get answers 1117, checkToken 15."""
        with self._lock:
            self._expired.add(token)

    def fail_next_with_error(
        self, code: int = 6, message: str = "Too many requests per second", times: int = 1
    ) -> None:
        """Answer the next requests with a VK error (HTTP 200)."""
        self.script(*[_error(code, message, {})] * times)

    def answer(self, request: RecordedRequest) -> Answer:
        """Answer as VK does."""
        params = request.params
        if not params.get("v"):
            return _error(8, "Invalid request: v (version) is required", params)
        if request.path == "/method/secure.checkToken":
            return self._check_token(params)
        if request.path == "/method/users.get":
            return self._get_users(params)
        return _error(3, "Unknown method passed", params)

    def _check_token(self, params: dict[str, Any]) -> Answer:
        if params.get("access_token") != self.service_key:
            return _error(28, "Application authorization failed: invalid service token", params)

        token = params.get("token", "")
        user = self._users.get(token)
        if user is None or not user.for_our_app or token in self._expired:
            return _error(15, "Access denied: Incorrect token invalid_token", params)

        now = int(time.time())
        return json_answer(
            {"response": {"success": 1, "user_id": user.user_id, "date": now, "expire": 0}}
        )

    def _get_users(self, params: dict[str, Any]) -> Answer:
        token = params.get("access_token", "")
        if token in self._expired:
            return _error(1117, "Token expired", params)
        user = self._users.get(token)
        if user is None:
            return _error(5, "User authorization failed: invalid access_token (4).", params)

        page: dict[str, Any] = {
            "id": user.user_id,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }
        if user.deactivated is not None:
            page["deactivated"] = user.deactivated
        else:
            page |= {"can_access_closed": True, "is_closed": False}
        return json_answer({"response": [page]})


def _error(code: int, message: str, params: Mapping[str, Any]) -> Answer:
    # VK echoes the request's parameters except access_token; a client must not log them.
    echoed = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
    return json_answer(
        {"error": {"error_code": code, "error_msg": message, "request_params": echoed}}
    )
