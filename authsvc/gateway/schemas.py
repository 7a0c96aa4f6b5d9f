"""Request and response bodies of the REST paths, as the seed documents them.

Requests are strict: unknown fields and values of the wrong JSON type are refused (422)
instead of being dropped or converted, so a client's mistake shows at once.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from authsvc import messages

REGISTRATION_ID_EXAMPLE = "q1Yb7oG3x0n4KkR8WcZt2mVd5sLhJp9e"

RegistrationIdField = Field(
    default=None,
    description="The id from the step before; may be left out when the cookie carries it.",
    examples=[REGISTRATION_ID_EXAMPLE],
)
CodeField = Field(description="The last 4 digits of the number that called.", examples=["5724"])
PhoneField = Field(
    description="+7XXXXXXXXXX, 8XXXXXXXXXX or 7XXXXXXXXXX.", examples=["+79001000010"]
)


class RequestBody(BaseModel):
    """A request body: no unknown fields, no type conversion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class BeginRegistrationBody(RequestBody):
    """``POST /beg_registration``: start a phone registration."""

    first_name: str = Field(examples=["Ivan"])
    last_name: str = Field(examples=["Petrov"])
    phone: str = PhoneField
    password: str = Field(description="8 to 128 characters.", examples=["correct horse"])
    confirmations_password: str = Field(
        description="The password again.", examples=["correct horse"]
    )


class EndRegistrationBody(RequestBody):
    """``POST /end_registration``: the code of the call ends a registration."""

    code: str = CodeField
    registration_id: str | None = RegistrationIdField


class EntranceVkBody(RequestBody):
    """``POST /entrancevk``: start a VK entry with the person's VK access token."""

    token: str = Field(description="A VK user access token.", examples=["vk1.a.token"])


class PhoneToConfirm(RequestBody):
    """``POST /confirmation_phone`` with a phone: place the call that confirms it."""

    phone: str = PhoneField
    registration_id: str | None = RegistrationIdField


class CodeOfCall(RequestBody):
    """``POST /confirmation_phone`` with a code (or ``/end_registration_vk``): end a VK entry."""

    code: str = CodeField
    registration_id: str | None = RegistrationIdField


class RepeatCallBody(RequestBody):
    """``POST /repeat_call``: place a new call with a new code."""

    registration_id: str | None = RegistrationIdField


def _confirmation_shape(body: object) -> str | None:
    if isinstance(body, dict):
        return next((key for key in ("phone", "code") if key in body), None)
    if isinstance(body, PhoneToConfirm):
        return "phone"
    return "code" if isinstance(body, CodeOfCall) else None


# Both documented shapes on one path, told apart by which field the body holds.
ConfirmationBody = Annotated[
    Annotated[PhoneToConfirm, Tag("phone")] | Annotated[CodeOfCall, Tag("code")],
    Discriminator(
        _confirmation_shape,
        custom_error_type="body_shape",
        custom_error_message='The body must hold "phone" (to place the call) or "code"',
    ),
]


class FlowStep(BaseModel):
    """A flow started or went on: the message to show and the id for the next step."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": 200,
                    "message": messages.CALL_PLACED,
                    "registration_id": REGISTRATION_ID_EXAMPLE,
                }
            ]
        }
    )

    status: Literal[200] = 200
    message: str
    registration_id: str


class ErrorBody(BaseModel):
    """Every failure: the message to show and a stable machine reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"detail": messages.CODE_INVALID, "reason": "CODE_INVALID"}]
        }
    )

    detail: str
    reason: str


class Health(BaseModel):
    """The answer of ``/healthz`` and ``/readyz``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"
