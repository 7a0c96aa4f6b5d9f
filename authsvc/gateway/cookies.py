"""The ``registration_id`` cookie, which lets the app send only the documented fields.

The seed's ``/end_registration`` and ``/confirmation_phone`` bodies carry no registration
id, so the gateway hands the id out as a cookie too and takes it from either place.
"""

from __future__ import annotations

from fastapi import Response

from authsvc.gateway.errors import FIELD_MISSING, REGISTRATION_ID_MISSING_MESSAGE, GatewayError

REGISTRATION_COOKIE = "registration_id"


def remember_registration(
    response: Response, registration_id: str, max_age: int | None, *, secure: bool
) -> None:
    """Set the cookie; without ``max_age`` it lasts for the browser session."""
    # HttpOnly and SameSite=Strict: page scripts cannot read the id, other sites cannot send it.
    response.set_cookie(
        REGISTRATION_COOKIE,
        registration_id,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def forget_registration(response: Response, *, secure: bool) -> None:
    """Delete the cookie: the flow has ended."""
    response.delete_cookie(
        REGISTRATION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict"
    )


def pick_registration_id(from_body: str | None, from_cookie: str | None) -> str:
    """The id from the body, else from the cookie.

    :raises GatewayError: 400 when neither holds one.
    """
    registration_id = from_body or from_cookie
    if not registration_id:
        raise GatewayError(400, REGISTRATION_ID_MISSING_MESSAGE, FIELD_MISSING)
    return registration_id
