"""What every call meets at the edge: undecodable requests and unexpected failures."""

from __future__ import annotations

import grpc
import pytest
from auth.v1.auth_pb2_grpc import AuthServiceStub
from sqlalchemy import text

from tests.fixtures.service import RunningService
from tests.flows import PASSWORD, begin_request


def raw_call(channel: grpc.Channel, method: str, payload: bytes) -> grpc.RpcError:
    call = channel.unary_unary(
        f"/auth.v1.AuthService/{method}",
        request_serializer=lambda raw: raw,
        response_deserializer=lambda raw: raw,
    )
    with pytest.raises(grpc.RpcError) as caught:
        call(payload, timeout=5)
    return caught.value


@pytest.mark.parametrize(
    "payload",
    [
        b"\x0a\x02\xff\xfe",  # phone (field 1) holding bytes that are not UTF-8
        b"\x0a\x10\x01",  # a string field longer than the message
        b"\xff\xff\xff",  # not protobuf at all
    ],
)
def test_undecodable_request_is_invalid_argument_not_internal(
    channel: grpc.Channel, running_service: RunningService, payload: bytes
) -> None:
    error = raw_call(channel, "SignIn", payload)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert error.details() == (  # type: ignore[attr-defined]
        "The request is not a valid message of this method"
    )


def test_unexpected_failure_is_unknown_with_a_fixed_message_and_a_logged_trace(
    stub: AuthServiceStub, running_service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    with running_service.engine.begin() as connection:
        connection.execute(text("DROP TABLE users CASCADE"))

    with pytest.raises(grpc.RpcError) as caught:
        stub.BeginRegistration(begin_request())

    error = caught.value
    assert error.code() == grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
    assert error.details() == (  # type: ignore[attr-defined]
        "The service failed unexpectedly; the failure has been logged"
    )
    failures = [r for r in caplog.records if r.getMessage().endswith("failed unexpectedly")]
    assert len(failures) == 1 and failures[0].exc_info is not None
    assert PASSWORD not in caplog.text
    assert "9001000010" not in caplog.text
