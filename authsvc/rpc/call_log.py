"""One log line per call: method, status code, duration and the masked phone, no secret."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc

from authsvc.phone import mask_phone

logger = logging.getLogger(__name__)

Continuation = Callable[[grpc.HandlerCallDetails], "grpc.RpcMethodHandler[Any, Any] | None"]


class CallLogInterceptor(grpc.ServerInterceptor):
    """Log every unary call once it ends, whatever way it ends."""

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
                return behaviour(request, context)
            except Exception:
                # code() is missing from the grpc stubs but present since grpcio 1.38.
                code = context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
                raise
            finally:
                _log_call(method, code, time.perf_counter() - started, request)

        return grpc.unary_unary_rpc_method_handler(
            logged,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _log_call(method: str, code: grpc.StatusCode, seconds: float, request: Any) -> None:
    # Only the phone is taken from the request, and only masked: the rest may be secret.
    phone = getattr(request, "phone", None)
    logger.info("rpc %s %s %.1fms phone=%s", method, code.name, seconds * 1000, mask_phone(phone))
