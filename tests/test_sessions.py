"""Sign-in and sessions: tokens that other services can trust, rotation and reuse."""

from __future__ import annotations

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import bcrypt
import grpc
import jwt
import pytest
from auth.v1 import auth_pb2
from auth.v1.auth_pb2_grpc import AuthServiceStub
from sqlalchemy import insert, select

from authsvc.models import User, UserSession
from authsvc.session_repository import SessionRepository
from tests.fakes.vk import VkUser
from tests.fixtures.service import RunningService
from tests.flows import PASSWORD, PHONE, begin_request
from tests.rpc_failures import failure_of


def register_with_session(
    stub: AuthServiceStub, running_service: RunningService
) -> auth_pb2.EndRegistrationResponse:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)
    return stub.EndRegistration(
        auth_pb2.EndRegistrationRequest(registration_id=begun.registration_id, code=code)
    )


def sign_in(
    stub: AuthServiceStub, phone: str = PHONE, password: str = PASSWORD
) -> auth_pb2.Session:
    response = stub.SignIn(auth_pb2.SignInRequest(phone=phone, password=password))
    assert response.message == "You have successfully signed in"
    return response.session


def refresh(stub: AuthServiceStub, refresh_token: str) -> auth_pb2.Session:
    request = auth_pb2.RefreshSessionRequest(refresh_token=refresh_token)
    return stub.RefreshSession(request).session


def verify(stub: AuthServiceStub, access_token: str) -> auth_pb2.VerifyAccessTokenResponse:
    return stub.VerifyAccessToken(auth_pb2.VerifyAccessTokenRequest(access_token=access_token))


@pytest.fixture
def registered_user(stub: AuthServiceStub, running_service: RunningService) -> str:
    """The id of a user registered by phone with PASSWORD."""
    return str(register_with_session(stub, running_service).user_id)


def test_registration_ends_signed_in_with_a_verifiable_session(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    ended = register_with_session(stub, running_service)

    session = ended.session
    assert session.token_type == "Bearer"
    assert session.access_token_expires_in_seconds == 900
    assert session.refresh_token_expires_in_seconds == 30 * 86400
    verified = verify(stub, session.access_token)
    assert (verified.user_id, verified.session_id) == (ended.user_id, session.session_id)
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["sub"] == ended.user_id
    assert claims["sid"] == session.session_id
    assert claims["iss"] == "authsvc" and claims["aud"] == "authsvc"
    assert claims["exp"] - claims["iat"] == 900
    assert verified.expires_at.ToDatetime(tzinfo=UTC) == datetime.fromtimestamp(claims["exp"], UTC)


@pytest.mark.parametrize("typed", ["+79001000010", "8 (900) 100-00-10"])
def test_sign_in_with_any_phone_form(
    stub: AuthServiceStub, registered_user: str, typed: str
) -> None:
    session = sign_in(stub, phone=typed)

    assert verify(stub, session.access_token).user_id == registered_user


@pytest.mark.parametrize(
    ("phone", "password"),
    [(PHONE, "wrong password"), ("+79001000099", PASSWORD), (PHONE, "")],
)
def test_unknown_phone_and_wrong_password_get_one_answer(
    stub: AuthServiceStub, registered_user: str, phone: str, password: str
) -> None:
    request = auth_pb2.SignInRequest(phone=phone, password=password)

    failure = failure_of(lambda: stub.SignIn(request))

    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert failure.message == "The phone number or the password is not correct"
    assert (failure.reason, failure.fields) == ("CREDENTIALS_INVALID", ())


@pytest.fixture
def vk_user(stub: AuthServiceStub, running_service: RunningService) -> str:
    """The id of a user registered through VK (token "vk-token"), who has no password."""
    running_service.vk.add_user("vk-token", VkUser(77, "Anna", "Smirnova"))
    entry = stub.EntranceVk(auth_pb2.EntranceVkRequest(token="vk-token"))
    stub.ConfirmationPhone(
        auth_pb2.ConfirmationPhoneRequest(registration_id=entry.registration_id, phone=PHONE)
    )
    code = running_service.ucaller.last_code_for(PHONE)
    ended = stub.EndRegistration(
        auth_pb2.EndRegistrationRequest(registration_id=entry.registration_id, code=code)
    )
    return str(ended.user_id)


def test_user_without_password_cannot_sign_in_with_one(
    stub: AuthServiceStub, vk_user: str
) -> None:
    failure = failure_of(lambda: sign_in(stub, password=""))

    assert failure.reason == "CREDENTIALS_INVALID"


def test_linked_vk_account_signs_in_instead_of_registering(
    stub: AuthServiceStub, vk_user: str
) -> None:
    again = stub.EntranceVk(auth_pb2.EntranceVkRequest(token="vk-token"))

    assert again.message == "You have successfully signed in with VK"
    assert again.registration_id == ""
    assert again.user_id == vk_user
    assert verify(stub, again.session.access_token).user_id == vk_user


def test_refresh_rotates_and_reuse_of_a_spent_token_ends_the_session(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    first = sign_in(stub)
    second = refresh(stub, first.refresh_token)
    third = refresh(stub, second.refresh_token)
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert second.session_id == third.session_id == first.session_id
    assert verify(stub, third.access_token).user_id == registered_user
    running_service.clock.advance(seconds=6)

    reused = failure_of(lambda: refresh(stub, first.refresh_token))

    assert reused.code == grpc.StatusCode.UNAUTHENTICATED
    assert reused.reason == "REFRESH_TOKEN_REUSED"
    assert reused.message == "The refresh token was already used; the session has been ended"
    ended = failure_of(lambda: verify(stub, third.access_token))
    assert (ended.code, ended.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "ACCESS_TOKEN_INVALID",
    )
    assert failure_of(lambda: refresh(stub, third.refresh_token)).reason == (
        "REFRESH_TOKEN_INVALID"
    )
    with running_service.engine.connect() as connection:
        reason = connection.scalar(
            select(UserSession.revoke_reason).where(UserSession.id == first.session_id)
        )
    assert reason == "refresh_token_reused"


def test_other_sessions_survive_the_reuse_of_one(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    stolen, other = sign_in(stub), sign_in(stub)
    refresh(stub, stolen.refresh_token)
    running_service.clock.advance(seconds=6)

    failure_of(lambda: refresh(stub, stolen.refresh_token))

    assert verify(stub, other.access_token).user_id == registered_user


def test_concurrent_refreshes_of_one_token_get_the_same_answer(
    stub: AuthServiceStub, registered_user: str
) -> None:
    session = sign_in(stub)

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda _: refresh(stub, session.refresh_token), range(5)))

    assert len({(a.access_token, a.refresh_token) for a in answers}) == 1
    assert verify(stub, answers[0].access_token).user_id == registered_user


def test_retry_inside_the_grace_window_gets_the_same_answer(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    session = sign_in(stub)
    answer = refresh(stub, session.refresh_token)
    running_service.clock.advance(seconds=4)

    retried = refresh(stub, session.refresh_token)

    assert (retried.access_token, retried.refresh_token) == (
        answer.access_token,
        answer.refresh_token,
    )
    assert refresh(stub, answer.refresh_token).session_id == session.session_id


@pytest.mark.parametrize("token", ["", "not-a-refresh-token"])
def test_unknown_refresh_token_is_refused(
    stub: AuthServiceStub, registered_user: str, token: str
) -> None:
    failure = failure_of(lambda: refresh(stub, token))

    expected = "FIELD_MISSING" if not token else "REFRESH_TOKEN_INVALID"
    assert failure.reason == expected


def test_session_ends_at_its_absolute_lifetime(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    session = sign_in(stub)
    latest = session
    for _ in range(3):
        running_service.clock.advance(days=9)
        latest = refresh(stub, latest.refresh_token)
    assert latest.refresh_token_expires_in_seconds == 3 * 86400

    running_service.clock.advance(days=3)

    assert failure_of(lambda: refresh(stub, latest.refresh_token)).reason == (
        "REFRESH_TOKEN_INVALID"
    )


def test_access_token_expires_by_the_clock(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    session = sign_in(stub)
    running_service.clock.advance(minutes=14)
    assert verify(stub, session.access_token).user_id == registered_user

    running_service.clock.advance(minutes=2)

    assert failure_of(lambda: verify(stub, session.access_token)).reason == (
        "ACCESS_TOKEN_INVALID"
    )


def test_sign_out_ends_only_that_session(stub: AuthServiceStub, registered_user: str) -> None:
    leaving, staying = sign_in(stub), sign_in(stub)

    response = stub.SignOut(auth_pb2.SignOutRequest(refresh_token=leaving.refresh_token))

    assert (response.message, response.ended_sessions) == (
        "You have successfully signed out",
        1,
    )
    assert failure_of(lambda: verify(stub, leaving.access_token)).reason == (
        "ACCESS_TOKEN_INVALID"
    )
    assert failure_of(lambda: refresh(stub, leaving.refresh_token)).reason == (
        "REFRESH_TOKEN_INVALID"
    )
    assert verify(stub, staying.access_token).user_id == registered_user


def test_sign_out_everywhere_with_an_access_token(
    stub: AuthServiceStub, registered_user: str
) -> None:
    sessions = [sign_in(stub) for _ in range(3)]

    response = stub.SignOut(
        auth_pb2.SignOutRequest(access_token=sessions[0].access_token, all_sessions=True)
    )

    assert response.ended_sessions == 4  # three sign-ins and the registration's session
    for session in sessions:
        assert failure_of(lambda s=session: verify(stub, s.access_token)).code == (
            grpc.StatusCode.UNAUTHENTICATED
        )


def test_sign_out_needs_a_token(stub: AuthServiceStub, registered_user: str) -> None:
    failure = failure_of(lambda: stub.SignOut(auth_pb2.SignOutRequest()))

    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_MISSING")


def test_profile_of_the_bearer(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    session = sign_in(stub)

    profile = stub.GetProfile(
        auth_pb2.GetProfileRequest(),
        metadata=[("authorization", f"Bearer {session.access_token}")],
    )

    assert (profile.user_id, profile.first_name, profile.last_name, profile.phone) == (
        registered_user,
        "Ivan",
        "Petrov",
        PHONE,
    )
    assert profile.vk_linked is False
    with running_service.engine.connect() as connection:
        created = connection.scalar(select(User.created_at))
    assert profile.registered_at.ToDatetime(tzinfo=UTC) == created


@pytest.mark.parametrize("metadata", [[], [("authorization", "Bearer nonsense")]])
def test_profile_needs_a_valid_bearer_token(
    stub: AuthServiceStub, registered_user: str, metadata: list[tuple[str, str]]
) -> None:
    failure = failure_of(lambda: stub.GetProfile(auth_pb2.GetProfileRequest(), metadata=metadata))

    assert (failure.code, failure.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "ACCESS_TOKEN_INVALID",
    )


def test_jwks_verifies_access_tokens_offline(stub: AuthServiceStub, registered_user: str) -> None:
    session = sign_in(stub)
    keys = stub.GetJwks(auth_pb2.GetJwksRequest()).keys
    jwks = {
        "keys": [
            {
                name: value
                for name, value in [(f.name, getattr(k, f.name)) for f in k.DESCRIPTOR.fields]
                if value
            }
            for k in keys
        ]
    }

    key_set = jwt.PyJWKSet.from_dict(jwks)
    kid = jwt.get_unverified_header(session.access_token)["kid"]
    signing_key = next(k for k in key_set.keys if k.key_id == kid)
    claims = jwt.decode(
        session.access_token,
        signing_key,
        algorithms=[signing_key.algorithm_name],
        audience="authsvc",
        issuer="authsvc",
    )

    assert claims["sub"] == registered_user
    assert all("d" not in key for key in jwks["keys"])


@pytest.fixture
def legacy_user(running_service: RunningService) -> str:
    """The id of a user the old app stored with a bcrypt hash of "old app password"."""
    legacy = bcrypt.hashpw(b"old app password", bcrypt.gensalt(rounds=4)).decode()
    user_id = str(uuid.uuid4())
    with running_service.engine.begin() as connection:
        connection.execute(
            insert(User).values(
                id=user_id,
                first_name="Old",
                last_name="Timer",
                phone=PHONE,
                password_hash=legacy,
                created_at=running_service.clock(),
            )
        )
    return user_id


def test_bcrypt_hash_of_the_old_app_signs_in_and_is_rehashed(
    stub: AuthServiceStub, running_service: RunningService, legacy_user: str
) -> None:
    session = sign_in(stub, password="old app password")

    assert verify(stub, session.access_token).user_id == legacy_user
    with running_service.engine.connect() as connection:
        stored = connection.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert sign_in(stub, password="old app password").session_id != session.session_id


@pytest.mark.parametrize("password", ["x" * 100, "old app\x00password", "y" * 5000])
def test_passwords_bcrypt_cannot_take_get_the_same_answer_as_an_unknown_phone(
    stub: AuthServiceStub, legacy_user: str, password: str
) -> None:
    registered = failure_of(lambda: sign_in(stub, password=password))
    unknown = failure_of(lambda: sign_in(stub, phone="+79001000099", password=password))

    assert registered == unknown
    assert (registered.code, registered.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "CREDENTIALS_INVALID",
    )


def test_twenty_wrong_passwords_pause_sign_in_for_known_and_unknown_phones_alike(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    unknown = "+79001000099"
    for phone in (PHONE, unknown):
        for _ in range(20):
            assert failure_of(lambda p=phone: sign_in(stub, p, "guess")).reason == (
                "CREDENTIALS_INVALID"
            )
    running_service.clock.advance(minutes=10)

    locked = failure_of(lambda: sign_in(stub))
    locked_unknown = failure_of(lambda: sign_in(stub, unknown))

    assert locked == locked_unknown
    assert (locked.code, locked.reason) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "SIGN_IN_LOCKED",
    )
    assert locked.message == "Too many failed sign-ins for this phone number; try again later"
    assert locked.retry_delay_seconds == 50 * 60
    running_service.clock.advance(minutes=50)
    assert verify(stub, sign_in(stub).access_token).user_id == registered_user


def test_a_locked_session_does_not_hold_up_other_people(
    stub: AuthServiceStub, running_service: RunningService, registered_user: str
) -> None:
    busy, other = sign_in(stub), sign_in(stub)
    busy_hash = hashlib.sha256(busy.refresh_token.encode()).hexdigest()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with SessionRepository(running_service.engine).refresh_transaction(
            busy_hash, running_service.clock()
        ):
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(5)
        request = auth_pb2.RefreshSessionRequest(refresh_token=other.refresh_token)
        assert stub.RefreshSession(request, timeout=5).session.session_id == other.session_id
        signed_in = stub.SignIn(auth_pb2.SignInRequest(phone=PHONE, password=PASSWORD), timeout=5)
        assert signed_in.user_id == registered_user
    finally:
        release.set()
        holder.join()
