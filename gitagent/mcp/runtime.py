"""The one asyncio event loop the MCP clients run on, in a background thread.

The agent's loop is synchronous (the chat runs each turn in a worker thread); the SDK is asyncio. Every
client lives on this loop, and the agent's thread hands it coroutines and waits for their results in short
slices, so an interruption (the chat's Esc, raised as KeyboardInterrupt in that thread) is seen at once.
"""

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
WAIT_SLICE_S = 0.1


class Runtime:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gitagent-mcp", daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> "concurrent.futures.Future[T]":
        """Run `coro` on the loop; the future is its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the loop and wait for it; on timeout (TimeoutError) or interruption it is cancelled."""
        return wait(self.submit(coro), timeout)


def wait(future: "concurrent.futures.Future[T]", timeout: float) -> T:
    """`future`'s result, waited for in slices; cancels it and raises TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                future.cancel()
                raise TimeoutError
            try:
                return future.result(timeout=min(WAIT_SLICE_S, remaining))
            except TimeoutError:
                if future.done():  # the coroutine's own TimeoutError, not the wait's
                    raise
    except KeyboardInterrupt:
        future.cancel()
        raise


_lock = threading.Lock()
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The process's MCP event loop, started on first use."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime()
        return _runtime
