"""Connections in-process: start-up in parallel within timeouts, list_changed, secrets kept out of what the
model and the user see, and the SDK loaded only when a server is used."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitagent.mcp.config import parse_server
from gitagent.mcp.hub import Hub
from gitagent.mcp.launch import Place
from gitagent.mcp.tools import McpTool
from gitagent.mcp.toolset import McpToolset
from tests.mcp.conftest import HTTP_TOKEN, HttpServer, stdio


def _place(repo: Path) -> Place:
    return Place(repo, repo / ".git", sandbox="none")


def test_servers_start_in_parallel_and_a_slow_one_waits_no_longer_than_its_timeout(repo: Path) -> None:
    slow = {"command": sys.executable, "args": ["-c", "import time; time.sleep(60)"], "startup_timeout_sec": 2}
    servers = [parse_server(f"p{n}", stdio("probe.py"), "user", "test") for n in range(3)]
    servers.append(parse_server("slow", slow, "user", "test"))
    hub = Hub()
    started = time.monotonic()
    toolset = McpToolset(hub.attach(servers, _place(repo)))
    assert time.monotonic() - started < 1  # attaching only starts them
    notes: list[str] = []
    toolset.ready(notes.append)
    waited = time.monotonic() - started
    try:
        assert [c.state for c in toolset.connections] == ["connected"] * 3 + ["failed"]
        assert notes == ["MCP server 'slow' failed: did not start within 2s (startup_timeout_sec)"]
        assert waited < 8  # the slow server's 2 s, not 3 starts one after another plus it
        assert {t.name for t in toolset.all_tools()} >= {"mcp__p0__crash", "mcp__p2__hang"}
    finally:
        hub.close_all(wait=5)


def test_a_tools_list_changed_event_updates_the_tools_without_a_call(repo: Path, http_server: HttpServer) -> None:
    entry = {"url": http_server.url, "headers": {"Authorization": f"Bearer {HTTP_TOKEN}"}}
    hub = Hub()
    (connection,) = hub.attach([parse_server("notes", entry, "user", "test")], _place(repo))
    try:
        connection.wait_ready()
        assert "fresh" not in [t.name for t in connection.tools]
        connection.request(lambda client: client.call_tool("grow", {}))
        deadline = time.monotonic() + 10
        while "fresh" not in [t.name for t in connection.tools] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "fresh" in [t.name for t in connection.tools]
    finally:
        hub.close_all(wait=5)


def test_a_servers_secrets_are_hidden_in_what_it_answers(
    repo: Path, http_server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTES_TOKEN", HTTP_TOKEN)
    entry = {"url": http_server.url, "headers": {"Authorization": "Bearer ${NOTES_TOKEN}"}}
    hub = Hub()
    toolset = McpToolset(hub.attach([parse_server("notes", entry, "user", "test")], _place(repo)))
    try:
        toolset.ready()
        leak = toolset.find("mcp__notes__leak_token")
        assert isinstance(leak, McpTool)
        result = leak.call({})
        assert f"Bearer {HTTP_TOKEN}" in http_server.authorizations
        assert result.output == "you sent ***" and HTTP_TOKEN not in str(result.metadata)
    finally:
        hub.close_all(wait=5)


def test_a_missing_variable_fails_the_server_with_the_fix(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    entry = {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${NO_SUCH_TOKEN}"}}
    hub = Hub()
    (connection,) = hub.attach([parse_server("docs", entry, "project", ".mcp.json")], _place(repo))
    assert connection.state == "failed"
    assert connection.error == "${NO_SUCH_TOKEN} is not set (needed by its configuration in .mcp.json)"


def test_an_unreachable_http_server_fails_in_one_line(repo: Path) -> None:
    hub = Hub()
    (connection,) = hub.attach([parse_server("down", {"url": "http://127.0.0.1:9/mcp"}, "user", "x")], _place(repo))
    connection.wait_ready()
    assert connection.state == "failed" and connection.error and "\n" not in connection.error


def test_running_without_servers_never_loads_the_mcp_sdk(repo: Path, script) -> None:
    model = script([{"type": "text", "text": "hi"}])
    code = (
        "import sys\nfrom gitagent.cli.app import main\n"
        f"try:\n    main(['run', '-c', 'x', '--model', {model!r}, 'hello'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED' if any(m == 'mcp' or m.startswith('mcp.') for m in sys.modules) else 'NOT LOADED')"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().endswith("NOT LOADED"), done.stderr


def test_images_become_notes_long_output_is_cut_and_sse_still_works(
    repo: Path, http_server: HttpServer, sse_server: HttpServer
) -> None:
    auth = {"Authorization": f"Bearer {HTTP_TOKEN}"}
    servers = [
        parse_server("notes", {"url": http_server.url, "headers": auth}, "user", "test"),
        parse_server("old", {"type": "sse", "url": sse_server.url, "headers": auth}, "user", "test"),
    ]
    hub = Hub()
    toolset = McpToolset(hub.attach(servers, _place(repo)))
    try:
        toolset.ready()
        assert [c.state for c in toolset.connections] == ["connected", "connected"]
        chart = _tool(toolset, "mcp__notes__chart").call({})
        assert chart.output == "sales are up\n[image image/png, 2,048 bytes: not shown to the model]"
        assert chart.metadata["mcp"]["content"] == ["text", "image"]
        dump = _tool(toolset, "mcp__old__dump").call({"size": 100_000})
        assert len(dump.output) < 31_000 and "characters cut ...]" in dump.output
        assert dump.output.startswith("line 0\nline 1\n")
    finally:
        hub.close_all(wait=5)


def _tool(toolset: McpToolset, name: str) -> McpTool:
    tool = toolset.find(name)
    assert isinstance(tool, McpTool), name
    return tool
