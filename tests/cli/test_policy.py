"""Approval modes, rules and the network switch, through `gitagent run` and recorded in the turn."""

import json
from pathlib import Path

from tests.conftest import conversation_head, git, text, tool, worktree

PUSHY = ([tool("Bash", command="git push origin main"), tool("Bash", command="echo fine > ok.txt")], [text("tried")])


def _events(repo: Path, name: str) -> list[dict]:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]


def test_a_deny_rule_blocks_the_call_and_is_recorded(repo: Path, cli, script) -> None:
    (repo / ".gitagent").mkdir()
    (repo / ".gitagent" / "config.toml").write_text('[permissions]\ndeny = ["Bash(git push *)"]\n')
    cli("run", "-c", "d", "--model", script(*PUSHY), "push it")
    events = _events(repo, "d")
    denial = next(e for e in events if e["type"] == "permission")
    assert denial["allowed"] is False and "Bash(git push *)" in denial["reason"]
    results = [e for e in events if e["type"] == "tool_result"]
    assert results[0]["is_error"] and results[0]["content"].startswith("Permission denied")
    assert (worktree(repo, "d") / "ok.txt").read_text() == "fine\n"  # the other call ran
    assert "denied Bash (rule)" in cli("show", "d").out


def test_ask_mode_refuses_commands_headless_but_allows_reads(repo: Path, cli, script) -> None:
    responses = ([tool("Read", file_path="README.md"), tool("Write", file_path="x.txt", content="x")], [text("ok")])
    cli("run", "-c", "a", "--approval", "ask", "--model", script(*responses), "try")
    results = [e for e in _events(repo, "a") if e["type"] == "tool_result"]
    assert not results[0]["is_error"] and "# demo" in results[0]["content"]
    assert results[1]["is_error"] and "headless" in results[1]["content"]
    assert not (worktree(repo, "a") / "x.txt").exists()


def test_repository_allow_rules_count_only_once_trusted(repo: Path, cli, script) -> None:
    (repo / ".gitagent").mkdir()
    config = repo / ".gitagent" / "config.toml"
    config.write_text('[permissions]\nallow = ["Write"]\n')
    write = ([tool("Write", file_path="x.txt", content="x")], [text("ok")])
    cli("run", "-c", "u", "--approval", "ask", "--model", script(*write), "w")
    assert not (worktree(repo, "u") / "x.txt").exists()
    blob = git(repo, "hash-object", str(config)).strip()
    git(repo, "config", "--add", "gitagent.trust", blob)
    cli("run", "-c", "t", "--approval", "ask", "--model", script(*write), "w")
    assert (worktree(repo, "t") / "x.txt").read_text() == "x"


def test_network_choice_is_recorded(repo: Path, cli, script) -> None:
    cli("run", "-c", "n", "--allow-network", "--model", script([text("ok")]), "x")
    assert "Gitagent-Sandbox: bwrap+network" in conversation_head(repo, "n").message
    git(repo, "config", "gitagent.m.allowNetwork", "true")
    cli("run", "-c", "m", "--model", script([text("ok")]), "x")
    assert "Gitagent-Sandbox: bwrap+network" in conversation_head(repo, "m").message
    cli("run", "-c", "o", "--model", script([text("ok")]), "x")
    assert "Gitagent-Sandbox: bwrap\n" in conversation_head(repo, "o").message


def test_sandbox_none_is_loud_and_recorded(repo: Path, cli, script) -> None:
    result = cli("run", "-c", "x", "--sandbox", "none", "--model", script([text("ok")]), "x")
    assert "UNCONFINED" in result.err
    assert "Gitagent-Sandbox: none" in conversation_head(repo, "x").message
