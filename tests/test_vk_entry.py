"""The VK entry: a VK token, a confirmed phone, and a new or linked user."""

from __future__ import annotations

import grpc
import pytest
from auth.v1 import auth_pb2
from auth.v1.auth_pb2_grpc import AuthServiceStub
from sqlalchemy import select

from authsvc.models import Identity, User
from tests.fakes.vk import VkUser
from tests.fixtures.service import RunningService
from tests.flows import PHONE, register, row_counts, wrong_code
from tests.rpc_failures import failure_of

TOKEN = "vk1.a.user-token-of-our-app"
VK_USER = VkUser(user_id=743784474, first_name="Anna", last_name="Smirnova")
CALL_PLACED = "You will receive a call to your phone number, enter the last 4 digits"
VK_CONNECTED = (
    "Your VK account is successfully found and connected. Enter the phone number to confirm it."
)


@pytest.fixture
def vk_user(running_service: RunningService) -> VkUser:
    running_service.vk.add_user(TOKEN, VK_USER)
    return VK_USER


def enter(stub: AuthServiceStub, token: str = TOKEN) -> str:
    entered = stub.EntranceVk(auth_pb2.EntranceVkRequest(token=token))
    assert entered.message == VK_CONNECTED
    return str(entered.registration_id)


def confirm(
    stub: AuthServiceStub, registration_id: str, phone: str = PHONE
) -> auth_pb2.ConfirmationPhoneResponse:
    request = auth_pb2.ConfirmationPhoneRequest(registration_id=registration_id, phone=phone)
    return stub.ConfirmationPhone(request)


def end(stub: AuthServiceStub, registration_id: str, code: str) -> str:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    ended = stub.EndRegistration(request)
    assert ended.message == "You have successfully registered"
    return str(ended.user_id)


def test_vk_entry_creates_a_user_with_the_vk_names_and_identity(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    registration_id = enter(stub)
    confirmed = confirm(stub, registration_id, "8 900 100 00 10")
    assert (
        confirmed.message
        == "You will receive a call to your phone number, enter the last 4 digits"
    )
    assert confirmed.registration_id == registration_id

    user_id = end(stub, registration_id, running_service.ucaller.last_code_for(PHONE))

    with running_service.engine.connect() as connection:
        user = connection.execute(select(User)).one()
        identity = connection.execute(select(Identity)).one()
    assert (user.id, user.first_name, user.last_name) == (user_id, "Anna", "Smirnova")
    assert (user.phone, user.password_hash) == (PHONE, None)
    assert (identity.user_id, identity.provider, identity.subject) == (
        user_id,
        "vk",
        "743784474",
    )
    check_token, users_get = running_service.vk.requests[:2]
    assert check_token.path == "/method/secure.checkToken"
    assert check_token.params["token"] == TOKEN
    assert users_get.path == "/method/users.get"


def test_vk_entry_links_vk_to_the_user_who_owns_the_phone(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    owner_id = register(stub, running_service.ucaller)
    registration_id = enter(stub)
    confirm(stub, registration_id)

    linked_id = end(stub, registration_id, running_service.ucaller.last_code_for(PHONE))

    assert linked_id == owner_id
    with running_service.engine.connect() as connection:
        user = connection.execute(select(User)).one()
        identity = connection.execute(select(Identity)).one()
    assert (user.first_name, user.last_name) == ("Ivan", "Petrov")
    assert user.password_hash is not None
    assert (identity.user_id, identity.subject) == (owner_id, "743784474")


def test_wrong_code_of_vk_entry_has_its_own_seed_message(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    registration_id = enter(stub)
    confirm(stub, registration_id)
    code = running_service.ucaller.last_code_for(PHONE)
    request = auth_pb2.EndRegistrationRequest(
        registration_id=registration_id, code=wrong_code(code)
    )

    failure = failure_of(lambda: stub.EndRegistration(request))

    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.message == "Confirmation keys are not correct"
    assert failure.reason == "CODE_INVALID"
    assert end(stub, registration_id, code)


def test_malformed_phone_of_vk_entry_has_its_own_seed_message(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    registration_id = enter(stub)

    failure = failure_of(lambda: confirm(stub, registration_id, "12345"))

    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.message == (
        "The number does not meet the standard +7, 8, 7 and 10 digits per line"
    )
    assert (failure.reason, failure.fields) == ("PHONE_INVALID", ("phone",))
    assert running_service.ucaller.calls == []


@pytest.mark.parametrize("token", ["unknown-token", ""])
def test_invalid_vk_token_is_unauthenticated_and_writes_nothing(
    stub: AuthServiceStub, running_service: RunningService, token: str
) -> None:
    failure = failure_of(lambda: stub.EntranceVk(auth_pb2.EntranceVkRequest(token=token)))

    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert failure.message == "VK token is not valid"
    assert failure.reason == "VK_TOKEN_INVALID"
    assert row_counts(running_service.engine)["registrations"] == 0


def test_token_issued_to_another_app_is_refused(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    running_service.vk.add_user(TOKEN, VkUser(1, "Other", "App", for_our_app=False))

    failure = failure_of(lambda: stub.EntranceVk(auth_pb2.EntranceVkRequest(token=TOKEN)))

    assert failure.reason == "VK_TOKEN_INVALID"


def test_vk_outage_is_unavailable_not_an_invalid_token(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    running_service.vk.fail_next_with_status(503)

    failure = failure_of(lambda: enter(stub))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.reason == "VK_UNAVAILABLE"
    assert TOKEN not in failure.message


def test_phone_of_a_user_with_another_vk_account_is_refused(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    first = enter(stub)
    confirm(stub, first)
    end(stub, first, running_service.ucaller.last_code_for(PHONE))
    running_service.vk.add_user("second-token", VkUser(5, "Boris", "Orlov"))
    second = enter(stub, "second-token")

    failure = failure_of(lambda: confirm(stub, second))

    assert failure.code == grpc.StatusCode.ALREADY_EXISTS
    assert failure.reason == "VK_ALREADY_LINKED"


def test_vk_entry_cannot_end_before_a_phone_is_confirmed(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    registration_id = enter(stub)
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code="1234")

    failure = failure_of(lambda: stub.EndRegistration(request))

    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "PHONE_NOT_CONFIRMED"


def test_confirmation_phone_needs_a_vk_entry(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(
        auth_pb2.BeginRegistrationRequest(
            first_name="Ivan",
            last_name="Petrov",
            phone=PHONE,
            password="correct horse",
            confirmations_password="correct horse",
        )
    )

    failure = failure_of(lambda: confirm(stub, begun.registration_id))

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.message == "No pending VK entry has this registration id"


def test_failed_confirmation_call_leaves_the_entry_ready_for_a_retry(
    stub: AuthServiceStub, running_service: RunningService, vk_user: VkUser
) -> None:
    registration_id = enter(stub)
    running_service.ucaller.fail_next_with_error()

    failure = failure_of(lambda: confirm(stub, registration_id))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.message == "Error working with the number confirmation service"
    confirm(stub, registration_id)
    assert end(stub, registration_id, running_service.ucaller.last_code_for(PHONE))
