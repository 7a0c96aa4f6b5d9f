"""A loopback HTTP server for tests: records every request and answers from a script.

Subclasses speak an API in ``answer()``; a test can put answers in front of it with
``script()`` (and the helpers built on it) to provoke failures.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

MALFORMED_JSON = b'{"status": tru'


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, sent after ``delay`` seconds (or at once when the server stops)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


def json_answer(payload: object, status: int = 200) -> Answer:
    """An answer whose body is ``payload`` as JSON."""
    return Answer(status=status, body=json.dumps(payload).encode())


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it; ``body`` is the parsed form or JSON object."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    raw_body: bytes

    @property
    def params(self) -> dict[str, Any]:
        """Query and body parameters together, as an API that accepts both sees them."""
        return {**self.query, **self.body}


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a free port; use it as a context manager."""

    def __init__(self) -> None:
        # Reentrant so that answer() in a subclass may read its own state under the lock.
        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._script: deque[Answer] = deque()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Self:
        """Bind a free port and serve in a background thread."""
        self._stopping.clear()
        self._server = _Server(self)
        # A short poll keeps stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Cut delays short, stop serving and wait for every handler thread to end."""
        if self._server is None or self._thread is None:
            return

        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def script(self, *answers: Answer) -> None:
        """Send these answers, in order, to the next requests instead of the API's own."""
        with self._lock:
            self._script.extend(answers)

    def fail_next_with_status(self, status: int = 500, times: int = 1) -> None:
        """Answer the next requests with an HTTP error status and a plain-text body."""
        reason = HTTPStatus(status).phrase.encode()
        self.script(*[Answer(status, reason, "text/plain")] * times)

    def answer_next_with_malformed_json(self, times: int = 1) -> None:
        """Answer the next requests with a truncated JSON body."""
        self.script(*[Answer(body=MALFORMED_JSON)] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Hold the next answers for ``seconds``, to run a client into its timeout."""
        self.script(*[Answer(body=b"{}", delay=seconds)] * times)

    def respond(self, request: RecordedRequest) -> Answer:
        """Record ``request`` and return the next scripted answer, else the API's own."""
        with self._lock:
            self._requests.append(request)
            if self._script:
                return self._script.popleft()
            return self.answer(request)

    def answer(self, request: RecordedRequest) -> Answer:
        """The API's own answer to an unscripted request; subclasses override it."""
        return json_answer({"error": f"no such path: {request.path}"}, status=404)

    def wait_before_answering(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(), so none outlives the test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: LoopbackServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has closed its socket before the late answer is written.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # A client that connects and sends nothing cannot hold stop() for longer than this.
    timeout = 5

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the server records requests instead of printing them."""

    def _serve(self) -> None:
        answer = self.server.owner.respond(self._read_request())
        if answer.delay:
            self.server.owner.wait_before_answering(answer.delay)

        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _read_request(self) -> RecordedRequest:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        return RecordedRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers=headers,
            body=_parse_body(raw_body, headers.get("content-type", "")),
            raw_body=raw_body,
        )


def _parse_body(raw_body: bytes, content_type: str) -> dict[str, Any]:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw_body.decode(), keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(raw_body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}
