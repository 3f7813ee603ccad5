"""The process's live MCP connections: reused from turn to turn (the chat), restarted when their
configuration or place changes or after they failed, and closed when the process exits."""

import atexit
import threading
import time

from gitagent.mcp.config import ServerConfig
from gitagent.mcp.connection import Connection
from gitagent.mcp.launch import Place

EXIT_WAIT_S = 5.0
"""How long exiting waits for servers to shut down cleanly (the SDK closes stdin, then terminates them)."""


class Hub:
    """Connections keyed by what they were started with."""

    def __init__(self) -> None:
        self.connections: dict[tuple[str, str, Place | None], Connection] = {}
        self._lock = threading.Lock()

    def attach(self, servers: list[ServerConfig], place: Place) -> list[Connection]:
        """Connections to `servers` at `place`: live ones reused, others started (in parallel, in the
        background); connections no longer wanted are closed."""
        wanted = {_key(server, place): server for server in servers if server.enabled}
        with self._lock:
            for key in [k for k in self.connections if k not in wanted]:
                self.connections.pop(key).close()
            attached = []
            for key, server in wanted.items():
                connection = self.connections.get(key)
                if connection is None or connection.state in ("failed", "closed"):
                    connection = Connection(server, place)
                    connection.start()
                    self.connections[key] = connection
                attached.append(connection)
            return attached

    def live(self) -> list[Connection]:
        """Every connection this process holds."""
        with self._lock:
            return list(self.connections.values())

    def close_all(self, wait: float = 0.0) -> None:
        """Close every connection, waiting up to `wait` seconds for the servers to stop."""
        with self._lock:
            connections = list(self.connections.values())
            self.connections.clear()
        for connection in connections:
            connection.close()
        deadline = time.monotonic() + wait
        for connection in connections:
            connection.wait_stopped(max(0.0, deadline - time.monotonic()))


def _key(server: ServerConfig, place: Place) -> tuple[str, str, Place | None]:
    return (server.name, server.content_id, place if server.transport == "stdio" else None)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    """The process's hub (its servers are stopped when the process exits)."""
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = Hub()
            atexit.register(_hub.close_all, EXIT_WAIT_S)
        return _hub
