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


def test_claude_code_rules_from_its_settings_files_are_honoured(repo: Path, cli, script) -> None:
    (repo / "secret.txt").write_text("the secret\n")
    git(repo, "add", "secret.txt")
    git(repo, "commit", "-qm", "secret")
    (repo / ".claude").mkdir()
    deny = {"permissions": {"deny": ["Read(./secret.txt)", "Bash(curl:*)", "Bahs(ls)"]}}
    (repo / ".claude" / "settings.json").write_text(json.dumps(deny))
    (repo / ".claude" / "settings.local.json").write_text(json.dumps({"permissions": {"ask": ["Bash(git push:*)"]}}))
    calls = [tool("Read", file_path="secret.txt"), tool("Bash", command="echo x && curl -s http://127.0.0.1:9"),
             tool("Bash", command="git push origin main"), tool("Read", file_path="README.md")]  # fmt: skip
    result = cli("run", "-c", "cc", "--model", script(calls, [text("tried")]), "try")
    assert "warning: " in result.err and "permission rule Bahs(ls): no tool is called 'Bahs'" in result.err
    results = [e for e in _events(repo, "cc") if e["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [True, True, True, False]
    assert "Read(./secret.txt)" in results[0]["content"] and "the secret" not in json.dumps(results)
    assert "Bash(curl:*)" in results[1]["content"] and "asks for approval" in results[2]["content"]


def test_the_same_claude_code_rules_work_in_gitagents_config(repo: Path, cli, script) -> None:
    (repo / ".gitagent").mkdir()
    (repo / ".gitagent" / "config.toml").write_text('[permissions]\ndeny = ["Read(./README.md)", "Bash(curl:*)"]\n')
    calls = [tool("Read", file_path="README.md"), tool("Bash", command="curl -s http://127.0.0.1:9")]
    cli("run", "-c", "g", "--model", script(calls, [text("tried")]), "try")
    results = [e for e in _events(repo, "g") if e["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [True, True] and all("denied by rule" in r["content"] for r in results)


def test_claude_code_allow_rules_count_once_trusted_and_trust_lists_the_file(repo: Path, cli, script) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"allow": ["Edit(notes/**)"]}}))
    write = ([tool("Write", file_path="notes/x.txt", content="x")], [text("ok")])
    cli("run", "-c", "u", "--approval", "ask", "--model", script(*write), "w")
    assert not (worktree(repo, "u") / "notes" / "x.txt").exists()
    assert "UNTRUSTED  config  .claude/settings.json (its allow rules)" in cli("trust", "--list").out
    cli("trust")
    cli("run", "-c", "t", "--approval", "ask", "--model", script(*write), "w")
    assert (worktree(repo, "t") / "notes" / "x.txt").read_text() == "x"
