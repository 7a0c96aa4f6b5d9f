"""The phone registration flow over gRPC, on PostgreSQL, with the seed's messages."""

from __future__ import annotations

import grpc
import pytest
from auth.v1 import auth_pb2
from auth.v1.auth_pb2_grpc import AuthServiceStub
from sqlalchemy import select

from authsvc.models import Registration, User
from authsvc.passwords import verify_password
from tests.fixtures.service import RunningService
from tests.flows import PASSWORD, PHONE, begin_request, register, row_counts, wrong_code
from tests.rpc_failures import failure_of

CALL_PLACED = "You will receive a call to your phone number, enter the last 4 digits"


def end(
    stub: AuthServiceStub, registration_id: str, code: str
) -> auth_pb2.EndRegistrationResponse:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    return stub.EndRegistration(request)


def test_registration_creates_one_user_with_canonical_phone_and_argon2_hash(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request(phone="8 (900) 100-00-10"))

    assert begun.message == CALL_PLACED
    assert begun.call.code_length == 4
    assert begun.call.code_expires_in_seconds == 300
    assert begun.call.retry_call_in_seconds == 30
    assert len(begun.registration_id) >= 32
    call = running_service.ucaller.calls[-1]
    assert call.phone == "79001000010"
    assert len(call.code) == 4 and call.code.isdigit()

    ended = end(stub, begun.registration_id, call.code)

    assert ended.message == "You have successfully registered"
    with running_service.engine.connect() as connection:
        user = connection.execute(select(User)).one()
    assert user.id == ended.user_id
    assert (user.first_name, user.last_name, user.phone) == ("Ivan", "Petrov", PHONE)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(PASSWORD, user.password_hash) == (True, None)
    assert row_counts(running_service.engine) == {
        "users": 1,
        "identities": 0,
        "registrations": 0,
    }


def test_pending_registration_stores_neither_code_nor_id_nor_password(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)

    with running_service.engine.connect() as connection:
        row = connection.execute(select(Registration)).one()
    stored = " ".join(str(value) for value in row)
    assert begun.registration_id not in stored
    assert PASSWORD not in stored
    assert row.code_hash is not None and code not in row.code_hash
    assert row.password_hash.startswith("$argon2id$")


def test_names_are_trimmed(stub: AuthServiceStub, running_service: RunningService) -> None:
    register(stub, running_service.ucaller, first_name="  Ivan ", last_name="\tPetrov  ")

    with running_service.engine.connect() as connection:
        user = connection.execute(select(User)).one()
    assert (user.first_name, user.last_name) == ("Ivan", "Petrov")


@pytest.mark.parametrize("typed", ["+79001000010", "89001000010", "7 900 100-00-10"])
def test_registered_phone_is_taken_whatever_form_is_typed(
    stub: AuthServiceStub, running_service: RunningService, typed: str
) -> None:
    register(stub, running_service.ucaller)

    failure = failure_of(lambda: stub.BeginRegistration(begin_request(phone=typed)))

    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    assert failure.message == "The user is in the database"
    assert failure.reason == "PHONE_TAKEN"
    assert row_counts(running_service.engine)["registrations"] == 0


@pytest.mark.parametrize(
    ("overrides", "message", "reason", "field"),
    [
        (
            {"confirmations_password": "another password"},
            "Passwords don't match",
            "PASSWORDS_MISMATCH",
            "confirmations_password",
        ),
        (
            {"phone": "+7 900 100 00"},
            "The number does not meet the standard",
            "PHONE_INVALID",
            "phone",
        ),
        ({"phone": ""}, "The number does not meet the standard", "PHONE_INVALID", "phone"),
        (
            {"password": "short", "confirmations_password": "short"},
            "The password must be 8 to 128 characters long",
            "PASSWORD_INVALID",
            "password",
        ),
        (
            {"password": "x" * 129, "confirmations_password": "x" * 129},
            "The password must be 8 to 128 characters long",
            "PASSWORD_INVALID",
            "password",
        ),
        (
            {"first_name": "   "},
            "Names must be 1 to 100 characters long after trimming and hold no control characters",
            "NAME_INVALID",
            "first_name",
        ),
        (
            {"last_name": "P" * 101},
            "Names must be 1 to 100 characters long after trimming and hold no control characters",
            "NAME_INVALID",
            "last_name",
        ),
        (
            {"last_name": "Pet\x00rov"},
            "Names must be 1 to 100 characters long after trimming and hold no control characters",
            "NAME_INVALID",
            "last_name",
        ),
    ],
)
def test_rejected_input_names_the_field_and_writes_nothing(
    stub: AuthServiceStub,
    running_service: RunningService,
    overrides: dict[str, str],
    message: str,
    reason: str,
    field: str,
) -> None:
    failure = failure_of(lambda: stub.BeginRegistration(begin_request(**overrides)))

    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert (failure.message, failure.reason, failure.fields) == (message, reason, (field,))
    assert running_service.ucaller.calls == []
    assert row_counts(running_service.engine) == {
        "users": 0,
        "identities": 0,
        "registrations": 0,
    }


def test_long_password_is_used_whole_not_truncated(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    password = "p" * 100 + "-tail"
    register(stub, running_service.ucaller, password=password, confirmations_password=password)

    with running_service.engine.connect() as connection:
        stored = connection.execute(select(User.password_hash)).scalar_one()
    assert verify_password(password, stored)[0] is True
    assert verify_password("p" * 100, stored)[0] is False


def test_failed_call_answers_the_seed_message_and_leaves_nothing_behind(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    running_service.ucaller.fail_next_with_status(500)

    failure = failure_of(lambda: stub.BeginRegistration(begin_request()))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.message == "Error working with the number confirmation service"
    assert failure.reason == "CALL_FAILED"
    assert row_counts(running_service.engine)["registrations"] == 0
    assert register(stub, running_service.ucaller)


def test_wrong_code_keeps_registration_pending(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)

    failure = failure_of(lambda: end(stub, begun.registration_id, wrong_code(code)))

    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.message == "The verification code is not correct"
    assert (failure.reason, failure.fields) == ("CODE_INVALID", ("code",))
    assert end(stub, begun.registration_id, code).message == "You have successfully registered"


@pytest.mark.parametrize("malformed", ["", "12", "12345", "abcd", "١٢٣٤"])
def test_malformed_code_is_a_wrong_code(
    stub: AuthServiceStub, running_service: RunningService, malformed: str
) -> None:
    begun = stub.BeginRegistration(begin_request())

    failure = failure_of(lambda: end(stub, begun.registration_id, malformed))

    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "CODE_INVALID")
    assert failure.message == "The verification code is not correct"


def test_three_wrong_codes_kill_the_code(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)
    for _ in range(3):
        failure = failure_of(lambda: end(stub, begun.registration_id, wrong_code(code)))
        assert failure.reason == "CODE_INVALID"

    failure = failure_of(lambda: end(stub, begun.registration_id, code))

    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "ATTEMPTS_EXHAUSTED"
    assert failure.message == "Too many wrong codes; ask for a new call"
    assert row_counts(running_service.engine)["users"] == 0


def test_expired_code_is_refused_and_a_new_call_revives_the_flow(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    old_code = running_service.ucaller.last_code_for(PHONE)
    running_service.clock.advance(seconds=300)

    failure = failure_of(lambda: end(stub, begun.registration_id, old_code))
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "CODE_EXPIRED"
    assert failure.message == "The code has expired; ask for a new call"

    again = stub.RepeatCall(auth_pb2.RepeatCallRequest(registration_id=begun.registration_id))
    assert again.message == CALL_PLACED
    new_code = running_service.ucaller.last_code_for(PHONE)
    assert len(running_service.ucaller.calls) == 2
    if new_code != old_code:
        stale = failure_of(lambda: end(stub, begun.registration_id, old_code))
        assert stale.reason == "CODE_INVALID"
    assert end(stub, begun.registration_id, new_code).message == (
        "You have successfully registered"
    )


def test_code_still_works_just_before_it_expires(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    running_service.clock.advance(seconds=299)

    ended = end(stub, begun.registration_id, running_service.ucaller.last_code_for(PHONE))

    assert ended.message == "You have successfully registered"


def test_new_call_too_soon_says_when_to_retry(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    running_service.clock.advance(seconds=20)
    request = auth_pb2.RepeatCallRequest(registration_id=begun.registration_id)

    failure = failure_of(lambda: stub.RepeatCall(request))

    assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert failure.reason == "CALL_TOO_SOON"
    assert failure.retry_delay_seconds == 10
    assert failure.message == "A new call can be asked for in 10 seconds"
    assert len(running_service.ucaller.calls) == 1


def test_failed_repeat_call_does_not_block_a_retry(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    running_service.clock.advance(seconds=30)
    request = auth_pb2.RepeatCallRequest(registration_id=begun.registration_id)
    running_service.ucaller.fail_next_with_status(502)

    assert failure_of(lambda: stub.RepeatCall(request)).reason == "CALL_FAILED"
    assert stub.RepeatCall(request).message == CALL_PLACED


@pytest.mark.parametrize("registration_id", ["", "no-such-registration"])
def test_unknown_registration_is_not_found(
    stub: AuthServiceStub, running_service: RunningService, registration_id: str
) -> None:
    failure = failure_of(lambda: end(stub, registration_id, "1234"))

    expected = (
        grpc.StatusCode.INVALID_ARGUMENT if not registration_id else (grpc.StatusCode.NOT_FOUND)
    )
    assert failure.code == expected
    assert failure.fields == (("registration_id",) if not registration_id else ())


def test_finished_registration_cannot_be_used_again(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)
    end(stub, begun.registration_id, code)

    failure = failure_of(lambda: end(stub, begun.registration_id, code))

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "REGISTRATION_NOT_FOUND"


def test_abandoned_registration_expires_with_its_flow(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    running_service.clock.advance(minutes=31)

    failure = failure_of(
        lambda: stub.RepeatCall(auth_pb2.RepeatCallRequest(registration_id=begun.registration_id))
    )

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert running_service.repository.delete_expired_registrations(running_service.clock()) == 1


def test_a_phone_gets_ten_calls_a_day_whatever_the_flows(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = [stub.BeginRegistration(begin_request()) for _ in range(9)]
    running_service.clock.advance(seconds=30)
    again = auth_pb2.RepeatCallRequest(registration_id=begun[0].registration_id)
    stub.RepeatCall(again)
    running_service.clock.advance(minutes=10)

    refused = failure_of(lambda: stub.BeginRegistration(begin_request()))
    refused_repeat = failure_of(lambda: stub.RepeatCall(again))

    assert refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refused.reason == "CALL_LIMIT_REACHED"
    assert refused.message == "Too many calls to this phone number; try again later"
    assert refused.retry_delay_seconds == 24 * 3600 - 30 - 600
    assert refused_repeat.reason == "CALL_LIMIT_REACHED"
    assert len(running_service.ucaller.calls) == 10
    assert stub.BeginRegistration(begin_request(phone="+79001000011")).message == CALL_PLACED

    running_service.clock.advance(seconds=refused.retry_delay_seconds)
    assert stub.BeginRegistration(begin_request()).message == CALL_PLACED


def test_failed_calls_do_not_count_against_the_phone(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    running_service.ucaller.fail_next_with_status(500, times=10)
    for _ in range(10):
        assert failure_of(lambda: stub.BeginRegistration(begin_request())).reason == (
            "CALL_FAILED"
        )

    assert stub.BeginRegistration(begin_request()).message == CALL_PLACED
