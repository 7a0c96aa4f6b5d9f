"""Steps of the registration flows, written once for the tests that drive them."""

from __future__ import annotations

from typing import Any

from auth.v1 import auth_pb2, auth_pb2_grpc
from sqlalchemy import Engine, func, select

from authsvc.models import Identity, Registration, User
from authsvc.phone import normalize_phone

PHONE = "+79001000010"
PASSWORD = "correct horse battery"


def begin_request(**overrides: Any) -> auth_pb2.BeginRegistrationRequest:
    fields: dict[str, Any] = {
        "first_name": "Ivan",
        "last_name": "Petrov",
        "phone": PHONE,
        "password": PASSWORD,
        "confirmations_password": PASSWORD,
    }
    fields.update(overrides)
    return auth_pb2.BeginRegistrationRequest(**fields)


def register(stub: auth_pb2_grpc.AuthServiceStub, codes: Any, **overrides: Any) -> str:
    """Run a whole phone registration; return the user id. ``codes`` is the fake uCaller."""
    request = begin_request(**overrides)
    begun = stub.BeginRegistration(request)
    code = codes.last_code_for(normalize_phone(request.phone))
    ended = stub.EndRegistration(
        auth_pb2.EndRegistrationRequest(registration_id=begun.registration_id, code=code)
    )
    return str(ended.user_id)


def wrong_code(code: str) -> str:
    """A code of the same length that differs from ``code``."""
    return f"{(int(code) + 1) % 10000:04d}"


def row_counts(engine: Engine) -> dict[str, int]:
    """How many users, identities and registrations the database holds."""
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Identity, Registration)
        }
