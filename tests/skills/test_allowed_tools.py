"""A loaded skill's `allowed-tools` pre-approve those calls for the rest of the turn, as in Claude Code."""

import json
from pathlib import Path

from gitagent.skills.model import rule_list
from tests.conftest import conversation_head, git, run_cli, text, tool
from tests.skills.conftest import write_skill


def test_rules_are_split_on_spaces_or_commas_outside_parentheses() -> None:
    assert rule_list("Read Bash(git add:*)") == ["Read", "Bash(git add:*)"]
    assert rule_list("Read, Grep,Bash(npm run test:*)") == ["Read", "Grep", "Bash(npm run test:*)"]
    assert rule_list(["Bash(make *)", " ", "Edit"]) == ["Bash(make *)", "Edit"]
    assert rule_list(None) == [] and rule_list(3) == []


def _events(repo: Path, name: str) -> list[dict]:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]


def test_a_loaded_skill_allows_its_tools_in_ask_mode_and_nothing_more(repo: Path, script) -> None:
    write_skill(
        repo / ".claude" / "skills", "stamp",
        "name: stamp\ndescription: Stamps files.\nallowed-tools: Read Bash(touch stamped.txt)\n",
    )  # fmt: skip
    git(repo, "add", ".claude")
    git(repo, "commit", "-qm", "a skill")
    assert run_cli(repo, "trust").code == 0
    touch = tool("Bash", command="touch stamped.txt", description="stamp")
    other = tool("Bash", command="touch other.txt")
    model = script([touch], [tool("Skill", skill="stamp")], [touch], [other], [text("ok")])
    result = run_cli(repo, "run", "--approval", "ask", "--model", model, "-c", "s", "stamp it")
    assert result.code == 0, result.err
    outcomes = [e["is_error"] for e in _events(repo, "s") if e["type"] == "tool_result"]
    assert outcomes == [True, False, False, True]  # denied before the skill, and beyond it
    permissions = [e for e in _events(repo, "s") if e["type"] == "permission"]
    allowed = "allowed by rule Bash(touch stamped.txt) (skill stamp's allowed-tools)"
    assert any(allowed in p["reason"] for p in permissions)
    files = git(repo, "ls-tree", "-r", "--name-only", f"{conversation_head(repo, 's').id}:workspace")
    assert "stamped.txt" in files.split() and "other.txt" not in files.split()
    later = run_cli(repo, "run", "--approval", "ask", "--model", script([touch], [text("ok")]), "-c", "s", "again")
    assert later.code == 0, later.err
    again = next(e for e in _events(repo, "s") if e["type"] == "tool_result")
    assert again["is_error"] and "Permission denied" in again["content"]  # the next turn has not loaded it
