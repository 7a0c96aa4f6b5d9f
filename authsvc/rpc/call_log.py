"""The edge of every unary call: undecodable requests, unexpected errors, and one log line.

The log line holds the method, status code, duration and the masked phone, no secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from authsvc.phone import mask_phone

logger = logging.getLogger(__name__)

Continuation = Callable[[grpc.HandlerCallDetails], "grpc.RpcMethodHandler[Any, Any] | None"]

UNDECODABLE_MESSAGE = "The request is not a valid message of this method"
UNEXPECTED_MESSAGE = "The service failed unexpectedly; the failure has been logged"


class _Undecodable:
    """Stands for a request that could not be parsed, so it can be refused properly."""


class CallLogInterceptor(grpc.ServerInterceptor):
    """Log every unary call once it ends, whatever way it ends.

    grpcio answers INTERNAL to a request that does not parse and passes the text of an
    unexpected exception to the client; this interceptor answers INVALID_ARGUMENT and
    UNKNOWN with fixed messages instead.
    """

    def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler

        method = handler_call_details.method
        behaviour = handler.unary_unary

        def logged(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                if isinstance(request, _Undecodable):
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, UNDECODABLE_MESSAGE)
                return _guarded(behaviour, request, context, method)
            except Exception:
                # code() is missing from the grpc stubs but present since grpcio 1.38.
                code = context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
                raise
            finally:
                _log_call(method, code, time.perf_counter() - started, request)

        return grpc.unary_unary_rpc_method_handler(
            logged,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


def _guarded(
    behaviour: Callable[[Any, grpc.ServicerContext], Any],
    request: Any,
    context: grpc.ServicerContext,
    method: str,
) -> Any:
    """Run the method; an exception that is not an abort becomes a plain UNKNOWN."""
    try:
        return behaviour(request, context)
    except Exception:
        if context.code() is not None:  # type: ignore[attr-defined]
            raise
        logger.exception("rpc %s failed unexpectedly", method)
        context.abort(grpc.StatusCode.UNKNOWN, UNEXPECTED_MESSAGE)


def _tolerant(
    deserializer: Callable[[bytes], Any] | None,
) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def deserialize(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except DecodeError:
            return _Undecodable()

    return deserialize


def _log_call(method: str, code: grpc.StatusCode, seconds: float, request: Any) -> None:
    # Only the phone is taken from the request, and only masked: the rest may be secret.
    phone = getattr(request, "phone", None)
    logger.info("rpc %s %s %.1fms phone=%s", method, code.name, seconds * 1000, mask_phone(phone))
