"""The session environment from gitagent's side: what the agent may not do with it, `exec`, and its lifetime."""

import json
import subprocess
from pathlib import Path

from gitagent.workspace.sessionenv import SessionEnv, read_script, with_session_env
from tests.conftest import conversation_head, text, tool
from tests.hooks.conftest import python_hook, settings, write_hook

APPEND = python_hook(
    "import os\n"
    "with open(os.environ['CLAUDE_ENV_FILE'], 'a') as f:\n"
    "    f.write(f\"export GREETING=hi-{event['source']}\\nexport PATH=/opt/greeting/bin:$PATH\\n\")"
)


def _with_hook(repo: Path) -> None:
    hook = repo / ".claude" / "hooks" / "env.py"
    hook.parent.mkdir(parents=True)
    hook.write_text(APPEND)
    hook.chmod(0o755)
    settings(repo / ".claude" / "settings.json", {"SessionStart": [{"hooks": [{"type": "command",
                                                                              "command": str(hook)}]}]})  # fmt: skip


def _outputs(repo: Path, name: str) -> list[str]:
    events = json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]
    return [e["content"] for e in events if e["type"] == "tool_result"]


def test_the_agent_cannot_change_the_file_from_the_sandbox(repo: Path, cli, script) -> None:
    _with_hook(repo)
    folder = repo / ".git" / "gitagent" / "session-env" / "c"
    evil = f"echo 'export GREETING=evil' >> {folder}/sessionstart-hook-0.sh; echo $?"
    calls = [tool("Bash", command=evil), tool("Bash", command='echo "$GREETING ${PATH%%:*}"')]
    cli("run", "-c", "c", "--trust-repo", "-m", script(*([c] for c in calls), [text("done")]), "go")
    wrote, seen = _outputs(repo, "c")
    assert "Read-only file system" in wrote and seen == "hi-startup /opt/greeting/bin"
    assert (folder / "sessionstart-hook-0.sh").read_text().count("GREETING") == 1


def test_exec_runs_the_lines_first_as_the_agents_commands_do(repo: Path, cli, script) -> None:
    _with_hook(repo)
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("done")]), "go")
    shown = cli("exec", "-c", "c", "--", 'echo "$GREETING ${PATH%%:*}"').out
    assert shown == "hi-startup /opt/greeting/bin\n"


def test_a_new_conversation_under_a_removed_name_starts_with_an_empty_environment(repo: Path, cli, script) -> None:
    _with_hook(repo)
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("one")]), "go")
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("two")]), "more")
    folder = repo / ".git" / "gitagent" / "session-env" / "c"
    assert read_script(folder).count("hi-resume") == 1  # the second run resumed the session: appended
    cli("rm", "c")
    cli("run", "-c", "c", "--trust-repo", "-m", script([tool("Bash", command="echo $GREETING")], [text("x")]), "new")
    assert read_script(folder).count("GREETING") == 1 and _outputs(repo, "c") == ["hi-startup"]


def test_files_are_numbered_among_the_hooks_that_ran_and_read_again_after_them(runner, dirs, tmp_path) -> None:
    root = dirs[0]
    write_hook(root / ".gitagent", "SessionStart", "a.py", APPEND)
    seen = tmp_path / "seen.txt"
    write_hook(
        root / ".gitagent",
        "PreToolUse",
        "b.py",
        python_hook(f"import os\nopen({str(seen)!r}, 'w').write(os.environ.get('CLAUDE_ENV_FILE', 'none'))"),
    )
    env = SessionEnv(tmp_path / "env")
    hooks = runner(session_env=env)
    assert env.script() == ""
    hooks.run("SessionStart", {"source": "startup"})
    assert env.script() == "export GREETING=hi-startup\nexport PATH=/opt/greeting/bin:$PATH"
    assert [p.name for p in env.directory.iterdir()] == ["sessionstart-hook-0.sh"]
    hooks.run("PreToolUse", {"tool_input": {}}, tool_name="Bash")
    assert seen.read_text() == "none"  # only SessionStart's hooks get it (see tests/conformance/test_envfile.py)
    hooks.run("SessionStart", {"source": "compact"})  # a compaction's SessionStart: read again
    assert env.script().count("GREETING") == 2


def test_a_line_that_fails_does_not_stop_the_command_which_sees_unexported_variables_too() -> None:
    """As in Claude Code, where `false` or a missing command in the file is reported and the command runs."""
    script = "false\nno-such-command-here\nA=shell-variable\nexport B=exported"
    command = with_session_env(script, "echo \"$A $B\" 'quoted'")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "shell-variable exported quoted\n")
    assert "no-such-command-here: command not found" in done.stderr
    assert with_session_env("", "ls") == "ls"  # no session environment: the command as the model gave it


def test_a_file_too_long_for_a_command_line_is_sourced_in_the_sandbox(repo: Path, cli, script) -> None:
    _with_hook(repo)
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("done")]), "go")
    hook_file = repo / ".git" / "gitagent" / "session-env" / "c" / "sessionstart-hook-0.sh"
    with hook_file.open("a") as f:
        f.writelines(f"export FILLER_{i}={'x' * 60}\n" for i in range(3000))  # ~200 KB, over one argument's limit
    shown = cli("exec", "-c", "c", "--", 'echo "$GREETING ${#FILLER_2999}"').out
    assert shown == "hi-startup 60\n"


def test_hooks_test_gives_session_start_hooks_a_file_and_shows_what_they_wrote(repo: Path, cli) -> None:
    _with_hook(repo)
    shown = cli("hooks", "test", "SessionStart", "--trust-repo").out
    assert "CLAUDE_ENV_FILE (run before each Bash command):\n  export GREETING=hi-startup\n" in shown
    assert not (repo / ".git" / "gitagent" / "session-env").exists()  # a test run's file is thrown away


def test_a_fork_onto_a_removed_name_does_not_inherit_its_environment(repo: Path, cli, script) -> None:
    _with_hook(repo)
    cli("run", "-c", "c", "--trust-repo", "-m", script([text("one")]), "go")
    cli("run", "-c", "other", "-m", script([text("one")]), "go")  # no hook runs without --trust-repo here
    folder = repo / ".git" / "gitagent" / "session-env" / "c"
    assert read_script(folder)
    cli("rm", "c")
    assert not folder.exists()  # removed with its conversation: a later `c` is another session
    cli("fork", "other", "c")
    cli("run", "-c", "c", "-m", script([tool("Bash", command='echo "[$GREETING]"')], [text("x")]), "go on")
    assert _outputs(repo, "c") == ["[]"]
