"""A fake uCaller: answers ``initCall`` as uCaller does and remembers the codes it "called"."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.http import Answer, LoopbackServer, RecordedRequest, json_answer

FAKE_SERVICE_ID = "104321"
FAKE_KEY = "3f9c2b7e5a1d4c8e9b0a6f2d7c1e5b4a"

_PHONE_DIGITS = re.compile(r"[0-9]{11,15}")
_CODE = re.compile(r"[0-9]{4}")
_MAX_LABEL_LENGTH = 64
_FIRST_UCALLER_ID = 103000


@dataclass(frozen=True)
class PlacedCall:
    """A call the fake placed: ``phone`` as uCaller received it (digits, no "+")."""

    phone: str
    code: str
    unique: str | None
    ucaller_id: int


class FakeUcaller(LoopbackServer):
    """uCaller's ``initCall`` at ``base_url``; credentials come from the constructor.

    Credentials are read from the query, the JSON body or ``Authorization: Bearer
    <key>.<service_id>``, as uCaller allows. A repeated ``unique`` places no new call.
    """

    def __init__(self, service_id: str = FAKE_SERVICE_ID, key: str = FAKE_KEY) -> None:
        super().__init__()
        self.service_id = service_id
        self.key = key
        self._calls: list[PlacedCall] = []
        self._by_unique: dict[str, PlacedCall] = {}

    @property
    def base_url(self) -> str:
        """The URL to give a uCaller client, like ``https://api.ucaller.ru/v1.0``."""
        return f"{self.url}/v1.0"

    @property
    def calls(self) -> list[PlacedCall]:
        """Every call placed so far, oldest first; repeated requests add none."""
        with self._lock:
            return list(self._calls)

    def last_code_for(self, phone: str) -> str:
        """The code of the last call to ``phone`` (E.164 or digits); LookupError if none."""
        digits = phone.removeprefix("+")
        for call in reversed(self.calls):
            if call.phone == digits:
                return call.code
        raise LookupError(f"no call was placed to {phone}")

    def fail_next_with_error(
        self, code: int | str = 1002, text: str = "Balance too low", times: int = 1
    ) -> None:
        """Refuse the next calls with uCaller's error body (HTTP 200)."""
        self.script(*[_refusal(code, text)] * times)

    def refuse_next_without_error(self, times: int = 1) -> None:
        """Answer the next calls with ``{"status": false}`` and no error, as once reported."""
        self.script(*[json_answer({"status": False})] * times)

    def answer(self, request: RecordedRequest) -> Answer:
        """Answer ``initCall`` as uCaller does."""
        if request.path != "/v1.0/initCall":
            return _refusal(405, "Method not allowed")

        params = request.params
        if not self._authorized(params, request.headers.get("authorization", "")):
            return _refusal(401, "Invalid service_id or key")

        unique = params.get("unique")
        if unique is not None and unique in self._by_unique:
            return _success(self._by_unique[unique], params.get("client"), exists=True)

        refusal = _invalid_parameter(params)
        if refusal is not None:
            return refusal
        return _success(self._place(params), params.get("client"), exists=False)

    def _authorized(self, params: dict[str, Any], authorization: str) -> bool:
        if authorization.startswith("Bearer "):
            key, _, service_id = authorization.removeprefix("Bearer ").partition(".")
            return service_id == self.service_id and key == self.key
        return str(params.get("service_id")) == self.service_id and params.get("key") == self.key

    def _place(self, params: dict[str, Any]) -> PlacedCall:
        # uCaller picks a code when none is given and returns it.
        code = params.get("code") or f"{secrets.randbelow(10_000):04d}"
        call = PlacedCall(
            phone=str(params["phone"]),
            code=str(code),
            unique=params.get("unique"),
            ucaller_id=_FIRST_UCALLER_ID + len(self._calls),
        )
        self._calls.append(call)
        if call.unique is not None:
            self._by_unique[call.unique] = call
        return call


def _invalid_parameter(params: dict[str, Any]) -> Answer | None:
    if not _PHONE_DIGITS.fullmatch(str(params.get("phone", ""))):
        return _refusal(3, "Invalid phone number")
    # A code sent as a JSON number would have lost its leading zeros: refuse it.
    if "code" in params and not (
        isinstance(params["code"], str) and _CODE.fullmatch(params["code"])
    ):
        return _refusal(2, "Invalid parameter: code")
    for label in ("unique", "client"):
        value = params.get(label)
        if value is not None and not (isinstance(value, str) and len(value) <= _MAX_LABEL_LENGTH):
            return _refusal(2, f"Invalid parameter: {label}")
    return None


def _success(call: PlacedCall, client: object, *, exists: bool) -> Answer:
    payload: dict[str, Any] = {
        "status": True,
        "ucaller_id": call.ucaller_id,
        "phone": f"{call.phone[:4]}***{call.phone[-4:]}",
        "code": call.code,
        "client": client,
    }
    if call.unique is not None:
        payload |= {"unique_request_id": call.unique, "exists": exists}
    return json_answer(payload)


def _refusal(code: int | str, text: str) -> Answer:
    return json_answer({"status": False, "error": text, "code": code})
