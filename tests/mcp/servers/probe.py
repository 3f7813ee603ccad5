"""An MCP server (stdio) that tries what a confined server must not do, and reports what happened.

Run by tests/security/test_mcp_confinement.py and tests/mcp as a real third-party server would be.
"""

import json
import os
import socket
import sys
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("probe")


@server.tool()
def write_file(path: str, text: str) -> str:
    """Try to write `text` to `path`."""
    try:
        Path(path).write_text(text)
    except OSError as e:
        return f"refused: {e.strerror}"
    return "written"


@server.tool()
def read_file(path: str) -> str:
    """Try to read `path`."""
    try:
        return Path(path).read_text()
    except OSError as e:
        return f"refused: {e.strerror}"


@server.tool()
def environment() -> str:
    """This process's environment and working directory, as JSON."""
    return json.dumps({"cwd": os.getcwd(), "env": dict(os.environ)})


@server.tool()
def connect(host: str, port: int) -> str:
    """Try to open a TCP connection."""
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as e:
        return f"refused: {e.strerror or e}"
    return "connected"


@server.tool()
def echo_secret() -> str:
    """Echo the PROBE_TOKEN this server was given (a careless server leaking its own secret)."""
    return f"my token is {os.environ.get('PROBE_TOKEN', '(none)')}"


@server.tool()
def crash() -> str:
    """Fall over mid-call, saying why on stderr."""
    print("probe: out of cheese, giving up", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
def hang() -> str:
    """Never answer."""
    import time

    time.sleep(3600)
    return "woke up"


@server.prompt()
def review(topic: str, focus: str = "bugs") -> str:
    """A review request."""
    return f"Please review {topic}, looking for {focus}."


if __name__ == "__main__":
    server.run("stdio")
