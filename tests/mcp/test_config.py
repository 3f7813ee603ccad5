"""Configuration as Claude Code and Codex write it, where it is read from, and `${VAR}` expansion."""

import json
import tomllib
from pathlib import Path

import pytest

from gitagent.mcp.config import MissingVariable, expand, mcp_tool_name, parse_server
from gitagent.mcp.sources import discover_servers, toml_table

CLAUDE_CODE_JSON = {
    "mcpServers": {
        "github": {"type": "http", "url": "https://api.example.com/mcp",
                   "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}},
        "db": {"command": "npx", "args": ["-y", "db-server", "--url", "${DB_URL:-postgres://localhost/dev}"],
               "env": {"DB_PASSWORD": "${DB_PASSWORD}"}},
        "legacy": {"type": "sse", "url": "http://127.0.0.1:9/sse"},
    }
}  # fmt: skip

CODEX_TOML = """
[mcp_servers.docs]
command = "docs-server"
args = ["--root", "docs"]
env = { DOCS_MODE = "strict" }
startup_timeout_sec = 20
tool_timeout_sec = 120
enabled_tools = ["search", "fetch"]
disabled_tools = ["fetch"]

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "REMOTE_TOKEN"
http_headers = { "X-Team" = "core" }
enabled = false
"""


def test_claude_codes_mcp_json_and_codexs_toml_are_both_read(repo: Path, tmp_path: Path) -> None:
    (repo / ".mcp.json").write_text(json.dumps(CLAUDE_CODE_JSON))
    (tmp_path / "gitagent-home").mkdir(exist_ok=True)
    (tmp_path / "gitagent-home" / "config.toml").write_text(CODEX_TOML)
    found = discover_servers(repo)
    assert found.problems == []
    by_name = {s.name: s for s in found.servers}
    assert [(s.name, s.source, s.transport) for s in found.servers] == [
        ("github", "project", "http"), ("db", "project", "stdio"), ("legacy", "project", "sse"),
        ("docs", "user", "stdio"), ("remote", "user", "http"),
    ]  # fmt: skip
    docs = by_name["docs"]
    assert (docs.command, docs.args, docs.env) == ("docs-server", ("--root", "docs"), {"DOCS_MODE": "strict"})
    assert (docs.startup_timeout, docs.tool_timeout) == (20.0, 120.0)
    assert [docs.tool_allowed(t) for t in ("search", "fetch", "other")] == [True, False, False]
    remote = by_name["remote"]
    assert not remote.enabled and remote.headers == {"X-Team": "core"}
    resolved = remote.resolved({"REMOTE_TOKEN": "r-123456789"})
    assert resolved.headers == {"X-Team": "core", "Authorization": "Bearer r-123456789"}
    assert by_name["github"].needs_trust and not docs.needs_trust


def test_variables_expand_when_a_server_starts_with_defaults_and_a_clear_error() -> None:
    db = parse_server("db", CLAUDE_CODE_JSON["mcpServers"]["db"], "project", ".mcp.json")
    resolved = db.resolved({"DB_PASSWORD": "hunter2-hunter2"})
    assert resolved.args == ["-y", "db-server", "--url", "postgres://localhost/dev"]
    assert resolved.env == {"DB_PASSWORD": "hunter2-hunter2"} and resolved.secrets == ["hunter2-hunter2"]
    assert db.resolved({"DB_PASSWORD": "x" * 8, "DB_URL": "postgres://prod"}).args[-1] == "postgres://prod"
    with pytest.raises(MissingVariable, match=r"\$\{DB_PASSWORD\} is not set"):
        db.resolved({})
    assert expand("${A:-fallback}", {"A": ""}) == "fallback" and expand("${A}", {"A": ""}) == ""
    assert db.raw["env"] == {"DB_PASSWORD": "${DB_PASSWORD}"}  # the file's text is what trust is recorded on


def test_scopes_shadow_in_claude_codes_order_and_bad_entries_are_reported(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "gitagent-home"
    home.mkdir(exist_ok=True)
    (home / "mcp.json").write_text(json.dumps({"projects": {str(repo): {"mcpServers": {"x": {"command": "local"}}}}}))
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "x": {"command": "project"}, "y": {"command": "project"}, "broken": {"type": "websocket", "url": "ws://"},
        "typo": {"comand": "oops", "command": "ok"},
    }}))  # fmt: skip
    (repo / ".gitagent").mkdir()
    (repo / ".gitagent" / "config.toml").write_text('[mcp_servers.y]\ncommand = "repo-config"\n')
    (home / "config.toml").write_text('[mcp_servers.z]\ncommand = "user"\n[mcp_servers.nothing]\nargs = ["a"]\n')
    found = discover_servers(repo)
    assert [(s.name, s.command) for s in found.servers] == [("x", "local"), ("y", "project"), ("typo", "ok"),
                                                            ("z", "user")]  # fmt: skip
    assert [(s.name, s.command) for s in found.shadowed] == [("x", "project"), ("y", "repo-config")]
    assert found.problems == [
        ".mcp.json: MCP server 'broken': unknown type 'websocket' (use one of: stdio, http, sse)",
        ".mcp.json: MCP server 'typo': unknown keys comand",
        f"{home / 'config.toml'}: MCP server 'nothing': a stdio server needs a `command` (or give a `url` for an "
        "HTTP server)",
    ]


def test_tool_names_are_claude_codes_and_providers_accept_them() -> None:
    assert mcp_tool_name("github", "create_issue") == "mcp__github__create_issue"
    assert mcp_tool_name("my.server", "do it!") == "mcp__my_server__do_it_"
    assert len(mcp_tool_name("s" * 40, "t" * 40)) == 64


def test_the_toml_gitagent_writes_is_codexs_shape() -> None:
    entry = {"command": "srv", "args": ["--flag", 'quote"d'], "env": {"A B": "1"}, "network": True}
    assert tomllib.loads(toml_table("my.server", entry)) == {"mcp_servers": {"my.server": entry}}
