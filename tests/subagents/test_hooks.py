"""SubagentStart and SubagentStop hooks get Claude Code's payloads (fixture recorded from Claude Code 2.1.328)."""

import json
from pathlib import Path

from tests.conformance.hooks_scenario import RECORDER
from tests.conftest import git, run_cli, text, tool
from tests.subagents.record_agent_response import shape

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


RESPONSES = json.loads((Path(__file__).parent / "fixtures/claude_code_agent_response.json").read_text())
NOT_KEPT = {"harnessNoteCount", "harnessTailCount", "harnessSectionHash"}
"""Claude Code's own bookkeeping of its prompt harness: nothing in gitagent counts the like."""
ADDED = {"worktreePath"}
"""Optional in Claude Code's published `AgentOutput`, sent for an agent with a worktree of its own (every child)."""
NULLABLE = {"server_tool_use", "service_tier", "cache_creation"}
"""Usage that gitagent does not track: null, as the published type allows."""


def test_the_agent_tools_post_tool_use_response_is_claude_codes_object(repo: Path, family, tmp_path: Path) -> None:
    recorder = tmp_path / "record-hook.py"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    hooks = {"PostToolUse": [{"matcher": "Agent", "hooks": [{"type": "command", "command": str(recorder)}]}]}
    (repo / ".claude").mkdir()
    (repo / ".claude/settings.local.json").write_text(json.dumps({"hooks": hooks}))
    call = {"description": "Count files", "prompt": "Count the files in the repository and report."}
    model = family(
        [[tool("Agent", **call, run_in_background=False)], [tool("Agent", **call, run_in_background=True)],
         [text("Waiting.")], [text("Both said 1 file.")]],
        {"general-purpose": [[text("There is 1 file.")]]},
    )  # fmt: skip
    log = tmp_path / "hooks.jsonl"
    result = run_cli(repo, "run", "-c", "h", "-m", model, "--trust-repo", "Delegate", env={"ORACLE_HOOK_LOG": str(log)})
    assert result.code == 0, result.err
    foreground, background = [json.loads(line)["stdin"]["tool_response"] for line in log.read_text().splitlines()]

    expected = {k: v for k, v in RESPONSES["foreground"].items() if k not in NOT_KEPT | {"usage"}}
    seen = shape(foreground)
    assert {k: v for k, v in seen.items() if k not in ADDED | {"usage"}} == expected
    usage = seen["usage"]
    assert set(usage) <= set(RESPONSES["foreground"]["usage"])
    for field, kind in RESPONSES["foreground"]["usage"].items():
        if field in NULLABLE:
            assert usage[field] in (kind, "null")
        elif field.endswith("_tokens"):
            assert usage[field] == kind == "number"
    assert foreground["content"] == [{"type": "text", "text": "There is 1 file."}]
    assert foreground["agentId"] == "h.agents/1" and foreground["agentType"] == "general-purpose"
    assert foreground["totalTokens"] == foreground["usage"]["input_tokens"] + foreground["usage"]["output_tokens"]
    assert Path(foreground["worktreePath"]).is_dir()

    assert shape(background) == RESPONSES["background"]
    assert background["agentId"] == "h.agents/2" and background["description"] == "Count files"
