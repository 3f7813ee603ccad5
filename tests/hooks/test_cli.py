"""`gitagent hooks list` and `gitagent hooks test`, run as a user runs them."""

import json
from pathlib import Path

from tests.conftest import git, run_cli, text
from tests.hooks.conftest import python_hook, settings, write_hook

GUARD = python_hook(
    "if 'git push' in event['tool_input'].get('command', ''):\n"
    "    print('no pushing, please', file=sys.stderr)\n"
    "    sys.exit(2)\n"
)


def _setup(repo: Path) -> Path:
    guard = write_hook(repo / ".gitagent", "PreToolUse", "no-push", GUARD)
    write_hook(repo / ".gitagent", "PreToolUse", "notes.txt", "not a program\n", executable=False)
    settings(
        repo / ".claude" / "settings.json",
        {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "echo 'Be brief.'"}]}]},
    )
    return guard


def test_list_shows_each_hook_its_source_and_trust(repo: Path, tmp_path: Path) -> None:
    _setup(repo)
    user = tmp_path / "gitagent-home"
    write_hook(user, "Stop", "notify", "#!/bin/sh\n")
    result = run_cli(repo, "hooks", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "UserPromptSubmit:" in lines and "PreToolUse:" in lines and "Stop:" in lines
    assert any(line.split() == ["untrusted", "claude-settings", "echo", "'Be", "brief.'"] for line in lines)
    assert any(line.split() == ["untrusted", "repo", ".gitagent/hooks/PreToolUse/no-push"] for line in lines)
    assert any(line.split()[:3] == ["not", "run", "repo"] for line in lines)
    assert "chmod +x .gitagent/hooks/PreToolUse/notes.txt" in result.out
    assert any(line.split() == ["trusted", "user", str(user / "hooks" / "Stop" / "notify")] for line in lines)
    assert "2 repository hooks will not run until trusted" in result.out


def test_list_json_and_trust_by_content_id(repo: Path) -> None:
    _setup(repo)
    hooks = json.loads(run_cli(repo, "hooks", "list", "--json").out)["hooks"]
    guard = next(h for h in hooks if h["origin"] == ".gitagent/hooks/PreToolUse/no-push")
    assert guard["trusted"] is False and guard["source"] == "repo" and guard["problem"] is None
    git(repo, "config", "--add", "gitagent.trust", guard["content_id"])
    hooks = json.loads(run_cli(repo, "hooks", "list", "--json").out)["hooks"]
    assert next(h for h in hooks if h["origin"] == guard["origin"])["trusted"] is True
    (repo / ".gitagent" / "hooks" / "PreToolUse" / "no-push").write_text(GUARD + "# changed\n")
    hooks = json.loads(run_cli(repo, "hooks", "list", "--json").out)["hooks"]
    assert next(h for h in hooks if h["origin"] == guard["origin"])["trusted"] is False


def test_test_runs_trusted_hooks_on_a_sample_and_shows_verdicts(repo: Path) -> None:
    _setup(repo)
    args = ("hooks", "test", "PreToolUse", "--tool", "Bash", "--input", '{"command": "git push origin main"}')
    untrusted = run_cli(repo, *args)
    assert untrusted.code == 0, untrusted.err
    assert "skipped-untrusted  .gitagent/hooks/PreToolUse/no-push" in untrusted.out
    assert "result: go ahead" in untrusted.out and "pass --trust-repo to try them" in untrusted.out
    assert "not executable" in untrusted.out

    trusted = run_cli(repo, *args, "--trust-repo")
    assert "block              .gitagent/hooks/PreToolUse/no-push  (repo, exit 2," in trusted.out
    assert "result: the tool does not run: no pushing, please" in trusted.out

    harmless = run_cli(repo, "hooks", "test", "PreToolUse", "--input", '{"command": "ls"}', "--trust-repo")
    assert (
        "result: go ahead" in harmless.out and "ok                 .gitagent/hooks/PreToolUse/no-push" in harmless.out
    )


def test_test_shows_context_and_json(repo: Path) -> None:
    _setup(repo)
    out = run_cli(repo, "hooks", "test", "UserPromptSubmit", "--prompt", "hi", "--trust-repo").out
    assert "context for the model: Be brief." in out
    data = json.loads(run_cli(repo, "hooks", "test", "UserPromptSubmit", "--trust-repo", "--json").out)
    assert data["additional_context"] == ["Be brief."] and data["records"][0]["verdict"] == "context"


def test_test_refuses_an_unknown_event_and_bad_input(repo: Path) -> None:
    result = run_cli(repo, "hooks", "test", "PreToolUSe")
    assert result.code == 1 and "no hook event 'PreToolUSe'; events: SessionStart" in result.err
    result = run_cli(repo, "hooks", "test", "PreToolUse", "--input", "{oops")
    assert result.code == 1 and "--input is not valid JSON" in result.err
    assert "no hooks run for Stop" in run_cli(repo, "hooks", "test", "Stop").out


def test_list_says_once_which_claude_code_events_never_fire_and_a_run_says_nothing(repo: Path, script) -> None:
    settings(repo / ".claude" / "settings.json", {
        event: [{"hooks": [{"type": "command", "command": "true"}]}]
        for event in ("Setup", "SubagentStart", "SubagentStop", "Notification", "PostToolUseFailure")
    })  # fmt: skip
    out = run_cli(repo, "hooks", "list").out
    notes = [line for line in out.splitlines() if "never run" in line]
    assert len(notes) == 1 and "no moment for Setup " in notes[0]
    assert "problems:" not in out and "Notification" not in notes[0] and "Subagent" not in notes[0]
    result = run_cli(repo, "run", "-m", script([text("hi")]), "--trust-repo", "hello")
    assert result.code == 0 and "Setup" not in result.err and "not a" not in result.err
