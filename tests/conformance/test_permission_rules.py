"""gitagent decides tool calls as Claude Code did under the same rules, in its three settings files.

The fixture (`fixtures/claude-permissions.json`, made by `record_rules.py` with the Claude Code version it
names) holds 24 rules across `.claude/settings.json`, `.claude/settings.local.json` and `~/.claude/settings.json`
and, for each of 52 calls, whether Claude Code ran it (allow), refused it for a deny rule (deny), or wanted a
person's approval (ask), in its `default` mode (gitagent's `ask`) and its `bypassPermissions` mode (gitagent's
`auto`, where the sandbox confines what runs).
"""

import json
from pathlib import Path

import pygit2
import pytest

from gitagent.agent.permissions import Permissions, permissions_for, repository_rule_files
from gitagent.agent.trust import content_id, trust
from tests.conformance.rules_scenarios import (
    FIXTURES,
    LOCAL_RULES,
    PROJECT_RULES,
    USER_RULES,
    git,
    permission_repo,
    with_paths,
)

FIXTURE = json.loads((FIXTURES / "claude-permissions.json").read_text())

READ_ONLY_COMMAND = (
    "Claude Code lets commands it classifies as read-only run without a rule; gitagent keeps no such list: in ask "
    "mode every command needs a rule (the sandbox bounds what any command can do)"
)
COMMAND_READS = (
    "Claude Code applies Read deny rules to the files a read-only command names; gitagent's Read rules are for its "
    "file tools, and files a repository ignores (.env and the like) are not in the agent's worktree at all"
)
DIFFERENCES = {
    ("ask", "Bash", "lsof -v"): ("ask", READ_ONLY_COMMAND),
    ("ask", "Bash", "cat README.md"): ("ask", READ_ONLY_COMMAND),
    ("ask", "Bash", "cat secret.txt"): ("ask", COMMAND_READS),
    ("auto", "Bash", "cat secret.txt"): ("allow", COMMAND_READS),
    ("ask", "Write", "$REPO/notes/n2.md"): ("allow", "Claude Code accepts Write(path) rules and never applies them; "
                                            "gitagent applies them to the Write tool, as they read"),
}  # fmt: skip
"""Calls gitagent decides differently on purpose: (gitagent's mode, tool, command or path) -> (its outcome, why)."""


def _key(call: dict) -> tuple[str, str]:
    tool_input = call["input"]
    return call["name"], tool_input.get("command") or tool_input.get("file_path") or tool_input.get("url", "")


def _outcome(permissions: Permissions, call: dict) -> str:
    decision = permissions.decide({"type": "tool_use", "id": "t", **call})
    return "allow" if decision.allowed else "ask" if decision.asked else "deny"


@pytest.fixture
def permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Permissions:
    """The scenario's repository, trusted as Claude Code's workspace was, with a conversation worktree."""
    repo, home = permission_repo(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    handle = pygit2.Repository(str(repo))
    trust(handle, [content_id(p.read_bytes()) for p in repository_rule_files(repo) if p.is_file()])
    worktree = repo / ".git" / "gitagent" / "worktrees" / "c"
    git(repo, "worktree", "add", "-q", "--detach", str(worktree))
    found = permissions_for(handle, "ask")
    found.worktree = worktree
    assert found.warnings == []
    return found


def test_the_fixture_was_recorded_with_these_rules() -> None:
    assert FIXTURE["rules"] == {"project": PROJECT_RULES, "local": LOCAL_RULES, "user": USER_RULES}
    rules = [r for scope in FIXTURE["rules"].values() for kind in scope.values() for r in kind]
    assert (
        len(rules) >= 20
        and FIXTURE["claude_code"]
        and FIXTURE["modes"] == {"default": "ask", "bypassPermissions": "auto"}
    )


@pytest.mark.parametrize("claude_mode", ["default", "bypassPermissions"])
def test_every_call_is_decided_as_claude_code_decided_it(
    permissions: Permissions, tmp_path: Path, claude_mode: str
) -> None:
    permissions.mode = FIXTURE["modes"][claude_mode]
    worktree = permissions.worktree
    assert worktree is not None
    mismatches = []
    for entry in FIXTURE["calls"]:
        call = with_paths(entry["call"], worktree, tmp_path / "home")
        claude = entry["outcomes"][claude_mode]
        expected = DIFFERENCES.get((permissions.mode, *_key(entry["call"])), (claude, ""))[0]
        if (got := _outcome(permissions, call)) != expected:
            mismatches.append(f"{_key(entry['call'])}: Claude Code {claude}, gitagent {got}")
    assert mismatches == [] and len(FIXTURE["calls"]) >= 50


def test_each_deliberate_difference_is_one_claude_code_really_showed() -> None:
    modes = {ours: theirs for theirs, ours in FIXTURE["modes"].items()}
    recorded = {(ours, *_key(e["call"])): e["outcomes"][modes[ours]] for e in FIXTURE["calls"] for ours in modes}
    for key, (ours, why) in DIFFERENCES.items():
        assert recorded[key] != ours and why, key


def test_every_rule_matches_some_call(permissions: Permissions, tmp_path: Path) -> None:
    """Each of the fixture's rules is exercised: as the only rule (a deny), it stops at least one of the calls."""
    worktree = permissions.worktree
    assert worktree is not None
    calls = [with_paths(e["call"], worktree, tmp_path / "home") for e in FIXTURE["calls"]]
    rules = permissions.allow + permissions.ask + permissions.deny
    assert len(rules) == 24
    idle = []
    for rule in rules:
        alone = Permissions("auto", deny=[rule], root=permissions.root, worktree=worktree)
        if all(_outcome(alone, call) == "allow" for call in calls):
            idle.append(rule.text)
    assert idle == []
