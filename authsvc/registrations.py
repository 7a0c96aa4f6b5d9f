"""Registration flows: a phone sign-up, and a VK entry that confirms a phone.

Both flows end the same way: a flash call places a random code, the person types its
last digits, and the code is checked against the stored keyed hash with a limited
number of tries. Every flow lives in the database, so any server process serves it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from authsvc import messages
from authsvc.clock import Clock, seconds_until, system_clock
from authsvc.codes import (
    CODE_LENGTH,
    code_matches,
    hash_code,
    new_code,
    new_registration_id,
    registration_key,
)
from authsvc.errors import (
    AttemptsExhausted,
    CallFailed,
    CallLimitReached,
    CallTooSoon,
    CodeExpired,
    CodeInvalid,
    FieldMissing,
    PhoneInvalid,
    PhoneNotConfirmed,
    PhoneTaken,
    RegistrationNotFound,
    VkAlreadyLinked,
    VkTokenInvalid,
)
from authsvc.names import clean_name, clean_provider_name
from authsvc.passwords import check_new_password, hash_password
from authsvc.phone import normalize_phone
from authsvc.providers import CallProvider, VkClient
from authsvc.quotas import QuotaRule
from authsvc.repository import CallRecord, PendingRegistration, Repository

PHONE_FLOW = "phone"
VK_FLOW = "vk"


@dataclass(frozen=True)
class FlowPolicy:
    """Lifetimes and limits of registration flows."""

    code_ttl: timedelta = timedelta(minutes=5)
    call_cooldown: timedelta = timedelta(seconds=30)
    flow_ttl: timedelta = timedelta(minutes=30)
    max_attempts: int = 3
    calls_per_phone: int = 10

    @property
    def phone_calls(self) -> QuotaRule:
        return QuotaRule("phone_calls", self.calls_per_phone, timedelta(hours=24))


@dataclass(frozen=True)
class CallPlaced:
    """A flash call was placed for a registration."""

    registration_id: str
    code_length: int
    code_expires_in_seconds: int
    retry_call_in_seconds: int


@dataclass(frozen=True)
class VkEntry:
    """The outcome of a VK entry: a new flow, or the user the VK account is linked to."""

    registration_id: str | None
    linked_user_id: str | None


class RegistrationService:
    """Begins, continues and ends registration flows."""

    def __init__(
        self,
        repository: Repository,
        call_provider: CallProvider,
        vk_client: VkClient,
        policy: FlowPolicy | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._repository = repository
        self._call_provider = call_provider
        self._vk = vk_client
        self._policy = policy or FlowPolicy()
        self._clock = clock

    def begin_registration(
        self, first_name: str, last_name: str, phone: str, password: str, confirmation: str
    ) -> CallPlaced:
        """Start a phone registration and place its call.

        :raises NameInvalid, PasswordsMismatch, PasswordInvalid, PhoneInvalid:
            the input is malformed.
        :raises PhoneTaken: the phone belongs to a user.
        :raises CallLimitReached: the phone has had all the calls a day allows.
        :raises CallFailed: the call provider failed; nothing was stored.
        """
        first_name = clean_name(first_name, "first_name")
        last_name = clean_name(last_name, "last_name")
        check_new_password(password, confirmation)
        canonical = _canonical_phone(phone, messages.PHONE_INVALID)
        if self._repository.find_user_by_phone(canonical) is not None:
            raise PhoneTaken(field="phone")

        password_hash = hash_password(password)
        registration_id = new_registration_id()
        code = new_code()
        self._call(canonical, code)

        now = self._clock()
        pending = PendingRegistration(
            key=registration_key(registration_id),
            kind=PHONE_FLOW,
            first_name=first_name,
            last_name=last_name,
            phone=canonical,
            password_hash=password_hash,
            vk_user_id=None,
            code_hash=hash_code(registration_id, code),
            code_expires_at=now + self._policy.code_ttl,
            attempts_left=self._policy.max_attempts,
            next_call_at=now + self._policy.call_cooldown,
            expires_at=now + self._policy.flow_ttl,
        )
        self._repository.add_registration(pending, created_at=now)
        return self._call_placed(registration_id)

    def enter_with_vk(self, token: str, client_ip: str | None = None) -> VkEntry:
        """Start a VK entry from a VK access token, or find the user it is linked to.

        :raises VkTokenInvalid: VK rejected the token.
        :raises VkUnavailable: VK could not be asked.
        """
        if not token.strip():
            raise VkTokenInvalid(field="token")
        account = self._vk.fetch_account(token, client_ip)
        vk_user_id = str(account.user_id)
        linked = self._repository.find_user_by_vk(vk_user_id)
        if linked is not None:
            return VkEntry(registration_id=None, linked_user_id=linked.id)

        registration_id = new_registration_id()
        now = self._clock()
        pending = PendingRegistration(
            key=registration_key(registration_id),
            kind=VK_FLOW,
            first_name=clean_provider_name(account.first_name),
            last_name=clean_provider_name(account.last_name),
            phone=None,
            password_hash=None,
            vk_user_id=vk_user_id,
            code_hash=None,
            code_expires_at=None,
            attempts_left=0,
            next_call_at=None,
            expires_at=now + self._policy.flow_ttl,
        )
        self._repository.add_registration(pending, created_at=now)
        return VkEntry(registration_id=registration_id, linked_user_id=None)

    def confirm_phone(self, registration_id: str, phone: str) -> CallPlaced:
        """Place the call that confirms the phone of a VK entry.

        :raises PhoneInvalid: the phone is malformed.
        :raises RegistrationNotFound: no pending VK entry has this id.
        :raises VkAlreadyLinked: the phone's user has a VK account linked already.
        :raises CallTooSoon: the previous call was placed too recently.
        :raises CallLimitReached: the phone has had all the calls a day allows.
        :raises CallFailed: the call provider failed; a retry is not blocked.
        """
        canonical = _canonical_phone(phone, messages.PHONE_INVALID_VK)
        pending = self._pending(registration_id)
        if pending.kind != VK_FLOW:
            raise RegistrationNotFound(
                "No pending VK entry has this registration id", field="registration_id"
            )
        owner = self._repository.find_user_by_phone(canonical)
        if owner is not None and owner.has_vk:
            raise VkAlreadyLinked(field="phone")
        return self._place_new_call(registration_id, pending, canonical)

    def repeat_call(self, registration_id: str) -> CallPlaced:
        """Place a new call with a new code for a pending registration.

        :raises RegistrationNotFound: no pending registration has this id.
        :raises PhoneNotConfirmed: the flow has no phone yet (a VK entry).
        :raises CallTooSoon: the previous call was placed too recently.
        :raises CallLimitReached: the phone has had all the calls a day allows.
        :raises CallFailed: the call provider failed; a retry is not blocked.
        """
        pending = self._pending(registration_id)
        if pending.phone is None:
            raise PhoneNotConfirmed(field="registration_id")
        return self._place_new_call(registration_id, pending, pending.phone)

    def end_registration(self, registration_id: str, code: str) -> str:
        """Check the code of a flow and create (or link) its user; return the user id.

        :raises RegistrationNotFound: no pending registration has this id.
        :raises PhoneNotConfirmed: no call was placed for the flow.
        :raises CodeExpired, AttemptsExhausted: the code cannot be used any more.
        :raises CodeInvalid: the code is wrong; one try is used up.
        :raises PhoneTaken, VkAlreadyLinked: a concurrent flow took the phone or VK id.
        """
        pending = self._pending(registration_id)
        wrong_code = CodeInvalid(
            messages.CODE_INVALID_VK if pending.kind == VK_FLOW else messages.CODE_INVALID,
            field="code",
        )
        if pending.code_hash is None or pending.code_expires_at is None:
            raise PhoneNotConfirmed(field="registration_id")
        if pending.code_expires_at <= self._clock():
            raise CodeExpired(field="code")
        if pending.attempts_left <= 0:
            raise AttemptsExhausted(field="code")
        if not (len(code) == CODE_LENGTH and code.isascii() and code.isdigit()):
            raise wrong_code

        if not self._repository.consume_attempt(pending.key, pending.code_hash):
            # A concurrent call used the last try, or ended the flow.
            self._pending(registration_id)
            raise AttemptsExhausted(field="code")
        if not code_matches(registration_id, code, pending.code_hash):
            raise wrong_code

        if pending.kind == VK_FLOW:
            return self._finish_vk_entry(pending)
        return self._repository.complete_phone_registration(pending, self._clock())

    def purge_expired(self) -> int:
        """Delete flows whose lifetime is over; return how many."""
        return self._repository.delete_expired_registrations(self._clock())

    def _pending(self, registration_id: str) -> PendingRegistration:
        if not registration_id:
            raise FieldMissing("registration_id is required", field="registration_id")
        pending = self._repository.find_registration(
            registration_key(registration_id), self._clock()
        )
        if pending is None:
            raise RegistrationNotFound(field="registration_id")
        return pending

    def _place_new_call(
        self, registration_id: str, pending: PendingRegistration, phone: str
    ) -> CallPlaced:
        now = self._clock()
        if not self._repository.claim_call_slot(
            pending.key, now, now + self._policy.call_cooldown
        ):
            # Read again: a concurrent call may have claimed the slot after we looked.
            latest = self._pending(registration_id)
            raise CallTooSoon(seconds_until(latest.next_call_at, now))

        code = new_code()
        try:
            self._call(phone, code)
        except (CallFailed, CallLimitReached):
            self._repository.release_call_slot(pending.key, pending.next_call_at)
            raise

        call = CallRecord(
            phone=phone,
            code_hash=hash_code(registration_id, code),
            code_expires_at=now + self._policy.code_ttl,
            attempts_left=self._policy.max_attempts,
        )
        self._repository.store_call(pending.key, call)
        return self._call_placed(registration_id)

    def _call(self, phone: str, code: str) -> None:
        """Place a call within the phone's quota; a failed call gives its share back.

        :raises CallLimitReached: the phone has had its calls for the window.
        :raises CallFailed: the call provider failed.
        """
        now = self._clock()
        rule = self._policy.phone_calls
        window_ends = self._repository.quotas.claim(rule, phone, now)
        if window_ends is not None:
            raise CallLimitReached(seconds_until(window_ends, now))
        try:
            self._call_provider.place_call(phone, code, uuid.uuid4().hex)
        except CallFailed:
            self._repository.quotas.release(rule, phone)
            raise

    def _finish_vk_entry(self, pending: PendingRegistration) -> str:
        try:
            return self._create_or_link(pending)
        except PhoneTaken:
            # A concurrent flow created the phone's user after we looked: link to it.
            return self._create_or_link(pending)

    def _create_or_link(self, pending: PendingRegistration) -> str:
        assert pending.phone is not None
        now = self._clock()
        owner = self._repository.find_user_by_phone(pending.phone)
        if owner is None:
            return self._repository.complete_phone_registration(pending, now)
        if owner.has_vk:
            raise VkAlreadyLinked(field="registration_id")
        self._repository.complete_vk_link(pending, owner.id, now)
        return owner.id

    def _call_placed(self, registration_id: str) -> CallPlaced:
        return CallPlaced(
            registration_id=registration_id,
            code_length=CODE_LENGTH,
            code_expires_in_seconds=int(self._policy.code_ttl.total_seconds()),
            retry_call_in_seconds=int(self._policy.call_cooldown.total_seconds()),
        )


def _canonical_phone(raw: str, message: str) -> str:
    canonical = normalize_phone(raw)
    if canonical is None:
        raise PhoneInvalid(message, field="phone")
    return canonical
