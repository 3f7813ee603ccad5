"""Bash through the real unconfined sandbox: real processes, real timeouts."""

import time
from pathlib import Path

from gitagent.sandbox import CommandResult
from gitagent.tools import Bash, ToolContext
from gitagent.tools.base import OUTPUT_LIMIT
from gitagent.tools.bash import format_result


def bash(ctx: ToolContext, command: str, **extra: object):
    return Bash().run({"command": command, **extra}, ctx)


def test_runs_in_the_worktree(ctx: ToolContext, root: Path) -> None:
    (root / "hello.txt").write_text("hello from the worktree\n")
    result = bash(ctx, "cat hello.txt", description="Show the file")
    assert (result.is_error, result.output) == (False, "hello from the worktree")
    assert result.metadata["exit_code"] == 0


def test_no_output(ctx: ToolContext) -> None:
    assert bash(ctx, "true").output == "(no output)"


def test_stderr_is_labelled_and_exit_code_shown(ctx: ToolContext) -> None:
    result = bash(ctx, "echo out; echo err >&2; exit 3")
    assert result.is_error
    assert result.output == "out\n[stderr]\nerr\nExit code 3"
    assert result.metadata["exit_code"] == 3


def test_stderr_alone_with_success_is_not_an_error(ctx: ToolContext) -> None:
    result = bash(ctx, "echo warning >&2")
    assert (result.is_error, result.output) == (False, "[stderr]\nwarning")


def test_killed_by_signal(ctx: ToolContext) -> None:
    result = bash(ctx, "echo before; kill -9 $$")
    assert result.is_error
    assert result.output == "before\nCommand was killed by signal 9."


def test_timeout_kills_the_command_and_keeps_its_output(ctx: ToolContext, root: Path) -> None:
    started = time.monotonic()
    result = bash(ctx, "echo started; sleep 2; touch finished", timeout=1000)
    assert time.monotonic() - started < 2
    assert result.is_error
    assert result.output == "started\nCommand timed out after 1 s and was killed."
    assert result.metadata["timed_out"] is True
    time.sleep(1.5)
    assert not (root / "finished").exists()


def test_background_process_does_not_hang_the_call(ctx: ToolContext) -> None:
    started = time.monotonic()
    result = bash(ctx, "sleep 100 & echo launched")
    assert time.monotonic() - started < 5
    assert (result.is_error, result.output) == (False, "launched")


def test_non_utf8_output_survives(ctx: ToolContext) -> None:
    assert bash(ctx, r"printf 'caf\xe9 ok\n'").output == "caf\\xe9 ok"


def test_long_output_is_truncated_with_notes(ctx: ToolContext) -> None:
    result = bash(ctx, "seq 1 100000")
    assert not result.is_error
    assert len(result.output) <= OUTPUT_LIMIT
    assert result.output.startswith("1\n2\n3\n")
    assert "characters cut ...]" in result.output
    assert result.output.splitlines()[-1].startswith("[")
    assert "bytes cut from the middle of stdout" in result.output.splitlines()[-1]
    assert "\n100000\n" in result.output


def test_cut_notes_and_exit_code_survive_truncation() -> None:
    result = CommandResult(
        exit_code=1,
        stdout=b"o" * 50_000,
        stderr=b"e" * 50_000,
        timed_out=False,
        duration_ms=5,
        stdout_cut=10,
        stderr_cut=20,
    )
    output = format_result(result, 120_000).output
    assert len(output) <= OUTPUT_LIMIT
    assert output.endswith(
        "[10 bytes cut from the middle of stdout; redirect to a file to see it all]\n"
        "[20 bytes cut from the middle of stderr; redirect to a file to see it all]\n"
        "Exit code 1"
    )


def test_timeout_out_of_range_is_an_error(ctx: ToolContext, root: Path) -> None:
    too_long = bash(ctx, "touch ran", timeout=600_001)
    assert (too_long.is_error, too_long.output) == (
        True,
        "parameter 'timeout' must be at most 600000, got 600001",
    )
    too_short = bash(ctx, "touch ran", timeout=0)
    assert (too_short.is_error, too_short.output) == (
        True,
        "parameter 'timeout' must be at least 1000, got 0",
    )
    assert not (root / "ran").exists()


def test_missing_command(ctx: ToolContext) -> None:
    result = Bash().run({"description": "nothing"}, ctx)
    assert (result.is_error, result.output) == (True, "missing required parameter 'command'")
