"""One MCP server: its client on the runtime's loop, its state, and blocking calls for the agent's thread.

A connection lives in one task on the loop (the SDK's contexts must be entered and left by the same task):
it starts the server, lists its tools, prompts and resources, then waits until it is closed, refreshing the
lists when the server says they changed (`list_changed`: a notification on older protocol versions, a
`subscriptions/listen` stream on 2026-07-28). A start that takes longer than `startup_timeout_sec` is
cancelled. Every failure, at start or in a call, becomes one line naming the server, with the variables'
secret values hidden, and the end of its standard error when that explains it.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any, TypeVar

import anyio
import mcp_types as types
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from gitagent import __version__
from gitagent.errors import GitagentError
from gitagent.mcp.config import MissingVariable, Resolved, ServerConfig, redact
from gitagent.mcp.launch import Place, stdio_launch
from gitagent.mcp.runtime import runtime

# The SDK logs a server's noise (lines that are not JSON-RPC) with tracebacks; the user sees our one-line errors.
logging.getLogger("mcp").addHandler(logging.NullHandler())
logging.getLogger("mcp").propagate = False

T = TypeVar("T")
PAGE_CAP = 100
STDERR_TAIL = 600


class McpFailure(Exception):
    """A call that could not be made or answered; the message is what the model and the user see."""


class Connection:
    """A configured server, started on the runtime's loop. `state`: starting, connected, failed or closed."""

    def __init__(self, config: ServerConfig, place: Place) -> None:
        self.config = config
        self.place = place
        self.state = "starting"
        self.error: str | None = None
        self.tools: list[types.Tool] = []
        self.prompts: list[types.Prompt] = []
        self.has_resources = False
        self.instructions: str | None = None
        self.server_info = ""
        """The server's own name and version, and the protocol version agreed."""
        self.secrets: list[str] = []
        self.version = 0
        """Bumped whenever the tool list changes."""
        self._client: Client | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._closing = False
        self._errlog: IO[str] | None = None
        self._running: concurrent.futures.Future[None] | None = None

    @property
    def name(self) -> str:
        """The server's configured name."""
        return self.config.name

    def start(self) -> None:
        """Begin starting the server in the background; `wait_ready` waits for it."""
        try:
            resolved = self.config.resolved(os.environ)
        except MissingVariable as e:
            self._fail(f"{e} (needed by its configuration in {self.config.origin})")
            return
        self.secrets = resolved.secrets
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
        if self.state in ("starting", "connected"):
            self.state = "closed"

    def _request_stop(self) -> None:
        self._closing = True
        if self._stop is not None:
            self._stop.set()

    async def _main(self, resolved: Resolved) -> None:
        self._stop = asyncio.Event()
        if self._closing:
            return
        task = asyncio.current_task()
        assert task is not None
        watchdog = asyncio.get_running_loop().call_later(self.config.startup_timeout, self._too_slow, task)
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
            self._errlog = errlog
            try:
                async with self._client_for(resolved, errlog) as client:
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
                self._client, self._errlog = None, None
                if self.state == "connected":
                    self.state = "closed"
                self._ready.set()

    def _too_slow(self, task: "asyncio.Task[None]") -> None:
        self._fail(f"did not start within {self.config.startup_timeout:g}s (startup_timeout_sec)")
        task.cancel()

    def _fail(self, message: str) -> None:
        if self.state in ("starting", "connected"):
            self.state, self.error = "failed", redact(message, self.secrets)
        self._ready.set()

    @contextlib.asynccontextmanager
    async def _client_for(self, resolved: Resolved, errlog: IO[str]) -> AsyncIterator[Client]:
        info = types.Implementation(name="gitagent", version=__version__)
        async with contextlib.AsyncExitStack() as stack:
            if self.config.transport == "stdio":
                launch = stdio_launch(self.config, resolved, self.place)
                params = StdioServerParameters(command=launch.command, args=launch.args, env=launch.env, cwd=launch.cwd)
                transport: Any = stdio_client(params, errlog=errlog)
            else:
                transport = _http_transport(self.config.transport, resolved)
            client = Client(transport, message_handler=self._on_message, client_info=info, cache=None)
            yield await stack.enter_async_context(client)

    async def _load(self, client: Client) -> None:
        capabilities = client.server_capabilities
        self.instructions = client.instructions
        info = client.server_info
        about = f"{info.name} {info.version}" if info else "(unnamed)"
        self.server_info = f"{about}, MCP {client.protocol_version}"
        self.tools = [t for t in await _all_pages(client.list_tools, "tools") if self.config.tool_allowed(t.name)]
        if capabilities.prompts is not None:
            self.prompts = await _all_pages(client.list_prompts, "prompts")
        self.has_resources = capabilities.resources is not None
        self.version += 1

    async def _serve(self, client: Client) -> None:
        assert self._stop is not None
        tools = client.server_capabilities.tools
        listening = tools is not None and tools.list_changed and client.protocol_version in MODERN_PROTOCOL_VERSIONS
        async with anyio.create_task_group() as group:
            if listening:
                group.start_soon(self._listen, client)
            await self._stop.wait()
            group.cancel_scope.cancel()

    async def _listen(self, client: Client) -> None:
        with contextlib.suppress(Exception):  # change events are a courtesy: without them the lists stay as listed
            async with client.listen(tools_list_changed=True, prompts_list_changed=True) as events:
                async for _ in events:
                    await self._load(client)

    async def _on_message(self, message: Any) -> None:
        changed = isinstance(message, types.ToolListChangedNotification | types.PromptListChangedNotification)
        if changed and self._client is not None:
            with contextlib.suppress(Exception):
                await self._load(self._client)

    def refresh(self) -> None:
        """List the server's tools and prompts again now (a change notice may still be on its way)."""
        self.request(self._load)

    def request(self, what: Callable[[Client], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `what(client)` on the loop and wait; raises McpFailure with a message for the model."""
        limit = self.config.tool_timeout if timeout is None else timeout
        if self.state != "connected" or self._client is None:
            raise McpFailure(f"MCP server {self.name!r} is not available: {self.error or self.state}")
        client = self._client
        try:
            return runtime().run(_within(what(client), limit), limit + 5)
        except TimeoutError:
            raise McpFailure(
                f"MCP server {self.name!r} did not answer within {limit:g}s (tool_timeout_sec); the call was cancelled"
            ) from None
        except MCPError as e:
            if e.code == types.CONNECTION_CLOSED:
                self._fail(f"stopped (it exited or closed the connection){self._stderr_note()}")
                raise McpFailure(f"MCP server {self.name!r} {self.error}") from None
            raise McpFailure(redact(f"MCP server {self.name!r} returned an error: {e.message}", self.secrets)) from None
        except ValidationError as e:
            raise McpFailure(f"MCP server {self.name!r} sent a malformed answer: {_first_error(e)}") from None
        except (McpFailure, KeyboardInterrupt):
            raise
        except Exception as e:
            raise McpFailure(redact(f"MCP server {self.name!r}: {self._describe(e)}", self.secrets)) from None

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, GitagentError):
            hint = f"; {error.hint}" if error.hint else ""
            return f'{error.message}{hint}; or give it "sandbox": "none" to run it unconfined'
        if isinstance(error, MCPError) and error.code == types.CONNECTION_CLOSED:
            return f"the server exited or closed the connection during start-up{self._stderr_note()}"
        if isinstance(error, FileNotFoundError | PermissionError):
            return f"cannot run {self.config.command!r}: {error.strerror}"
        if isinstance(error, ValidationError):
            return f"it sent a malformed answer: {_first_error(error)}"
        text = str(error) or type(error).__name__
        return text.splitlines()[0][:300] + self._stderr_note()

    def _stderr_note(self) -> str:
        if self._errlog is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            fd = self._errlog.fileno()
            size = os.fstat(fd).st_size
            tail = os.pread(fd, STDERR_TAIL, max(0, size - STDERR_TAIL)).decode("utf-8", "replace").strip()
            if tail:
                return f"; its stderr ends: {' | '.join(tail.splitlines()[-4:])}"
        return ""


async def _within(awaitable: Awaitable[T], timeout: float) -> T:
    return await asyncio.wait_for(awaitable, timeout)


async def _all_pages(fetch: Callable[..., Awaitable[Any]], attribute: str) -> list[Any]:
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


def _leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "result"
    return f"{where}: {first.get('msg', 'invalid')}"
