"""The read commands (`log`, `show`, `conversations`, `diff`) read through git's plumbing: what a user's git
config or repository layout could change in git's output must not change theirs, and they load neither pygit2
nor typer for a plain command line."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitagent.cli import args, browse
from tests.cli.firstturn import first_turn_in_flight, kill_unreaped
from tests.conftest import git, run_cli, text, tool, worktree

HOSTILE_CONFIG = """\
[color]
\tui = always
[log]
\tshowSignature = true
\tdecorate = full
\tabbrevCommit = true
[format]
\tpretty = oneline
[diff]
\tnoprefix = true
\tmnemonicPrefix = true
\texternal = /bin/echo EXTERNAL
\trelative = true
\trenames = false
[core]
\tquotepath = true
\tpager = cat -A
[i18n]
\tlogOutputEncoding = ISO-8859-1
[notes]
\tdisplayRef = refs/notes/*
"""

READS = [
    ("log",),
    ("log", "demo", "--json"),
    ("log", "--all"),
    ("show", "demo"),
    ("show", "demo@1"),
    ("show", "demo@1", "--json"),
    ("conversations", "--json"),
    ("diff", "demo"),
    ("diff", "demo@1", "--stat"),
    ("diff", "demo", "--since-base"),
]


@pytest.fixture
def two_turns(repo: Path, cli, script) -> Path:
    """Conversation `demo`: turn 1 writes `café.txt` (a name git quotes by default), turn 2 changes it (enough
    lines for a wide `--stat` graph) and moves README.md into `docs/`."""
    write = tool("Write", file_path="café.txt", content="one\n")
    cli("run", "-c", "demo", "--model", script([write], [text("ok")]), "w")
    move = tool("Bash", command="mkdir docs && mv README.md docs/")
    edit = tool("Write", file_path="café.txt", content="two\n" + "more\n" * 60)
    cli("run", "-c", "demo", "--model", script([edit, move], [text("ok")]), "move")
    return repo


def test_a_users_git_config_does_not_change_what_read_commands_print(two_turns: Path, tmp_path: Path) -> None:
    plain = {command: run_cli(two_turns, *command) for command in READS}
    git(two_turns, "notes", "add", "-m", "a note", "refs/gitagent/conversations/demo")
    config = tmp_path / "hostile.gitconfig"
    config.write_text(HOSTILE_CONFIG)
    (two_turns / "sub").mkdir()  # diff.relative would show only this directory's changes
    for command in READS:
        hostile = run_cli(two_turns / "sub", *command, env={"GIT_CONFIG_GLOBAL": str(config)})
        assert (hostile.code, hostile.out, hostile.err) == (0, plain[command].out, ""), command
    patch = plain[("diff", "demo")].out
    assert "diff --git a/café.txt b/café.txt" in patch and "-one\n+two" in patch and "\x1b" not in patch


def test_a_turns_patch_applies_with_git_apply(two_turns: Path, tmp_path: Path) -> None:
    config = tmp_path / "hostile.gitconfig"
    config.write_text(HOSTILE_CONFIG)
    patch = run_cli(two_turns, "diff", "demo", "--since-base", env={"GIT_CONFIG_GLOBAL": str(config)}).out
    done = subprocess.run(["git", "apply", "--check"], cwd=two_turns, input=patch, text=True, capture_output=True)
    assert done.returncode == 0, done.stderr


def test_read_commands_work_through_git_dir_and_from_a_worktree(two_turns: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    via_env = run_cli(elsewhere, "log", "demo", env={"GIT_DIR": str(two_turns / ".git")})
    assert via_env.code == 0 and "   2  " in via_env.out and "   1  " in via_env.out
    inside = worktree(two_turns, "demo")
    assert "turn 2 of demo" in run_cli(inside, "show", "demo").out
    assert "+two" in run_cli(inside, "diff", "demo").out


def test_outside_a_repository_and_in_a_bare_one_the_errors_name_the_fix(tmp_path: Path) -> None:
    outside = run_cli(tmp_path, "log")
    assert outside.code == 1 and outside.err.startswith("gitagent: error: not a git repository")
    assert "git init" in outside.err
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    bare = run_cli(tmp_path / "bare.git", "conversations")
    assert bare.code == 1 and "is a bare repository; gitagent needs a work tree" in bare.err and "clone" in bare.err


@pytest.mark.parametrize("command", [("log",), ("show", "demo"), ("conversations",), ("diff", "demo")])
def test_a_plain_read_command_loads_neither_pygit2_nor_typer(two_turns: Path, command: tuple[str, ...]) -> None:
    probe = (
        "import sys\nfrom gitagent.cli.app import main\n"
        f"try:\n    main({list(command)!r})\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('pygit2', 'typer') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=two_turns, capture_output=True, text=True)
    assert "LOADED []" in done.stderr, done.stderr


COMMAND_LINES = [
    ["log"],
    ["log", "demo"],
    ["log", "--all"],
    ["log", "-n", "3", "demo", "--json"],
    ["log", "--limit=2"],
    ["log", "demo", "-n", "1"],
    ["log", "-"],
    ["show", "demo@2", "--json"],
    ["show", "--json", "demo~1"],
    ["diff", "x", "--stat", "--since-base"],
    ["conversations", "--json"],
    ["conversations"],
]
FOR_TYPER = [["log", "-n5"], ["log", "--help"], ["show"], ["log", "-n", "0"], ["log", "--json=1"], ["log", "a", "b"]]


@pytest.mark.parametrize("argv", COMMAND_LINES + FOR_TYPER)
def test_the_lean_parser_reads_a_command_line_as_typer_does(argv: list[str]) -> None:
    called: dict[str, Any] = {}

    def recorder(command: str):
        def record(**values: Any) -> None:
            called.update(values, _command=command)

        return record

    recording = {name: (recorder(name), params) for name, (_, params) in browse.COMMANDS.items()}
    lean = args.parse(browse.COMMANDS[argv[0]][1], argv[1:])
    try:
        args.typer_app(recording)(args=argv, prog_name="gitagent", standalone_mode=False)
    except Exception:  # typer's usage errors: the lean parser must have left them to typer
        called.clear()
    if argv in FOR_TYPER:
        assert lean is None
    else:
        assert called == {"_command": argv[0], **lean}


def test_conversations_shows_a_first_turn_running_then_interrupted(repo: Path, cli, script) -> None:
    with first_turn_in_flight(repo, script):
        [row] = json.loads(cli("conversations", "--json").out)
        assert (row["name"], row["turns"], row["head"], row["state"]) == ("first", 0, None, "running")
    [row] = json.loads(cli("conversations", "--json").out)
    assert row["state"] == "interrupted" and row["model"].startswith("scripted:")
    assert "first  0" in cli("conversations").out and "interrupted" in cli("conversations").out


def test_reading_a_conversation_whose_first_turn_is_in_flight_says_so_and_how_to_finish_it(repo: Path, script) -> None:
    with first_turn_in_flight(repo, script) as proc:
        running = run_cli(repo, "log", "first")
        assert running.code == 1 and f"its first turn is still running (process {proc.pid})" in running.err
        kill_unreaped(proc)  # killed, not reaped yet: `os.kill(pid, 0)` still finds it
        for command in [("log", "first"), ("log",), ("show", "first"), ("show", "first@1"), ("diff", "first")]:
            result = run_cli(repo, *command)
            assert result.code == 1 and result.out == "", command
            assert "conversation 'first' has no turns yet: its first turn was interrupted" in result.err, command
            assert "`gitagent run --resume -c first` or drop it with `gitagent run --discard -c first`" in result.err
