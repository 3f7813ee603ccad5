"""SubagentStart and SubagentStop hooks get Claude Code's payloads (fixture recorded from Claude Code 2.1.328)."""

import json
from pathlib import Path

from tests.conformance.hooks_scenario import RECORDER
from tests.conftest import git, run_cli, text, tool

FIXTURE = json.loads((Path(__file__).parent / "fixtures/claude_code_subagent_hooks.json").read_text())
NOT_SENT = {"effort"}
"""Claude Code sends its reasoning effort; gitagent has no such setting (as for every other event)."""


def test_subagent_hooks_fire_around_a_child_with_claude_codes_fields(repo: Path, family, tmp_path: Path) -> None:
    recorder = tmp_path / "record-hook.py"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    events = ("PreToolUse", "PostToolUse", "SubagentStart", "SubagentStop")
    hooks = {e: [{"matcher": "", "hooks": [{"type": "command", "command": f"{recorder} {e}"}]}] for e in events}
    (repo / ".claude").mkdir()
    (repo / ".claude/settings.local.json").write_text(json.dumps({"hooks": hooks}))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hooks")
    model = family(
        [[tool("Agent", description="Count files", prompt="Count the files in the repository and report.",
               subagent_type="general-purpose", run_in_background=True)],
         [text("Waiting.")], [text("The child says 1 file.")]],
        {"general-purpose": [[text("There is 1 file.")]]},
    )  # fmt: skip
    log = tmp_path / "hooks.jsonl"
    result = run_cli(repo, "run", "-c", "h", "-m", model, "--trust-repo", "Delegate counting",
                     env={"ORACLE_HOOK_LOG": str(log)})  # fmt: skip
    assert result.code == 0, result.err
    calls = [json.loads(line)["stdin"] for line in log.read_text().splitlines()]
    order = [c["hook_event_name"] for c in calls]
    # the parent's hooks only: the child's own tool calls (none here) would add their own PreToolUse
    assert order[:3] == FIXTURE["event_order"][2:5] == ["PreToolUse", "SubagentStart", "PostToolUse"]
    assert order.index("SubagentStop") > order.index("SubagentStart")
    start = next(c for c in calls if c["hook_event_name"] == "SubagentStart")
    stop = next(c for c in calls if c["hook_event_name"] == "SubagentStop")
    expected_start, expected_stop = FIXTURE["payloads"]["SubagentStart"], FIXTURE["payloads"]["SubagentStop"]
    assert sorted(start) == expected_start["fields"]
    assert sorted(stop) == sorted(set(expected_stop["fields"]) - NOT_SENT)
    assert start["agent_type"] == stop["agent_type"] == expected_start["agent_type"]
    assert start["agent_id"] == stop["agent_id"] == "h.agents/1"
    assert stop["last_assistant_message"] == expected_stop["last_assistant_message"]
    assert stop["stop_hook_active"] is expected_stop["stop_hook_active"]
    assert Path(stop["agent_transcript_path"]).exists()
