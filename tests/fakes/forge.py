"""Fake GitHub and GitLab REST APIs on 127.0.0.1 that check every request against the documented shapes.

Each server knows the pull (merge) request's diff the way the forge does: the right-side lines of every
hunk of `git diff -U3 MERGE_BASE HEAD`, parsed here from git's own output, independently of gitagent.
A comment on a line outside the diff is refused as the real API refuses it (GitHub: 422; GitLab: 400).
Anything malformed is answered with an error and listed in `problems`, so a test can assert it is empty.
"""

import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class DiffLines:
    """A file's hunks on the new side: `(start, end)` ranges, added lines, and context line -> old line."""

    hunks: list[tuple[int, int]] = field(default_factory=list)
    added: set[int] = field(default_factory=set)
    context: dict[int, int] = field(default_factory=dict)

    def hunk_of(self, line: int) -> int | None:
        return next((i for i, (a, b) in enumerate(self.hunks) if a <= line <= b), None)


def diff_lines(repo: Path, merge_base: str, head: str) -> dict[str, DiffLines]:
    """Parse `git diff` between the two commits (as a forge computes the pull request's diff)."""
    text = subprocess.run(
        ["git", "diff", "-U3", "-M", "--no-color", merge_base, head], cwd=repo, capture_output=True, text=True
    ).stdout
    files: dict[str, DiffLines] = {}
    current: DiffLines | None = None
    old = new = 0
    for line in text.splitlines():
        if line.startswith("+++ "):
            current = files.setdefault(line[6:], DiffLines()) if line != "+++ /dev/null" else None
        elif (m := _HUNK.match(line)) and current is not None:
            old, new = int(m[1]), int(m[3])
            count = int(m[4]) if m[4] is not None else 1
            current.hunks.append((new, new + count - 1))
        elif current is not None and line[:1] in ("+", " ") and not line.startswith("+++"):
            if line[0] == "+":
                current.added.add(new)
            else:
                current.context[new] = old
                old += 1
            new += 1
        elif current is not None and line.startswith("-") and not line.startswith("---"):
            old += 1
    return files


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class Forge:
    """Base: the HTTP plumbing, the request log and the problem list; subclasses route."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        forge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()}, body)  # fmt: skip
                with forge.lock:
                    forge.requests.append(request)
                    status, answer, headers = forge.route(request)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def problem(self, status: int, text: str) -> tuple[int, Any, dict[str, str]]:
        """Record a malformed request and answer it with `status`."""
        self.problems.append(text)
        return status, {"message": text}, {}

    def page(self, request: Request, items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        """A list answer, paginated with `per_page`/`page` and a `Link: rel="next"` header as both forges do."""
        per_page = int(request.query.get("per_page", ["30"])[0])
        number = int(request.query.get("page", ["1"])[0])
        chunk = items[(number - 1) * per_page : number * per_page]
        headers = {}
        if number * per_page < len(items):
            headers["Link"] = f'<{self.root}{request.path}?per_page={per_page}&page={number + 1}>; rel="next"'
        return 200, chunk, headers

    def calls(self, method: str, suffix: str = "") -> list[Request]:
        """The requests received with `method` whose path ends with `suffix`."""
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]
