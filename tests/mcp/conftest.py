"""Real MCP servers for the tests: mcp-server-time and mcp-server-git from PyPI (installed by
`./install.sh --dev`), the stdio servers in tests/mcp/servers, and a Streamable HTTP server built here with the
SDK's MCPServer (FastMCP's new name in mcp 2) on 127.0.0.1."""

import asyncio
import json
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git

BIN = Path(sys.executable).parent
SERVERS = Path(__file__).parent / "servers"
HTTP_TOKEN = "tok-http-0123456789-secret"


def installed(name: str) -> str:
    """The path of a server installed next to the interpreter (the dev extra installs them)."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: run ./install.sh --dev (it is in the dev extra)")
    return str(path)


def stdio(script: str, *args: str, **settings: Any) -> dict[str, Any]:
    """A `.mcp.json` entry running one of tests/mcp/servers with this interpreter (the scripts' folder made
    readable in the sandbox: the source tree may sit under the /tmp the sandbox hides)."""
    return {"command": sys.executable, "args": [str(SERVERS / script), *args], "readable": [str(SERVERS)], **settings}


def write_mcp_json(repo: Path, servers: dict[str, dict[str, Any]], commit: bool = True) -> None:
    """Write the repository's `.mcp.json` (Claude Code's shape) and commit it.

    Servers not given a start-up timeout get a minute: a Python server importing the SDK on a loaded CI machine
    can take longer than the 10 s default, and only the tests about that timeout should see it expire."""
    servers = {name: {"startup_timeout_sec": 60, **entry} for name, entry in servers.items()}
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=2))
    if commit:
        git(repo, "add", ".mcp.json")
        git(repo, "commit", "-q", "-m", "mcp servers")


def turn_json(repo: Path, name: str) -> dict[str, Any]:
    """The head turn's turn.json, read with plain git."""
    return json.loads(git(repo, "show", f"refs/gitagent/conversations/{name}:turn.json"))


def tool_results(turn: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool_result events of a turn."""
    return [e for e in turn["events"] if e["type"] == "tool_result"]


@pytest.fixture
def bwrap() -> None:
    """Skip where bubblewrap is missing (CI installs it)."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")


@dataclass
class HttpServer:
    """The test's Streamable HTTP server: its URL and the requests' Authorization headers."""

    url: str
    authorizations: list[str]
    server: Any


def _build_http_server() -> Any:
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.server.mcpserver.utilities.types import Image

    server = MCPServer("notes", instructions="Notes about the project; ask before deleting any.")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def leak_token(ctx: Context) -> str:
        """Say which token the request came with (a careless server)."""
        request = ctx.request_context.request
        return f"you sent {request.headers.get('authorization') if request is not None else None}"

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Add a tool named `fresh` and tell the client its tools changed."""

        def fresh() -> str:
            """A tool that appeared later."""
            return "fresh and new"

        server.add_tool(fresh)
        await ctx.notify_tools_changed()
        return "grown"

    @server.tool(structured_output=False)
    def chart() -> list[Any]:
        """A caption and a picture."""
        return ["sales are up", Image(data=b"\x89PNG" + bytes(2044), format="png")]

    @server.tool()
    def dump(size: int) -> str:
        """`size` characters of log."""
        return "".join(f"line {n}\n" for n in range(size))[:size]

    @server.resource("notes://today", name="today", mime_type="text/plain", description="Today's notes")
    def today() -> str:
        return "ship the MCP client"

    @server.prompt()
    def standup(person: str) -> str:
        """A stand-up question."""
        return f"What did {person} finish yesterday, and what is blocking them?"

    return server


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    """A Streamable HTTP MCP server on 127.0.0.1 that wants `Authorization: Bearer HTTP_TOKEN`."""
    server = _build_http_server()
    yield from _serve(server, server.streamable_http_app(host="127.0.0.1"), "/mcp")


@pytest.fixture
def sse_server() -> Iterator[HttpServer]:
    """The same server on the older SSE transport."""
    server = _build_http_server()
    yield from _serve(server, server.sse_app(host="127.0.0.1"), "/sse")


def _serve(server: Any, app: Any, path: str) -> Iterator[HttpServer]:
    import uvicorn
    from starlette.responses import PlainTextResponse

    seen: list[str] = []

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            seen.append(headers.get("authorization", ""))
            if headers.get("authorization") != f"Bearer {HTTP_TOKEN}":
                await PlainTextResponse("no entry", status_code=401)(scope, receive, send)
                return
        await app(scope, receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(guarded, log_level="error", lifespan="on")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(runner.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not runner.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield HttpServer(f"http://127.0.0.1:{port}{path}", seen, server)
    runner.should_exit = True
    thread.join(10)
    sock.close()
