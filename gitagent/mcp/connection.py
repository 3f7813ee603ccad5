"""One MCP server: its client on the runtime's loop, its state, and blocking calls for the agent's thread.

`start` returns at once: a stdio server's process is started there and then (gitagent.mcp.process), and the
rest happens in one task on the runtime's loop (the SDK's contexts must be entered and left by one task): load
the SDK if this is the first server, connect, list the tools, prompts and resources, then wait until closed,
refreshing the lists when the server says they changed (`list_changed`: a notification on older protocol
versions, a `subscriptions/listen` stream on 2026-07-28). A start that takes longer than `startup_timeout_sec`
is abandoned. Every failure, at start or in a call, becomes one line naming the server, with the values of its
secrets hidden and the end of its stderr when that explains it.

The module imports nothing of the SDK itself, so starting servers never waits for it.
"""

import asyncio
import concurrent.futures
import contextlib
import io
import logging
import os
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from gitagent import __version__
from gitagent.errors import GitagentError
from gitagent.mcp.config import MissingVariable, Resolved, ServerConfig, redact
from gitagent.mcp.launch import Place, stdio_launch
from gitagent.mcp.process import ServerProcess
from gitagent.mcp.runtime import runtime

if TYPE_CHECKING:
    import mcp_types
    from mcp import Client

T = TypeVar("T")
PAGE_CAP = 100
CONNECTION_CLOSED = -32000
"""The JSON-RPC error code the SDK gives calls on a connection that ended."""


class McpFailure(Exception):
    """A call that could not be made or answered; the message is what the model and the user see."""


class Connection:
    """A configured server, started on the runtime's loop. `state`: starting, connected, failed or closed."""

    def __init__(self, config: ServerConfig, place: Place) -> None:
        self.config = config
        self.place = place
        self.state = "starting"
        self.error: str | None = None
        self.tools: list[mcp_types.Tool] = []
        self.prompts: list[mcp_types.Prompt] = []
        self.has_resources = False
        self.instructions: str | None = None
        self.server_info = ""
        """The server's own name and version, and the protocol version agreed."""
        self.secrets: list[str] = []
        self.version = 0
        """Bumped whenever the tool list changes."""
        self.process: ServerProcess | None = None
        self._client: Client | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._closing = False
        self._running: concurrent.futures.Future[None] | None = None

    @property
    def name(self) -> str:
        """The server's configured name."""
        return self.config.name

    def start(self) -> None:
        """Start the server's process (stdio) and, in the background, its client; `wait_ready` waits."""
        try:
            resolved = self.config.resolved(os.environ)
            self.secrets = resolved.secrets
            if self.config.transport == "stdio":
                self.process = ServerProcess(stdio_launch(self.config, resolved, self.place))
        except MissingVariable as e:
            self._fail(f"{e} (needed by its configuration in {self.config.origin})")
            return
        except (GitagentError, OSError) as e:
            self._fail(self._describe(e))
            return
        self._running = runtime().submit(self._main(resolved))

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the server is connected or has failed (it fails itself after its start-up timeout)."""
        deadline = time.monotonic() + (self.config.startup_timeout + 5 if timeout is None else timeout)
        while not self._ready.wait(0.1) and time.monotonic() < deadline:
            pass

    def wait_stopped(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for a closed connection's server to have shut down."""
        if self._running is not None:
            with contextlib.suppress(Exception):
                self._running.result(timeout)

    def close(self) -> None:
        """Stop the server (without waiting for it to exit)."""
        if self._running is not None:
            runtime().loop.call_soon_threadsafe(self._request_stop)
        elif self.process is not None:
            self.process.stop(grace=0)
        if self.state in ("starting", "connected"):
            self.state = "closed"

    def _request_stop(self) -> None:
        self._closing = True
        if self._stop is not None:
            self._stop.set()

    async def _main(self, resolved: Resolved) -> None:
        self._stop = asyncio.Event()
        task = asyncio.current_task()
        assert task is not None
        watchdog = asyncio.get_running_loop().call_later(self.config.startup_timeout, self._too_slow, task)
        try:
            if self._closing:
                return
            async with self._client_for(resolved) as client:
                await self._load(client)
                watchdog.cancel()
                self._client, self.state = client, "connected"
                self._ready.set()
                await self._serve(client)
        except asyncio.CancelledError:
            pass  # closed, or too slow to start (already recorded)
        except BaseException as e:
            self._fail(self._describe(_leaf(e)))
        finally:
            watchdog.cancel()
            self._client = None
            if self.state == "connected":
                self.state = "closed"
            if self.process is not None and not self.process.exited():  # it never got as far as its pipes
                self.process.stop(grace=0)
            self._ready.set()

    def _too_slow(self, task: "asyncio.Task[None]") -> None:
        self._fail(f"did not start within {self.config.startup_timeout:g}s (startup_timeout_sec)")
        task.cancel()

    def _fail(self, message: str) -> None:
        if self.state in ("starting", "connected"):
            self.state, self.error = "failed", redact(message, self.secrets)
        self._ready.set()

    @contextlib.asynccontextmanager
    async def _client_for(self, resolved: Resolved) -> AsyncIterator["Client"]:
        from mcp import Client
        from mcp_types import Implementation

        _quiet_sdk()
        info = Implementation(name="gitagent", version=__version__)
        if self.process is not None:
            transport: Any = _pipes(self.process, lambda: self._closing)
        else:
            transport = _http_transport(self.config.transport, resolved)
        async with Client(transport, message_handler=self._on_message, client_info=info, cache=None) as client:
            yield client

    async def _load(self, client: "Client") -> None:
        capabilities = client.server_capabilities
        self.instructions = client.instructions
        info = client.server_info
        about = f"{info.name} {info.version}" if info else "(unnamed)"
        self.server_info = f"{about}, MCP {client.protocol_version}"
        self.tools = [t for t in await all_pages(client.list_tools, "tools") if self.config.tool_allowed(t.name)]
        if capabilities.prompts is not None:
            self.prompts = await all_pages(client.list_prompts, "prompts")
        self.has_resources = capabilities.resources is not None
        self.version += 1

    async def _serve(self, client: "Client") -> None:
        import anyio
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        assert self._stop is not None
        tools = client.server_capabilities.tools
        listening = tools is not None and tools.list_changed and client.protocol_version in MODERN_PROTOCOL_VERSIONS
        async with anyio.create_task_group() as group:
            if listening:
                group.start_soon(self._listen, client)
            await self._stop.wait()
            group.cancel_scope.cancel()

    async def _listen(self, client: "Client") -> None:
        with contextlib.suppress(Exception):  # change events are a courtesy: without them the lists stay as listed
            async with client.listen(tools_list_changed=True, prompts_list_changed=True) as events:
                async for _ in events:
                    await self._load(client)

    async def _on_message(self, message: Any) -> None:
        from mcp_types import PromptListChangedNotification, ToolListChangedNotification

        changed = isinstance(message, ToolListChangedNotification | PromptListChangedNotification)
        if changed and self._client is not None:
            with contextlib.suppress(Exception):
                await self._load(self._client)

    def refresh(self) -> None:
        """List the server's tools and prompts again now (a change notice may still be on its way)."""
        self.request(self._load)

    def request(self, what: Callable[["Client"], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `what(client)` on the loop and wait; raises McpFailure with a message for the model."""
        limit = self.config.tool_timeout if timeout is None else timeout
        if self.state != "connected" or self._client is None:
            raise McpFailure(f"MCP server {self.name!r} is not available: {self.error or self.state}")
        client = self._client
        try:
            return runtime().run(asyncio.wait_for(what(client), limit), limit + 5)
        except TimeoutError:
            raise McpFailure(
                f"MCP server {self.name!r} did not answer within {limit:g}s (tool_timeout_sec); the call was cancelled"
            ) from None
        except KeyboardInterrupt:
            raise
        except Exception as e:
            raise McpFailure(self._call_failure(e)) from None

    def _call_failure(self, error: Exception) -> str:
        from mcp import MCPError
        from pydantic import ValidationError

        if isinstance(error, MCPError) and error.code == CONNECTION_CLOSED:
            self._fail(f"stopped ({self._exit_note()}){self._stderr_note()}")
            return f"MCP server {self.name!r} {self.error}"
        if isinstance(error, MCPError):
            return redact(f"MCP server {self.name!r} returned an error: {error.message}", self.secrets)
        if isinstance(error, ValidationError):
            return f"MCP server {self.name!r} sent a malformed answer: {_first_error(error)}"
        return redact(f"MCP server {self.name!r}: {self._describe(error)}", self.secrets)

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, GitagentError):
            hint = f"; {error.hint}" if error.hint else ""
            return f'{error.message}{hint}; or give it "sandbox": "none" to run it unconfined'
        if isinstance(error, FileNotFoundError | PermissionError):
            return f"cannot run {self.config.command!r}: {error.strerror}"
        if getattr(error, "code", None) == CONNECTION_CLOSED:
            return f"the server stopped during start-up ({self._exit_note()}){self._stderr_note()}"
        if type(error).__name__ == "ValidationError":
            return f"it sent a malformed answer: {_first_error(error)}"
        text = str(error) or type(error).__name__
        return text.splitlines()[0][:300] + self._stderr_note()

    def _exit_note(self) -> str:
        if self.process is None:
            return "it closed the connection"
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.proc.wait(0.5)  # a connection that ended is usually a process that is ending
        return self.process.exited() or "it closed the connection"

    def _stderr_note(self) -> str:
        tail = self.process.stderr_tail() if self.process is not None else ""
        return f"; its stderr ends: {tail}" if tail else ""


@contextlib.asynccontextmanager
async def _pipes(process: ServerProcess, closing: Callable[[], bool]) -> AsyncIterator[Any]:
    """The SDK's newline-delimited JSON-RPC framing over the pipes of a process started before the SDK was loaded.

    `stdio_server` is that framing over explicit streams (the messages are the same in both directions). Its
    reader waits for lines in a worker thread, which only a closed pipe wakes: so the process is stopped before
    the transport is left, shielded from cancellation, gracefully only when the connection is being closed.
    """
    import anyio
    from mcp.server.stdio import stdio_server

    reader = anyio.wrap_file(io.TextIOWrapper(process.proc.stdout, encoding="utf-8", errors="replace"))  # type: ignore[arg-type]
    writer = anyio.wrap_file(io.TextIOWrapper(process.proc.stdin, encoding="utf-8", write_through=True))  # type: ignore[arg-type]
    async with stdio_server(stdin=reader, stdout=writer) as streams:
        try:
            yield streams
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(process.stop, 2.0 if closing() else 0.0)


async def all_pages(fetch: Callable[..., Awaitable[Any]], attribute: str) -> list[Any]:
    """Every item of a paginated list (`client.list_tools`, "tools"), a bounded number of pages."""
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(PAGE_CAP):
        page = await fetch(cursor=cursor)
        items += getattr(page, attribute)
        cursor = page.next_cursor
        if not cursor:
            break
    return items


@contextlib.asynccontextmanager
async def _http_transport(kind: str, resolved: Resolved) -> AsyncIterator[Any]:
    import httpx2

    if kind == "sse":
        from mcp.client.sse import sse_client

        async with sse_client(resolved.url, headers=resolved.headers) as streams:
            yield streams
        return
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=resolved.headers, timeout=timeout) as http,
        streamable_http_client(resolved.url, http_client=http) as streams,
    ):
        yield streams


def _quiet_sdk() -> None:
    # The SDK logs a server's noise (lines that are not JSON-RPC) with tracebacks; the user sees one-line errors.
    logger = logging.getLogger("mcp")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def _leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _first_error(error: Any) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "result"
    return f"{where}: {first.get('msg', 'invalid')}"
