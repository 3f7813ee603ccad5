"""`gitagent mcp list | get | add | remove | test` and `doctor` through the real CLI, on real servers."""

import json
import os
import stat
import tomllib
from pathlib import Path

from tests.conftest import run_cli
from tests.mcp.conftest import HTTP_TOKEN, HttpServer, installed, stdio, write_mcp_json


def test_mcp_test_connects_lists_schemas_and_calls_a_tool_on_each_kind_of_server(
    repo: Path, cli, http_server: HttpServer, bwrap
) -> None:
    cli("mcp", "add", "time", "--", installed("mcp-server-time"))
    cli("mcp", "add", "git", "--", installed("mcp-server-git"), "--repository", ".")
    cli("mcp", "add", "-t", "http", "notes", http_server.url, "-H", "Authorization: Bearer ${NOTES_TOKEN}")

    time = cli("mcp", "test", "time", "get_current_time", "--input", '{"timezone": "Asia/Tokyo"}').out
    assert time.startswith("time: connected (mcp-time ") and "2 tools" in time
    assert '"required": [' in time and '"target_timezone"' in time  # the schemas, whole
    assert "call mcp__time__get_current_time" in time and '"timezone": "Asia/Tokyo"' in time

    status = cli("mcp", "test", "git", "git_status", "--input", '{"repo_path": "."}').out
    assert "mcp__git__git_log" in status and "Repository status:" in status and "On branch main" in status

    result = run_cli(repo, "mcp", "test", "notes", env={"NOTES_TOKEN": HTTP_TOKEN})
    assert result.code == 0, result.err
    assert "notes: connected (notes" in result.out and "prompts: standup" in result.out
    assert "call mcp__notes__leak_token {}:\nyou sent ***" in result.out  # the first tool needing no input
    assert HTTP_TOKEN not in result.out + result.err

    added = run_cli(repo, "mcp", "test", "notes", "add", "--input", '{"a": 1, "b": 2}', env={"NOTES_TOKEN": "wrong"})
    assert added.code == 1 and "notes: failed:" in added.out and "wrong" not in added.out


def test_list_shows_scope_target_and_state_and_get_masks_secrets(repo: Path, cli) -> None:
    write_mcp_json(repo, {"repo-time": {"command": installed("mcp-server-time")}})
    probe = stdio("probe.py")
    secrets = ["-e", "PROBE_TOKEN=literal-secret-value", "-e", "MODE=${PROBE_MODE:-fast}"]
    cli("mcp", "add", "probe", *secrets, "--no-sandbox", "--", probe["command"], *probe["args"])
    listing = cli("mcp", "list").out
    rows = {line.split()[0]: line for line in listing.splitlines()[1:] if line.strip()}
    assert rows["probe"].split()[1:3] == ["local", "stdio"] and rows["probe"].endswith("connected: 7 tools")
    assert rows["repo-time"].split()[1] == "project" and rows["repo-time"].endswith("untrusted")
    assert "repo-time: run `gitagent trust` to let it start" in listing

    shown = cli("mcp", "get", "probe").out
    assert (
        "literal-secret-value" not in shown
        and '"PROBE_TOKEN": "***"' in shown
        and '"MODE": "${PROBE_MODE:-fast}"' in shown
    )
    assert "sandbox:             none" in shown and "trusted:             true" in shown

    data = json.loads(cli("mcp", "list", "--json", "--no-check").out)
    assert [(s["name"], s["state"]) for s in data["servers"]] == [("probe", "not checked"), ("repo-time", "untrusted")]


def test_add_and_remove_write_each_scopes_file_in_its_ecosystems_shape(repo: Path, cli, tmp_path: Path) -> None:
    home = tmp_path / "gitagent-home"
    assert "local scope" in cli("mcp", "add", "a", "--", "srv", "--flag").out
    local = home / "mcp.json"
    assert json.loads(local.read_text()) == {
        "projects": {str(repo): {"mcpServers": {"a": {"type": "stdio", "command": "srv", "args": ["--flag"]}}}}
    }
    assert stat.S_IMODE(os.stat(local).st_mode) == 0o600  # it may hold a token

    out = cli("mcp", "add", "-s", "project", "-t", "http", "b", "https://example.com/mcp", "-H", "X-Key: ${KEY}").out
    assert "starts once trusted" in out
    assert json.loads((repo / ".mcp.json").read_text()) == {
        "mcpServers": {"b": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Key": "${KEY}"}}}
    }
    (home / "config.toml").write_text('model = "x"\n\n[mcp_servers.keep]\ncommand = "k"\n')
    cli("mcp", "add", "-s", "user", "--network", "c", "--", "srv2", "-v")
    assert tomllib.loads((home / "config.toml").read_text())["mcp_servers"] == {
        "keep": {"command": "k"}, "c": {"type": "stdio", "command": "srv2", "args": ["-v"], "network": True},
    }  # fmt: skip
    duplicate = cli("mcp", "add", "-s", "user", "c", "--", "x", expect=1)
    assert "already has an MCP server 'c'" in duplicate.err and "gitagent mcp remove c --scope user" in duplicate.err

    for name in ("a", "b", "c"):
        assert f"removed MCP server {name!r}" in cli("mcp", "remove", name).out
    assert tomllib.loads((home / "config.toml").read_text()) == {
        "model": "x",
        "mcp_servers": {"keep": {"command": "k"}},
    }
    assert json.loads((repo / ".mcp.json").read_text()) == {"mcpServers": {}}
    missing = cli("mcp", "remove", "a", expect=1)
    assert "no MCP server named 'a' (configured: keep)" in missing.err


def test_add_refuses_a_name_claude_code_would_not_take_too_long_or_read_as_an_option(repo: Path, cli) -> None:
    rule = (
        "  use 1 to 32 letters, digits, '-' and '_', not starting with '-' (as in Claude Code; its tools are named"
        " mcp__NAME__TOOL, which must fit in 64 characters)"
    )
    for name, shown in [
        ("a" * 300, f"'{'a' * 40}… (300 characters)'"), ("-x", "'-x'"), ("a.b", "'a.b'"), ("my server", "'my server'"),
        ("é", "'é'"), ("a" * 33, f"'{'a' * 33}'"),
    ]:  # fmt: skip
        refused = cli("mcp", "add", "--", name, "srv", expect=1)
        assert refused.err.splitlines() == [f"gitagent: error: invalid MCP server name {shown}", rule]
    assert "No MCP servers configured" in cli("mcp", "list").out
    assert "added MCP server 'Git_hub-2'" in cli("mcp", "add", "Git_hub-2", "--", "srv").out
    assert "added MCP server" in cli("mcp", "add", "b" * 32, "--", "srv").out


def test_an_untrusted_server_is_not_tested_and_doctor_reports_schema_tokens(repo: Path, cli) -> None:
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    refused = cli("mcp", "test", "time", expect=1)
    assert "comes from the repository (.mcp.json) and is not trusted: not started" in refused.err
    assert "Traceback" not in refused.err
    cli("trust")
    doctor = cli("doctor").out
    line = next(line for line in doctor.splitlines() if line.startswith("mcp"))
    assert "1 server: 1 connected; 2 tools, schemas ~" in line and "all sent (deferred past 40 tools" in line
