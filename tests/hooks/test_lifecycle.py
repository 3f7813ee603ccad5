"""When hooks fire in real turns, as Claude Code fires them: sessions, permissions, refusals, compaction."""

import json
from pathlib import Path

from gitagent.agent.guard import Guard
from gitagent.agent.permissions import Decision, Permissions
from gitagent.agent.record import TurnRecord
from gitagent.hooks import HookRunner
from tests.conftest import conversation_head, git, text, tool
from tests.hooks.conftest import python_hook, record_events, recorded, settings

ALL = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure",
       "PostToolBatch", "Notification", "Stop", "PreCompact", "PostCompact", "SessionEnd")  # fmt: skip


def _turn(repo: Path, name: str) -> list[dict]:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]


def test_a_run_is_one_session_started_and_ended_once_and_recorded(repo: Path, cli, script, tmp_path) -> None:
    log = tmp_path / "hooks.jsonl"
    record_events(repo, log, ALL)
    keep_going = tmp_path / "keep-going.py"  # sends the agent back once: a turn with two Stop rounds
    keep_going.write_text(python_hook("sys.exit(0 if event['stop_hook_active'] else 2)"))
    settings(repo / ".claude" / "settings.json",
             {"Stop": [{"hooks": [{"type": "command", "command": f"python3 {keep_going}"}]}]})  # fmt: skip
    cli("run", "-c", "s", "--trust-repo", "-m", script([tool("Bash", command="true")], [text("a")], [text("b")]), "go")
    events = [e["hook_event_name"] for e in recorded(log)]
    assert events.count("SessionStart") == 1 and events.count("SessionEnd") == 1 and events.count("Stop") == 2
    assert events[0] == "SessionStart" and events[-1] == "SessionEnd" and events[-2] == "Stop"
    first = recorded(log)
    assert first[0]["source"] == "startup" and first[-1]["reason"] == "other"
    assert first[-1]["prompt_id"] == first[1]["prompt_id"] and "permission_mode" not in first[-1]
    hooks = [e["event"] for e in _turn(repo, "s") if e["type"] == "hook"]
    assert hooks[0] == "SessionStart" and "SessionEnd" in hooks  # both in the turn's record
    assert "hook SessionEnd" in cli("show", "s").out

    log.unlink()
    cli("run", "-c", "s", "--trust-repo", "-m", script([text("again")]), "more")
    again = recorded(log)
    assert [e["hook_event_name"] for e in again].count("SessionStart") == 1 and again[0]["source"] == "resume"
    assert again[0]["session_id"] == first[0]["session_id"] == "s"


def test_refused_calls_get_no_post_tool_use_and_a_permission_request_fires_where_a_person_would_be_asked(
    repo: Path, cli, script, tmp_path
) -> None:
    log = tmp_path / "hooks.jsonl"
    record_events(repo, log, ALL)
    answer = python_hook(
        "ok = event['tool_input'].get('command', '').startswith('echo ')\n"
        "decision = {'behavior': 'allow'} if ok else {'behavior': 'deny', 'message': 'only echo, please'}\n"
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PermissionRequest', 'decision': decision}}))"
    )
    (tmp_path / "answer.py").write_text(answer)
    command = {"type": "command", "command": f"python3 {tmp_path}/answer.py"}
    settings(repo / ".claude" / "settings.json", {"PermissionRequest": [{"matcher": "Bash", "hooks": [command]}]})
    calls = [tool("Bash", command="echo allowed"), tool("Bash", command="touch denied"),
             tool("Write", file_path="w.txt", content="x")]  # fmt: skip
    cli("run", "-c", "p", "--trust-repo", "--approval", "ask", "-m", script(calls, [text("done")]), "try")
    seen = recorded(log)
    asked = [
        (e["tool_name"], e["tool_input"].get("command")) for e in seen if e["hook_event_name"] == "PermissionRequest"
    ]
    assert asked == [("Bash", "echo allowed"), ("Bash", "touch denied"), ("Write", None)]
    assert all(e["permission_mode"] == "dontAsk" for e in seen if "permission_mode" in e)  # ask, headless
    ran = [e["tool_input"].get("command") for e in seen if e["hook_event_name"] == "PostToolUse"]
    assert ran == ["echo allowed"]  # the two refused calls never ran: no PostToolUse(Failure) for them
    assert not any(e["hook_event_name"] == "PostToolUseFailure" for e in seen)
    permissions = [(e["allowed"], e["by"], e["reason"]) for e in _turn(repo, "p") if e["type"] == "permission"]
    assert permissions[0][:2] == (True, "hook") and permissions[1] == (False, "hook", "only echo, please")
    assert permissions[2][:2] == (False, "mode")  # no hook answered for Write: refused, as headless ask does
    results = [e for e in _turn(repo, "p") if e["type"] == "tool_result"]
    assert results[0]["content"] == "allowed" and "only echo, please" in results[1]["content"]


def test_an_updated_input_is_recorded_and_shown_as_what_ran(repo: Path, cli, script) -> None:
    rewrite = python_hook(
        "cmd = event['tool_input']['command'].replace('original', 'rewritten')\n"
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PreToolUse',"
        " 'updatedInput': {**event['tool_input'], 'command': cmd}}}))"
    )
    path = repo / ".gitagent" / "hooks" / "PreToolUse" / "rewrite"
    path.parent.mkdir(parents=True)
    path.write_text(rewrite)
    path.chmod(0o755)
    cli("run", "-c", "u", "--trust-repo", "-m", script([tool("Bash", command="echo original")], [text("ok")]), "go")
    changed = next(e for e in _turn(repo, "u") if e["type"] == "tool_input")
    assert changed["input"] == {"command": "echo rewritten"} and changed["by"] == "PreToolUse"
    shown = cli("show", "u").out
    assert 'Bash ran with {"command": "echo rewritten"}' in shown and "✓ rewritten" in shown


def test_a_compaction_fires_pre_and_post_compact_then_session_start_compact(repo: Path, cli, script, tmp_path) -> None:
    cli("run", "-c", "c", "-m", script([text("one")]), "first")
    log = tmp_path / "hooks.jsonl"
    record_events(repo, log, ALL)
    git(repo, "config", "gitagent.compactAt", "0.000001")
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("two")]), "second")
    events = [(e["hook_event_name"], e.get("source") or e.get("trigger")) for e in recorded(log)]
    start = events.index(("PreCompact", "auto"))
    assert events[start : start + 3] == [("PreCompact", "auto"), ("PostCompact", "auto"), ("SessionStart", "compact")]
    post = next(e for e in recorded(log) if e["hook_event_name"] == "PostCompact")
    compaction = next(e for e in _turn(repo, "c") if e["type"] == "compaction")
    assert post["compact_summary"] == compaction["summary"] and "Scripted summary" in post["compact_summary"]


def test_notification_hooks_hear_when_a_person_is_asked(tmp_path) -> None:
    root, work, user = (tmp_path / n for n in ("checkout", "work", "user"))
    for folder in (root, work, user):
        folder.mkdir()
    log = tmp_path / "hooks.jsonl"
    record_events(root, log, ("Notification", "PermissionRequest"))
    asked: list[str] = []

    def person(call: dict) -> Decision:
        asked.append(call["name"])
        return Decision(True, "person", "approved")

    hooks = HookRunner(root, work, is_trusted=lambda hook: True, user_dir=user, session_id="n")
    guard = Guard(Permissions(mode="ask"), approver=person, hooks=hooks)
    record = TurnRecord.start(conversation="n", turn=1, model="m", prompt="p", owner={}, sandbox="none")
    _, refusal = guard.before_tool({"id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}, record)
    assert refusal is None and asked == ["Bash"]
    seen = recorded(log)
    assert [e["hook_event_name"] for e in seen] == ["PermissionRequest", "Notification"]
    assert seen[1]["notification_type"] == "permission_prompt" and "permission to use Bash" in seen[1]["message"]
    assert seen[0]["permission_mode"] == "default"
