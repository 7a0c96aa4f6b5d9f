"""ASGI middleware: a guard on request bodies, and one log line per request."""

from __future__ import annotations

import logging
import time

from pydantic_core import from_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsvc.gateway.errors import REQUEST_INVALID, REQUEST_TOO_LARGE, GatewayError

logger = logging.getLogger(__name__)

# The largest documented body is well under 1 KB; a few KB leave room for long names.
MAX_BODY_BYTES = 4096
TOO_LARGE_MESSAGE = f"The request body is larger than {MAX_BODY_BYTES} bytes"


class BodyGuard:
    """Read the whole (small) body first: 413 when too large, 422 when not JSON.

    FastAPI would answer 400 for a body that is not UTF-8 and would pass on strings that
    hold lone surrogates, which no gRPC string can carry; the JSON parser used here
    refuses both, so every malformed body gets the same 422.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._max = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the body, then hand the app a receive that replays it."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        try:
            body = await self._read_body(scope, receive)
            _check_json(body)
        except GatewayError as failure:
            await failure.response()(scope, receive, send)
            return
        await self._app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        too_large = GatewayError(413, TOO_LARGE_MESSAGE, REQUEST_TOO_LARGE)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self._max:
            raise too_large

        # Chunked bodies declare no length: count while reading and stop at the limit.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max:
                raise too_large
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


class AccessLog:
    """Log each request once it is answered: method, path, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, noting the status the app sends."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, noting_status)
        finally:
            # The path only: bodies and headers may hold tokens, passwords and codes.
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed)


def _check_json(body: bytes) -> None:
    if not body:
        return
    try:
        from_json(body)
    except ValueError as error:
        raise GatewayError(422, f"The body is not valid JSON: {error}", REQUEST_INVALID) from error


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            # After the body, only a disconnect can come; let the server report it.
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
