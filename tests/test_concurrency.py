"""Many people and many calls at once: the database keeps every flow apart and consistent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from auth.v1 import auth_pb2
from auth.v1.auth_pb2_grpc import AuthServiceStub

from authsvc.registrations import FlowPolicy
from tests.fixtures.service import RunningService
from tests.flows import PHONE, begin_request, row_counts, wrong_code


@pytest.fixture
def flow_policy() -> FlowPolicy:
    """Room for 30 calls to one phone, so that many flows of one phone can race."""
    return FlowPolicy(calls_per_phone=30)


def outcomes(calls: list[Callable[[], object]]) -> Counter[str]:
    """Run the calls at the same time; count "OK" and the status code names of failures."""

    def run(call: Callable[[], object]) -> str:
        try:
            call()
        except grpc.RpcError as error:
            return str(error.code().name)  # type: ignore[attr-defined]
        return "OK"

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(pool.map(run, calls))


def ending(stub: AuthServiceStub, registration_id: str, code: str) -> Callable[[], object]:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    return lambda: stub.EndRegistration(request)


def test_twenty_racing_registrations_of_one_phone_make_one_user(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = [stub.BeginRegistration(begin_request()) for _ in range(20)]
    codes = [call.code for call in running_service.ucaller.calls]

    counted = outcomes(
        [ending(stub, b.registration_id, code) for b, code in zip(begun, codes, strict=True)]
    )

    assert counted == Counter({"OK": 1, "ALREADY_EXISTS": 19})
    assert row_counts(running_service.engine)["users"] == 1


def test_one_registration_ended_twenty_times_at_once_makes_one_user(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)

    counted = outcomes([ending(stub, begun.registration_id, code)] * 20)

    # Every call spends one of the three tries before comparing, so late callers may find
    # them spent (FAILED_PRECONDITION) rather than the flow ended (NOT_FOUND).
    assert counted["OK"] == 1
    assert set(counted) <= {"OK", "NOT_FOUND", "FAILED_PRECONDITION"}
    assert row_counts(running_service.engine) == {
        "users": 1,
        "identities": 0,
        "registrations": 0,
    }


def test_concurrent_guesses_never_exceed_three_tries(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    begun = stub.BeginRegistration(begin_request())
    code = running_service.ucaller.last_code_for(PHONE)

    counted = outcomes([ending(stub, begun.registration_id, wrong_code(code))] * 12)

    assert counted == Counter({"INVALID_ARGUMENT": 3, "FAILED_PRECONDITION": 9})
    rejected = outcomes([ending(stub, begun.registration_id, code)])
    assert rejected == Counter({"FAILED_PRECONDITION": 1})


def test_many_people_register_at_once_each_with_their_own_code(
    stub: AuthServiceStub, running_service: RunningService
) -> None:
    phones = [f"+7900200{n:04d}" for n in range(30)]

    def register(phone: str) -> str:
        begun = stub.BeginRegistration(begin_request(phone=phone))
        code = running_service.ucaller.last_code_for(phone)
        request = auth_pb2.EndRegistrationRequest(registration_id=begun.registration_id, code=code)
        return str(stub.EndRegistration(request).user_id)

    with ThreadPoolExecutor(max_workers=10) as pool:
        user_ids = list(pool.map(register, phones))

    assert len(set(user_ids)) == 30
    assert row_counts(running_service.engine) == {
        "users": 30,
        "identities": 0,
        "registrations": 0,
    }
