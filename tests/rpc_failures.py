"""Reading the rich status of a failed gRPC call the way a client does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class RpcFailure:
    code: grpc.StatusCode
    message: str
    reason: str
    fields: tuple[str, ...]
    retry_delay_seconds: int | None


def failure_of(call: Callable[[], object]) -> RpcFailure:
    """Run ``call``, which must fail with a gRPC error, and decode its status."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "the error carries no rich status"

    info = error_details_pb2.ErrorInfo()
    bad_request = error_details_pb2.BadRequest()
    retry = error_details_pb2.RetryInfo()
    retry_delay = None
    for detail in status.details:
        if detail.Is(info.DESCRIPTOR):
            detail.Unpack(info)
        elif detail.Is(bad_request.DESCRIPTOR):
            detail.Unpack(bad_request)
        elif detail.Is(retry.DESCRIPTOR):
            detail.Unpack(retry)
            retry_delay = retry.retry_delay.seconds
    assert info.domain == "authsvc"
    return RpcFailure(
        code=error.code(),  # type: ignore[attr-defined]
        message=error.details(),  # type: ignore[attr-defined]
        reason=info.reason,
        fields=tuple(v.field for v in bad_request.field_violations),
        retry_delay_seconds=retry_delay,
    )
