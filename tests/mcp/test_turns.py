"""Scripted turns through the real CLI calling real MCP servers' tools; what lands in turn.json."""

import json
from pathlib import Path

import pytest

from tests.conftest import git, run_cli, text, tool
from tests.mcp.conftest import (
    HTTP_TOKEN,
    HttpServer,
    installed,
    stdio,
    tool_results,
    turn_json,
    write_mcp_json,
)

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "claude_code_mcp_tool.json").read_text())


def test_a_turn_calls_time_git_and_an_http_server_and_the_results_land_in_turn_json(
    repo: Path, script, http_server: HttpServer, bwrap
) -> None:
    write_mcp_json(repo, {
        "time": {"command": installed("mcp-server-time")},
        "git": {"command": installed("mcp-server-git"), "args": ["--repository", "."]},
        "notes": {"type": "http", "url": http_server.url, "headers": {"Authorization": "Bearer ${NOTES_TOKEN}"}},
    })  # fmt: skip
    assert run_cli(repo, "trust").code == 0
    model = script(
        [
            tool("mcp__time__get_current_time", timezone="Etc/UTC"),
            tool("mcp__git__git_status", repo_path="."),
            tool("mcp__notes__add", a=2, b=40),
        ],
        [text("done")],
    )
    result = run_cli(repo, "run", "-c", "t", "--model", model, "use the servers", env={"NOTES_TOKEN": HTTP_TOKEN})
    assert result.code == 0, result.err

    clock, status, add = tool_results(turn_json(repo, "t"))
    assert clock["name"] == "mcp__time__get_current_time" and not clock["is_error"]
    assert json.loads(clock["content"])["timezone"] == "Etc/UTC"
    assert clock["mcp"]["server"] == "time" and clock["mcp"]["structured_content"]["timezone"] == "Etc/UTC"
    assert "Repository status" in status["content"] and not status["is_error"]  # the worktree, seen by the server
    assert add["content"] == "42" and add["mcp"] == {
        "server": "notes", "tool": "add", "content": ["text"], "structured_content": {"result": 42},
    }  # fmt: skip
    assert f"Bearer {HTTP_TOKEN}" in http_server.authorizations
    trailers = git(
        repo, "log", "-1", "--format=%(trailers:key=Gitagent-Tools,valueonly)", "refs/gitagent/conversations/t"
    )
    assert "mcp__notes__add" in trailers


def test_a_deny_rule_refuses_an_mcp_tool_and_the_others_still_run(repo: Path, script, bwrap) -> None:
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    (repo / ".gitagent").mkdir()
    (repo / ".gitagent" / "config.toml").write_text('[permissions]\ndeny = ["mcp__time__convert_time"]\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "deny")
    model = script(
        [tool("mcp__time__convert_time", source_timezone="Etc/UTC", time="12:00", target_timezone="Asia/Tokyo")],
        [tool("mcp__time__get_current_time", timezone="Asia/Tokyo")],
        [text("done")],
    )
    result = run_cli(repo, "run", "-c", "d", "--trust-repo", "--model", model, "convert")
    assert result.code == 0, result.err
    turn = turn_json(repo, "d")
    denied, allowed = tool_results(turn)
    assert denied["is_error"] and "denied by rule mcp__time__convert_time" in denied["content"]
    assert "Asia/Tokyo" in allowed["content"] and not allowed["is_error"]
    verdicts = [e for e in turn["events"] if e["type"] == "permission"]
    assert verdicts == [{**verdicts[0], "name": "mcp__time__convert_time", "allowed": False, "by": "rule"}]


@pytest.mark.parametrize("rule", ["mcp__time", "mcp__time__*"])
def test_claude_codes_server_rule_denies_every_tool_of_the_server(repo: Path, script, rule: str, bwrap) -> None:
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"deny": [rule]}}))
    model = script([tool("mcp__time__get_current_time", timezone="Etc/UTC")], [text("done")])
    result = run_cli(repo, "run", "-c", "s", "--trust-repo", "--model", model, "time?")
    assert result.code == 0, result.err
    (denied,) = tool_results(turn_json(repo, "s"))
    assert denied["is_error"] and f"denied by rule {rule}" in denied["content"]


def test_ask_mode_needs_approval_for_mcp_tools_as_claude_code_does(repo: Path, script, bwrap) -> None:
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    model = script([tool("mcp__time__get_current_time", timezone="Europe/Paris")], [text("done")])
    result = run_cli(repo, "run", "-c", "a", "--trust-repo", "--approval", "ask", "--model", model, "time?")
    assert result.code == 0, result.err
    (refused,) = tool_results(turn_json(repo, "a"))
    assert refused["is_error"] and "ask mode" in refused["content"]
    # Claude Code in its default mode refuses the same call headless:
    assert FIXTURE["permission_denials"][0]["tool_name"] == refused["name"]


def test_a_pre_tool_use_hook_matches_an_mcp_tool_and_gets_claude_codes_fields(repo: Path, script, bwrap) -> None:
    seen = repo.parent / "hook-input.json"
    hook = f"cat > {seen}; echo 'not on my watch' >&2; exit 2"
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(json.dumps(
        {"hooks": {"PreToolUse": [{"matcher": "mcp__time__.*", "hooks": [{"type": "command", "command": hook}]}]}}
    ))  # fmt: skip
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    model = script([tool("mcp__time__get_current_time", timezone="Europe/Paris")], [text("done")])
    result = run_cli(repo, "run", "-c", "h", "--trust-repo", "--model", model, "time?")
    assert result.code == 0, result.err
    (blocked,) = tool_results(turn_json(repo, "h"))
    assert blocked["is_error"] and "not on my watch" in blocked["content"]
    payload = json.loads(seen.read_text())
    expected = FIXTURE["pre_tool_use"]  # what Claude Code sends for the same call
    assert {key: payload[key] for key in expected} == expected


def test_post_tool_use_hooks_get_an_mcp_result_or_failure_in_claude_codes_shape(repo: Path, script, bwrap) -> None:
    folder = repo.parent / "hook-inputs"
    folder.mkdir()
    hook = f'cat > "{folder}/$(date +%s%N).json"'
    groups = [{"matcher": "mcp__time__.*", "hooks": [{"type": "command", "command": hook}]}]
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"PostToolUse": groups, "PostToolUseFailure": groups}})
    )
    write_mcp_json(repo, {"time": {"command": installed("mcp-server-time")}})
    model = script(
        [tool("mcp__time__get_current_time", timezone="Europe/Paris")],
        [tool("mcp__time__get_current_time", timezone="Nowhere/Nope")],
        [text("done")],
    )
    assert run_cli(repo, "run", "-c", "p", "--trust-repo", "--model", model, "time?").code == 0
    post, failure = [json.loads(p.read_text()) for p in sorted(folder.iterdir())]
    expected = {k: v for k, v in FIXTURE["post_tool_use"].items() if k != "tool_response_type"}
    assert {key: post[key] for key in expected} == expected
    assert type(post["tool_response"]).__name__ == FIXTURE["post_tool_use"]["tool_response_type"]
    assert json.loads(post["tool_response"])["timezone"] == "Europe/Paris"
    assert {key: failure[key] for key in FIXTURE["post_tool_use_failure"]} == FIXTURE["post_tool_use_failure"]


def test_a_crashing_and_a_hanging_server_give_tool_errors_within_their_timeouts(repo: Path, script, bwrap) -> None:
    write_mcp_json(repo, {
        "probe": stdio("probe.py", tool_timeout_sec=2),
        "slow": {"command": "sleep", "args": ["60"], "startup_timeout_sec": 1},
        "garbage": stdio("garbage.py"),
    })  # fmt: skip
    model = script(
        [tool("mcp__probe__hang")],
        [tool("mcp__garbage__answer")],
        [tool("mcp__probe__crash")],
        [tool("mcp__probe__echo_secret")],
        [text("carried on")],
    )
    result = run_cli(repo, "run", "-c", "c", "--trust-repo", "--model", model, "break things")
    assert result.code == 0, result.err
    assert "MCP server 'slow' failed: did not start within 1s (startup_timeout_sec)" in result.err
    turn = turn_json(repo, "c")
    hung, garbage, crashed, after = tool_results(turn)
    assert hung["is_error"] and "did not answer within 2s (tool_timeout_sec)" in hung["content"]
    assert hung["duration_ms"] < 10_000
    assert garbage["is_error"] and "sent a malformed answer" in garbage["content"]
    assert crashed["is_error"] and "stopped" in crashed["content"] and "out of cheese" in crashed["content"]
    assert after["is_error"] and "MCP server 'probe' is not available" in after["content"]
    assert turn["status"] == "complete" and turn["result"] == "carried on"


def test_an_untrusted_repositorys_server_never_starts(repo: Path, script, tmp_path: Path) -> None:
    marker = tmp_path / "server-ran"
    server = {"command": "sh", "args": ["-c", f"echo ran > {marker}; exec {installed('mcp-server-time')}"],
              "sandbox": "none"}  # fmt: skip
    write_mcp_json(repo, {"sneaky": server})
    model = script([tool("mcp__sneaky__get_current_time", timezone="Etc/UTC")], [text("done")])

    result = run_cli(repo, "run", "-c", "u", "--model", model, "time?")
    assert result.code == 0, result.err
    assert "skipped untrusted repository MCP servers: sneaky (trust them with `gitagent trust`)" in result.err
    assert not marker.exists()
    (unknown,) = tool_results(turn_json(repo, "u"))
    assert unknown["is_error"] and "Unknown tool" in unknown["content"]
    assert "UNTRUSTED" in run_cli(repo, "trust", "--list").out

    assert run_cli(repo, "trust").code == 0  # the control: trusted, the same entry starts
    assert run_cli(repo, "run", "-c", "u", "--model", model, "time?").code == 0
    assert marker.exists()

    marker.unlink()  # a changed entry is a new content id: untrusted again
    write_mcp_json(repo, {"sneaky": {**server, "args": [*server["args"], "--local-timezone", "Etc/UTC"]}})
    result = run_cli(repo, "run", "-c", "u", "--model", model, "time?")
    assert "skipped untrusted repository MCP servers: sneaky" in result.err and not marker.exists()


def test_resources_are_listed_and_read_and_a_new_tool_appears_after_list_changed(
    repo: Path, script, http_server: HttpServer, tmp_path: Path
) -> None:
    home = tmp_path / "gitagent-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'[mcp_servers.notes]\nurl = "{http_server.url}"\nbearer_token_env_var = "NOTES_TOKEN"\n'
    )
    model = script(
        [tool("ListMcpResourcesTool")],
        [tool("ReadMcpResourceTool", server="notes", uri="notes://today")],
        [tool("mcp__notes__grow")],
        [tool("mcp__notes__fresh")],
        [text("done")],
    )
    result = run_cli(repo, "run", "-c", "r", "--model", model, "notes", env={"NOTES_TOKEN": HTTP_TOKEN})
    assert result.code == 0, result.err
    listed, read, grown, fresh = tool_results(turn_json(repo, "r"))
    assert json.loads(listed["content"]) == {
        "server": "notes", "uri": "notes://today", "name": "today", "mimeType": "text/plain",
        "description": "Today's notes",
    }  # fmt: skip
    assert read["content"] == "ship the MCP client"
    assert grown["content"] == "grown" and fresh["content"] == "fresh and new" and not fresh["is_error"]


def test_a_server_claude_code_settings_disable_does_not_start(repo: Path, script, bwrap) -> None:
    """`disabledMcpjsonServers` (what Claude Code keeps for a project server you turned off) is honoured."""
    marker = repo.parent / "second-started"
    time = installed("mcp-server-time")
    write_mcp_json(repo, {
        "time": {"command": time},
        "second": {"command": "sh", "args": ["-c", f"touch {marker}; exec {time}"], "sandbox": "none"},
    })  # fmt: skip
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.local.json").write_text(json.dumps({"disabledMcpjsonServers": ["second"]}))
    listing = run_cli(repo, "mcp", "list", "--no-check")
    assert "second: disabled (disabledMcpjsonServers in " in listing.out and "settings.local.json)" in listing.out
    model = script([tool("mcp__second__get_current_time", timezone="UTC")], [tool("mcp__time__get_current_time",
                   timezone="UTC")], [text("done")])  # fmt: skip
    result = run_cli(repo, "run", "-c", "off", "--trust-repo", "--model", model, "what time")
    assert result.code == 0, result.err
    refused, answered = tool_results(turn_json(repo, "off"))
    assert refused["is_error"] and "mcp__second__get_current_time" in refused["content"]
    assert not answered["is_error"] and not marker.exists()
