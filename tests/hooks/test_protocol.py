"""The Claude Code hook protocol: input on stdin, exit statuses, JSON decisions, and bad behaviour."""

import json
import os
import time
from pathlib import Path

from tests.hooks.conftest import python_hook, write_hook

BASH_PUSH = {"tool_name": "Bash", "tool_input": {"command": "git push origin main"}, "tool_use_id": "toolu_1"}


def test_a_claude_code_style_guard_blocks_the_tool_with_its_stderr(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(
        root / ".gitagent",
        "PreToolUse",
        "guard.py",
        python_hook(
            'if event["tool_name"] == "Bash" and "git push" in event["tool_input"]["command"]:\n'
            '    print("no pushing from a conversation", file=sys.stderr)\n'
            "    sys.exit(2)\n"
        ),
    )
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert outcome.blocked and outcome.permission == "deny"
    assert outcome.reason == "no pushing from a conversation"
    assert outcome.records[0]["verdict"] == "block" and outcome.records[0]["exit"] == 2
    assert outcome.records[0]["hook"] == ".gitagent/hooks/PreToolUse/guard.py"

    allowed = runner().run("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "ls"}})
    assert not allowed.blocked and allowed.permission is None and allowed.records[0]["verdict"] == "ok"


def test_the_hook_gets_the_session_fields_and_runs_in_the_checkout(dirs, runner) -> None:
    root, worktree, _ = dirs
    out = worktree.parent / "seen.json"
    write_hook(
        root / ".gitagent",
        "PreToolUse",
        "spy",
        python_hook(
            "import os\n"
            "event['pwd'] = os.getcwd()\n"
            "event['env'] = {k: os.environ.get(k) for k in "
            "('CLAUDE_PROJECT_DIR', 'GITAGENT_PROJECT_DIR', 'GITAGENT_WORKTREE', 'GITAGENT_CONVERSATION', "
            "'ANTHROPIC_API_KEY', 'GITAGENT_API_KEY', 'KEEP_ME')}\n"
            f"open({str(out)!r}, 'w').write(json.dumps(event))\n"
        ),
    )
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-secret", "GITAGENT_API_KEY": "k", "KEEP_ME": "yes"}
    runner(env=env, conversation="fix-login").run("PreToolUse", BASH_PUSH)
    seen = json.loads(out.read_text())
    assert seen["session_id"] == "s-1" and seen["hook_event_name"] == "PreToolUse"
    assert seen["transcript_path"] == str(worktree / "transcript.jsonl")
    assert seen["cwd"] == str(root) and Path(seen["pwd"]) == root.resolve()  # the checkout, on every turn
    assert seen["tool_input"] == {"command": "git push origin main"} and seen["tool_use_id"] == "toolu_1"
    assert seen["env"] == {
        "CLAUDE_PROJECT_DIR": str(root),
        "GITAGENT_PROJECT_DIR": str(root),
        "GITAGENT_WORKTREE": str(worktree),
        "GITAGENT_CONVERSATION": "fix-login",
        "ANTHROPIC_API_KEY": None,
        "GITAGENT_API_KEY": None,
        "KEEP_ME": "yes",
    }


def test_json_permission_decisions_merge_deny_over_ask_over_allow(dirs, runner) -> None:
    root, _, _ = dirs

    def decide(name: str, decision: str) -> None:
        out = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": decision,
                "permissionDecisionReason": f"{name} says {decision}",
            }
        }
        write_hook(root / ".gitagent", "PreToolUse", name, f"#!/bin/sh\necho '{json.dumps(out)}'\n")

    decide("10-allow", "allow")
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert (outcome.permission, outcome.permission_reason, outcome.blocked) == ("allow", "10-allow says allow", False)
    decide("20-ask", "ask")
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert (outcome.permission, outcome.permission_reason, outcome.blocked) == ("ask", "20-ask says ask", False)
    decide("30-deny", "deny")
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert (outcome.permission, outcome.blocked, outcome.reason) == ("deny", True, "30-deny says deny")
    assert [r["verdict"] for r in outcome.records] == ["allow", "ask", "deny"]


def test_legacy_decisions_on_pre_tool_use(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(
        root / ".gitagent", "PreToolUse", "old", """#!/bin/sh\necho '{"decision": "block", "reason": "old style"}'\n"""
    )
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert outcome.blocked and outcome.permission == "deny" and outcome.reason == "old style"
    write_hook(
        root / ".gitagent", "PreToolUse", "old", """#!/bin/sh\necho '{"decision": "approve", "reason": "ok"}'\n"""
    )
    assert runner().run("PreToolUse", BASH_PUSH).permission == "allow"


def test_updated_input_replaces_the_tool_input_and_later_hooks_see_it(dirs, runner, tmp_path) -> None:
    root, _, _ = dirs
    write_hook(
        root / ".gitagent",
        "PreToolUse",
        "10-rewrite",
        python_hook(
            "cmd = event['tool_input']['command'].replace('push', 'status')\n"
            "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PreToolUse', "
            "'permissionDecision': 'allow', 'updatedInput': {'command': cmd}}}))\n"
        ),
    )
    write_hook(
        root / ".gitagent",
        "PreToolUse",
        "20-see",
        python_hook(f"open({str(tmp_path / 'later')!r}, 'w').write(event['tool_input']['command'])"),
    )
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert outcome.updated_input == {"command": "git status origin main"} and not outcome.blocked
    assert (tmp_path / "later").read_text() == "git status origin main"


def test_user_prompt_submit_plain_stdout_is_context_and_exit_2_refuses(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "UserPromptSubmit", "10-date", "#!/bin/sh\necho 'The sprint ends Friday.'\n")
    outcome = runner().run("UserPromptSubmit", {"prompt": "plan the week"})
    assert outcome.additional_context == ["The sprint ends Friday."] and not outcome.blocked
    write_hook(
        root / ".gitagent",
        "UserPromptSubmit",
        "20-secrets",
        python_hook(
            "if 'password' in event['prompt']:\n"
            "    print('no secrets in prompts, please', file=sys.stderr)\n"
            "    sys.exit(2)"
        ),
    )
    refused = runner().run("UserPromptSubmit", {"prompt": "my password is hunter2"})
    assert refused.blocked and refused.reason == "no secrets in prompts, please"


def test_stop_exit_2_keeps_the_agent_working_and_continue_false_stops_it(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(
        root / ".gitagent",
        "Stop",
        "tests",
        python_hook(
            "if not event['stop_hook_active']:\n    print('2 tests fail: fix them', file=sys.stderr); sys.exit(2)"
        ),
    )
    outcome = runner().run("Stop", {"stop_hook_active": False})
    assert outcome.blocked and outcome.reason == "2 tests fail: fix them"
    assert not runner().run("Stop", {"stop_hook_active": True}).blocked

    write_hook(
        root / ".gitagent", "Stop", "tests", """#!/bin/sh\necho '{"decision": "block", "reason": "lint first"}'\n"""
    )
    assert runner().run("Stop", {"stop_hook_active": False}).reason == "lint first"

    write_hook(
        root / ".gitagent",
        "Stop",
        "tests",
        """#!/bin/sh\necho '{"continue": false, "stopReason": "budget spent", "decision": "block"}'\n""",
    )
    outcome = runner().run("Stop", {"stop_hook_active": False})
    assert outcome.stop and outcome.stop_reason == "budget spent"


def test_post_tool_use_block_and_context_and_system_message(dirs, runner) -> None:
    root, _, _ = dirs
    out = {
        "decision": "block",
        "reason": "lint: unused import",
        "systemMessage": "linted",
        "hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "see ruff.toml"},
    }
    write_hook(root / ".gitagent", "PostToolUse", "lint", f"#!/bin/sh\necho '{json.dumps(out)}'\n")
    outcome = runner().run("PostToolUse", {"tool_name": "Edit", "tool_input": {}, "tool_response": {}})
    assert outcome.blocked and outcome.reason == "lint: unused import"
    assert outcome.system_messages == ["linted"] and outcome.additional_context == ["see ruff.toml"]


def test_exit_2_where_nothing_can_be_blocked_is_an_error_for_the_user(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "SessionEnd", "x", "#!/bin/sh\necho cleanup failed >&2\nexit 2\n")
    outcome = runner().run("SessionEnd", {"reason": "other"})
    assert not outcome.blocked
    assert outcome.errors == [
        "hook .gitagent/hooks/SessionEnd/x (SessionEnd): exit status 2 (a SessionEnd hook cannot block): cleanup failed"
    ]


def test_other_exit_statuses_are_non_blocking_errors(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "PreToolUse", "broken", "#!/bin/sh\necho oops >&2\nexit 1\n")
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert not outcome.blocked and outcome.permission is None
    assert outcome.errors == ["hook .gitagent/hooks/PreToolUse/broken (PreToolUse): exit status 1: oops"]
    assert outcome.records[0]["verdict"] == "error" and outcome.records[0]["exit"] == 1


def test_pre_turn_commit_trailers_from_json_and_plain_lines(dirs, runner) -> None:
    root, _, _ = dirs
    out = {"hookSpecificOutput": {"hookEventName": "PreTurnCommit", "trailers": {"Ticket": "ABC-12"}}}
    write_hook(root / ".gitagent", "PreTurnCommit", "10-json", f"#!/bin/sh\necho '{json.dumps(out)}'\n")
    write_hook(
        root / ".gitagent",
        "PreTurnCommit",
        "20-plain",
        "#!/bin/sh\necho 'Reviewed-by: Ada'\necho 'Gitagent-Turn: 99'\n",
    )
    outcome = runner().run("PreTurnCommit", {"conversation": "c", "turn": 1})
    assert outcome.trailers == [("Ticket", "ABC-12"), ("Reviewed-by", "Ada")]
    assert any("Gitagent-Turn refused" in e for e in outcome.errors)


def test_invalid_json_is_a_reported_error(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "PreToolUse", "garbage", "#!/bin/sh\necho '{not json at all'\n")
    outcome = runner().run("PreToolUse", BASH_PUSH)
    assert not outcome.blocked and outcome.records[0]["verdict"] == "error"
    assert "starts with '{' but is not valid JSON" in outcome.errors[0] and "{not json at all" in outcome.errors[0]


def test_megabytes_of_output_are_capped_and_reported(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(
        root / ".gitagent",
        "Stop",
        "chatty",
        f"#!{__import__('sys').executable}\nimport sys\nsys.stderr.write('x' * 5_000_000)\nsys.exit(2)\n",
    )
    outcome = runner().run("Stop", {"stop_hook_active": False})
    assert outcome.blocked and len(outcome.reason) < 70_000
    assert "bytes of hook output left out" in outcome.reason
    write_hook(
        root / ".gitagent",
        "Stop",
        "chatty",
        f"#!{__import__('sys').executable}\nprint('{{' + ' ' * 3_000_000 + '}}')\n",
    )
    outcome = runner().run("Stop", {"stop_hook_active": False})
    assert not outcome.blocked and "JSON output too large" in outcome.errors[0]


def test_a_hook_past_its_timeout_is_killed_with_its_children(dirs, runner) -> None:
    root, _, _ = dirs
    pids = root / "pids"
    (root / ".gitagent").mkdir()
    (root / ".gitagent" / "hooks.toml").write_text(
        '[[Stop]]\nhooks = [{ type = "command", command = "sleep 100 & echo $! > pids; sleep 100", timeout = 1 }]\n'
    )
    started = time.monotonic()
    outcome = runner().run("Stop", {"stop_hook_active": False})
    assert time.monotonic() - started < 5
    assert not outcome.blocked and outcome.records[0]["verdict"] == "timeout"
    assert "timed out after 1 s; its processes were killed" in outcome.errors[0]
    child = int(pids.read_text())
    deadline = time.monotonic() + 3
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_hook_that_cannot_start_is_an_error(dirs, runner) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "Stop", "badshebang", "#!/nonexistent/interpreter\n")
    outcome = runner().run("Stop", {})
    assert "cannot start" in outcome.errors[0] and not outcome.blocked
