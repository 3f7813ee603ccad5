"""gitagent's hooks hear what Claude Code's hear: the same events, in the same order, with the same stdin.

The reference is `fixtures/hooks_turn.json`, recorded from the real Claude Code by `record_hooks.py` on the
scenario of `hooks_scenario.py`. gitagent runs the same turn (scripted model, real sandbox) with the
oracle's recording hook for every event, and the two recordings must agree but for what `DELIBERATE` lists.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.hooks_scenario import PROMPT, RECORDED_EVENTS, RECORDER, make_repo, normalize, responses
from tests.conftest import git, run_cli, worktree

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "hooks_turn.json").read_text())

DELIBERATE: dict[str, str] = {
    "effort": "Claude Code sends its reasoning effort level; gitagent has no such setting, so no `effort` field.",
    "file paths": "Claude Code's point into the project, where its agent edits your files; gitagent's into the "
    "conversation's worktree, where its agent works (your checkout is never edited). Both are <files> here; "
    "test_file_paths_point_into_the_worktree checks gitagent's.",
    "session_id": "Claude Code's is a UUID; gitagent's is the conversation's name (a session continues it).",
    "transcript_path": "each tool's own transcript file (gitagent's under .git/gitagent/transcripts/).",
}
"""What differs from Claude Code on purpose, and why (also in hooks/README.md, "Claude Code and gitagent").
Fields named here are left out of the comparison; values that differ are replaced by markers (`normalize`)."""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """gitagent's run of the scenario: the raw hook calls, their normalized form, the worktree, the turn."""
    tmp = tmp_path_factory.mktemp("conformance")
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    make_repo(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "scenario")
    recorder = tmp / "record-hook.py"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    tool_events = ("PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest")
    hooks = {event: [{"hooks": [{"type": "command", "command": f"{recorder} {event}"}],
                      **({"matcher": ""} if event in tool_events else {})}] for event in RECORDED_EVENTS}  # fmt: skip
    (repo / ".claude" / "settings.local.json").write_text(json.dumps({"hooks": hooks}))
    script = tmp / "script.json"
    script.write_text(json.dumps({"responses": responses("")}))
    log = tmp / "hooks.jsonl"
    result = run_cli(repo, "run", "-c", "notes", "-m", f"scripted:{script}", "--trust-repo", PROMPT,
                     env={"ORACLE_HOOK_LOG": str(log)})  # fmt: skip
    assert result.code == 0, result.err
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    files = worktree(repo, "notes")
    turn = json.loads(git(repo, "show", "refs/gitagent/conversations/notes:turn.json"))
    return {"raw": calls, "calls": normalize(calls, repo, files), "worktree": files, "turn": turn}


def _without_deliberate(call: dict[str, Any]) -> dict[str, Any]:
    stdin = {key: value for key, value in call["stdin"].items() if key not in DELIBERATE}
    assert set(call["stdin"]) - set(stdin) <= {"effort", "session_id", "transcript_path"}
    return {**call, "stdin": stdin}


def test_the_same_events_fire_in_the_same_order(recorded: dict[str, Any]) -> None:
    expected = [(c["event"], c["stdin"].get("tool_name")) for c in FIXTURE["calls"]]
    assert [(c["event"], c["stdin"].get("tool_name")) for c in recorded["calls"]] == expected
    # the point of the order: no PostToolUse for the blocked `rm -rf` nor the denied read, a failure event for
    # the failing command, and no event at all for the call a deny rule refused
    assert expected.count(("PostToolUseFailure", "Bash")) == 1 and ("PreToolUse", "Read") in expected


@pytest.mark.parametrize("index", range(len(FIXTURE["calls"])))
def test_each_hook_gets_claude_codes_stdin(recorded: dict[str, Any], index: int) -> None:
    expected, seen = _without_deliberate(FIXTURE["calls"][index]), _without_deliberate(recorded["calls"][index])
    assert (seen["event"], seen["cwd"], seen["project_dir_variable"]) == (expected["event"], "<project>", True)
    assert json.dumps(seen["stdin"], indent=1, sort_keys=True) == json.dumps(
        expected["stdin"], indent=1, sort_keys=True
    )


def test_the_refused_calls_are_the_same(recorded: dict[str, Any]) -> None:
    """The calls that never ran: the one a hook blocked and the one a rule denied."""
    asked = [block for event in recorded["turn"]["events"] if event["type"] == "assistant"
             for block in event["content"] if block.get("type") == "tool_use"]  # fmt: skip
    ran = {c["stdin"]["tool_use_id"] for c in recorded["raw"] if c["stdin"]["hook_event_name"].startswith("PostTool")}
    refused = [(b["name"], b["input"].get("command") or Path(b["input"]["file_path"]).name)
               for b in asked if b["id"] not in ran]  # fmt: skip
    denied = [(d["tool_name"], d["tool_input"].get("command") or Path(d["tool_input"]["file_path"]).name)
              for d in FIXTURE["denied"]]  # fmt: skip
    assert refused == denied == [("Bash", "rm -rf build"), ("Read", "secret.txt")]


def test_file_paths_point_into_the_worktree(recorded: dict[str, Any]) -> None:
    """The deliberate difference: absolute paths, into the conversation's worktree; hooks run in the checkout."""
    paths = [
        c["stdin"]["tool_input"]["file_path"]
        for c in recorded["raw"]
        if "file_path" in c["stdin"].get("tool_input", {})
    ]
    assert paths and all(path == str(recorded["worktree"] / "notes.txt") for path in paths)
    assert {c["cwd"] for c in recorded["raw"]} == {str(recorded["worktree"].parents[3])}
    assert all("GITAGENT_WORKTREE" in c["env"] for c in recorded["raw"])
