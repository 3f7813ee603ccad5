"""The plumbing the fake provider servers share: a real HTTP/1.1 server on 127.0.0.1 in a thread, a script of
steps it plays in order (one per request), a record of every request, and chunked SSE that can be cut off."""

import json
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A streamed answer. `content` blocks are `{"type": "text", "text"}` or `{"type": "tool_use", "name", "input"}`
    (or `"partial_json"`: the raw argument text, for an answer cut off mid-call).

    `drop_after`: close the connection after that many events (`clean_eof`: end the body properly instead, so only
    the missing end-of-message event shows the drop); `stream_error`: send this error object as an event there
    instead; `delay`: seconds to wait before answering (a slow server); `hold`: answer only once it is set (a
    model thinking for as long as a test needs).
    """

    content: list[dict[str, Any]]
    stop_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    drop_after: int | None = None
    clean_eof: bool = False
    stream_error: dict[str, Any] | None = None
    delay: float = 0.0
    hold: threading.Event | None = None

    def stop(self) -> str:
        """The stop reason in Anthropic's words (end_turn, tool_use, max_tokens…)."""
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if any(b["type"] == "tool_use" for b in self.content) else "end_turn"

    def tokens(self, key: str) -> int:
        """A usage number: input_tokens, output_tokens, cache_read_tokens or cache_write_tokens."""
        defaults = {"input_tokens": 100, "output_tokens": 20}
        return self.usage.get(key, defaults.get(key, 0))


@dataclass
class Fail:
    """An HTTP error response: status, the provider's message, error type/code, extra headers (Retry-After…)."""

    status: int
    message: str = "error"
    error_type: str | None = None
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


def pieces(text: str, size: int = 7) -> list[str]:
    """`text` in small pieces, as a model streams it."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeServer:
    """Base of the fake providers. Subclasses implement `handle(handler, request, step)`."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.steps: deque[Reply | Fail] = deque()
        self.requests: list[Recorded] = []
        server = self

        class Handler(_Handler):
            fake = server

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def root(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *steps: Reply | Fail) -> None:
        """Queue steps; each request takes the next one (past the end: a plain text answer, "done.")."""
        self.steps.extend(steps)

    def next_step(self) -> Reply | Fail:
        """The step for the request being served."""
        return self.steps.popleft() if self.steps else Reply([{"type": "text", "text": "done."}])

    @property
    def bodies(self) -> list[Any]:
        """The JSON bodies of the POST requests received, in order."""
        return [r.body for r in self.requests if r.method == "POST"]

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, handler: "_Handler", request: Recorded) -> None:
        """Answer `request` through `handler` (each fake provider implements this)."""
        raise NotImplementedError


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout and drop tests) resets its connection; anything else is a real bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as real API servers stream: each event leaves at once, no 40 ms stalls
    fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET", None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        self._serve("POST", json.loads(raw) if raw else None)

    def _serve(self, method: str, body: Any) -> None:
        request = Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.fake.requests.append(request)
        try:
            self.fake.handle(self, request)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """A complete JSON response."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def stream(self, events: list[tuple[str | None, Any]], reply: Reply, error_event: tuple[str | None, Any]) -> None:
        """Send `events` as chunked SSE (`(event name or None, data)`), obeying the reply's drop and error."""
        if reply.delay:
            time.sleep(reply.delay)
        if reply.hold is not None:
            reply.hold.wait(timeout=60)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        cut = reply.drop_after if reply.drop_after is not None else len(events)
        for name, data in events[:cut]:
            self._chunk(_sse(name, data))
        if reply.stream_error is not None:
            self._chunk(_sse(*error_event))
        elif cut < len(events) and not reply.clean_eof:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _sse(name: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {payload}\n\n".encode()
