"""The example hooks shipped in hooks/ do what their comments say, run as real hooks."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from gitagent.hooks import HookRunner
from tests.conftest import conversation_head, run_cli, text, tool

EXAMPLES = Path(__file__).resolve().parents[2] / "hooks"


def _runner(tmp_path: Path, event: str, name: str, env: dict[str, str] | None = None) -> tuple[HookRunner, Path]:
    user, worktree = tmp_path / "user", tmp_path / "worktree"
    (user / "hooks" / event).mkdir(parents=True)
    worktree.mkdir(exist_ok=True)
    shutil.copy2(EXAMPLES / event / name, user / "hooks" / event / name)
    base = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", **(env or {})}
    runner = HookRunner(tmp_path, worktree, is_trusted=lambda h: False, user_dir=user, session_id="ex", env=base)
    return runner, worktree


@pytest.mark.parametrize(
    "command",
    [
        "git push",
        "make && git push -f origin main",
        "git -C sub push",
        "git branch -f main HEAD~1",
        "git update-ref refs/heads/main HEAD",
        "cd x; FOO=1 git push --force-with-lease",
        "git checkout -B main",
    ],
)
def test_no_push_blocks_pushes_and_force_updates(tmp_path: Path, command: str) -> None:
    runner, _ = _runner(tmp_path, "PreToolUse", "no-push")
    outcome = runner.run("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": command}})
    assert outcome.blocked and outcome.reason.startswith("Blocked by the no-push hook:"), outcome.errors


@pytest.mark.parametrize("command", ["git status", "git commit -m 'push it'", "echo git push", "git log --force"])
def test_no_push_lets_ordinary_commands_run(tmp_path: Path, command: str) -> None:
    runner, _ = _runner(tmp_path, "PreToolUse", "no-push")
    outcome = runner.run("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": command}})
    assert not outcome.blocked and not outcome.errors


def test_format_formats_an_edited_python_file(tmp_path: Path) -> None:
    if not shutil.which("ruff", path=str(Path(sys.executable).parent)):
        pytest.skip("ruff is not installed next to this python")
    runner, worktree = _runner(tmp_path, "PostToolUse", "format")
    (worktree / "a.py").write_text("x=[1,2 ,3]\n")
    outcome = runner.run("PostToolUse", {"tool_name": "Edit", "tool_input": {"file_path": str(worktree / "a.py")}})
    assert (worktree / "a.py").read_text() == "x = [1, 2, 3]\n" and not outcome.errors
    outside = tmp_path / "b.py"
    outside.write_text("y=1\n")
    runner.run("PostToolUse", {"tool_name": "Write", "tool_input": {"file_path": str(outside)}})
    assert outside.read_text() == "y=1\n"  # never touches files outside the worktree


def test_tests_pass_sends_the_agent_back_until_the_tests_pass_running_them_confined(
    repo: Path, script, tmp_path: Path
) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    hook = repo / ".gitagent" / "hooks" / "Stop" / "tests-pass"
    hook.parent.mkdir(parents=True)
    shutil.copy2(EXAMPLES / "Stop" / "tests-pass", hook)
    escape = f"echo run-on-the-host > {repo}/escaped 2>/dev/null"  # the agent's tests trying to leave the sandbox
    env = {"GITAGENT_TEST_COMMAND": f"{escape}; test -e fixed || {{ echo 'FAILED test_login'; exit 1; }}",
           "GITAGENT_TEST_MAX_ROUNDS": "2", "TMPDIR": str(tmp_path)}  # fmt: skip
    model = script([text("done")], [tool("Write", file_path="fixed", content="")], [text("fixed it")])
    result = run_cli(repo, "run", "-c", "t", "-m", model, "--trust-repo", "fix the login", env=env)
    assert result.code == 0, result.err
    turn = json.loads(conversation_head(repo, "t").tree["turn.json"].data)
    feedback = [e["text"] for e in turn["events"] if e["type"] == "stop_feedback"]
    assert len(feedback) == 1 and "The tests fail" in feedback[0] and "FAILED test_login" in feedback[0]
    assert turn["status"] == "complete" and turn["result"] == "fixed it"
    assert not (repo / "escaped").exists()  # the tests ran in the sandbox, where the checkout is read-only
