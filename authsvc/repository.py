"""The repository: every read and write of users and registration flows.

Each method is one short transaction. Concurrency is handled by the database, not by
locks held across calls: attempts are consumed and call slots claimed by conditional
UPDATEs, and the unique index on ``users.phone`` decides which of several racing
registrations for one phone creates the user.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from authsvc.errors import PhoneTaken, RegistrationNotFound, VkAlreadyLinked
from authsvc.models import Identity, Registration, User
from authsvc.quotas import QuotaRepository

VK_PROVIDER = "vk"


@dataclass(frozen=True)
class PendingRegistration:
    """A registration flow as the domain sees it."""

    key: str
    kind: str
    first_name: str
    last_name: str
    phone: str | None
    password_hash: str | None
    vk_user_id: str | None
    code_hash: str | None
    code_expires_at: datetime | None
    attempts_left: int
    next_call_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class CallRecord:
    """What a placed call leaves in its registration."""

    phone: str
    code_hash: str
    code_expires_at: datetime
    attempts_left: int


@dataclass(frozen=True)
class UserRecord:
    id: str
    first_name: str
    last_name: str
    phone: str
    has_vk: bool
    created_at: datetime


class Repository:
    """Users and registration flows, stored through SQLAlchemy."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.quotas = QuotaRepository(engine)

    def ping(self) -> None:
        """Run a trivial query; raises the driver's error when the database is down."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def find_user_by_phone(self, phone: str) -> UserRecord | None:
        with self._sessions() as session:
            user = session.scalars(select(User).where(User.phone == phone)).one_or_none()
            return None if user is None else _user_record(session, user)

    def find_user(self, user_id: str) -> UserRecord | None:
        with self._sessions() as session:
            user = session.get(User, user_id)
            return None if user is None else _user_record(session, user)

    def find_credentials(self, phone: str) -> tuple[str, str | None] | None:
        """Return (user id, password hash or None) of the phone's user, if any."""
        query = select(User.id, User.password_hash).where(User.phone == phone)
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
            return None if row is None else (row.id, row.password_hash)

    def replace_password_hash(self, user_id: str, password_hash: str) -> None:
        """Store a rehash of the same password in the current scheme."""
        rehash = update(User).where(User.id == user_id).values(password_hash=password_hash)
        self._changed_one(rehash)

    def find_user_by_vk(self, vk_user_id: str) -> UserRecord | None:
        query = (
            select(User)
            .join(Identity, Identity.user_id == User.id)
            .where(Identity.provider == VK_PROVIDER, Identity.subject == vk_user_id)
        )
        with self._sessions() as session:
            user = session.scalars(query).one_or_none()
            return None if user is None else _user_record(session, user)

    def add_registration(self, pending: PendingRegistration, created_at: datetime) -> None:
        with self._sessions.begin() as session:
            session.add(Registration(**_columns(pending), created_at=created_at))

    def find_registration(self, key: str, now: datetime) -> PendingRegistration | None:
        """Return the registration unless it is missing or its flow has expired."""
        with self._sessions() as session:
            row = session.get(Registration, key)
            if row is None or row.expires_at <= now:
                return None
            return _pending(row)

    def claim_call_slot(self, key: str, now: datetime, next_call_at: datetime) -> bool:
        """Reserve the right to place a call now; False while the cooldown runs."""
        claim = (
            update(Registration)
            .where(Registration.key == key, Registration.expires_at > now)
            .where(or_(Registration.next_call_at.is_(None), Registration.next_call_at <= now))
            .values(next_call_at=next_call_at)
        )
        return self._changed_one(claim)

    def release_call_slot(self, key: str, next_call_at: datetime | None) -> None:
        """Give a claimed slot back after a failed call, so a retry is not blocked."""
        release = (
            update(Registration).where(Registration.key == key).values(next_call_at=next_call_at)
        )
        self._changed_one(release)

    def store_call(self, key: str, call: CallRecord) -> None:
        """Record a placed call: its phone and code, which replace any earlier ones."""
        store = (
            update(Registration)
            .where(Registration.key == key)
            .values(
                phone=call.phone,
                code_hash=call.code_hash,
                code_expires_at=call.code_expires_at,
                attempts_left=call.attempts_left,
            )
        )
        self._changed_one(store)

    def consume_attempt(self, key: str, code_hash: str) -> bool:
        """Use up one try of the current code before it is compared; False when none is left.

        Taking the try first means that concurrent guesses can never exceed the limit.
        """
        consume = (
            update(Registration)
            .where(
                Registration.key == key,
                Registration.code_hash == code_hash,
                Registration.attempts_left > 0,
            )
            .values(attempts_left=Registration.attempts_left - 1)
        )
        return self._changed_one(consume)

    def complete_phone_registration(self, pending: PendingRegistration, now: datetime) -> str:
        """Create the user of a finished registration and end the flow; return the user id.

        :raises PhoneTaken: the phone belongs to a user (also when a racing flow won).
        :raises RegistrationNotFound: the flow was ended by a concurrent call.
        """
        assert pending.phone is not None
        user_id = str(uuid.uuid4())
        user = User(
            id=user_id,
            first_name=pending.first_name,
            last_name=pending.last_name,
            phone=pending.phone,
            password_hash=pending.password_hash,
            created_at=now,
        )
        with self._finishing(pending) as session:
            session.add(user)
            if pending.vk_user_id is not None:
                session.flush()
                session.add(_vk_identity(user_id, pending.vk_user_id, now))
        return user_id

    def complete_vk_link(self, pending: PendingRegistration, user_id: str, now: datetime) -> None:
        """Link the VK account of a finished VK entry to an existing user and end the flow.

        :raises VkAlreadyLinked: the user or the VK account is linked already.
        """
        assert pending.vk_user_id is not None
        with self._finishing(pending) as session:
            session.add(_vk_identity(user_id, pending.vk_user_id, now))

    def delete_expired_registrations(self, now: datetime) -> int:
        """Delete flows whose lifetime is over; return how many."""
        with self._sessions.begin() as session:
            result = session.execute(delete(Registration).where(Registration.expires_at <= now))
            return int(getattr(result, "rowcount", 0))

    def _changed_one(self, statement: object) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(statement)  # type: ignore[call-overload]
            return int(getattr(result, "rowcount", 0)) == 1

    @contextmanager
    def _finishing(self, pending: PendingRegistration) -> Iterator[Session]:
        """Open a transaction that ends a flow; unique violations become domain errors.

        The flow row is deleted only while its code is unchanged, so two concurrent
        finishes of one flow produce one result.
        """
        end_flow = delete(Registration).where(
            Registration.key == pending.key, Registration.code_hash == pending.code_hash
        )
        try:
            with self._sessions.begin() as session:
                if int(getattr(session.execute(end_flow), "rowcount", 0)) != 1:
                    raise RegistrationNotFound(field="registration_id")
                yield session
        except IntegrityError as error:
            raise _conflict(error) from error


def _conflict(error: IntegrityError) -> Exception:
    """Name the domain fact behind a unique violation."""
    if "identities" in str(error.orig):
        return VkAlreadyLinked()
    return PhoneTaken(field="phone")


def _vk_identity(user_id: str, vk_user_id: str, now: datetime) -> Identity:
    return Identity(user_id=user_id, provider=VK_PROVIDER, subject=vk_user_id, created_at=now)


def _user_record(session: Session, user: User) -> UserRecord:
    has_vk = session.scalar(
        select(Identity.id).where(Identity.user_id == user.id, Identity.provider == VK_PROVIDER)
    )
    return UserRecord(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        has_vk=has_vk is not None,
        created_at=user.created_at,
    )


def _columns(pending: PendingRegistration) -> dict[str, object]:
    return {name: getattr(pending, name) for name in PendingRegistration.__dataclass_fields__}


def _pending(row: Registration) -> PendingRegistration:
    return PendingRegistration(
        **{name: getattr(row, name) for name in PendingRegistration.__dataclass_fields__}
    )
