"""Running one hook process: its input on stdin, its output captured and capped, its group killed on timeout."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gitagent.store.locate import LOCATION_ENV

OUTPUT_LIMIT = 64 * 1024
"""Bytes kept of each of a hook's streams: the head and the tail; the middle is counted, not kept."""

STRIPPED_ENV = frozenset({"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}) | LOCATION_ENV


@dataclass(frozen=True)
class ProcessResult:
    """How a hook process ended and what it printed (decoded, capped)."""

    exit_code: int | None
    """None when it timed out or could not start."""
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False
    start_error: str | None = None
    stdout_cut: int = 0
    """Bytes of stdout left out (0: all kept)."""
    stderr_cut: int = 0


def hook_env(base: Mapping[str, str], repo_root: Path, worktree: Path, conversation: str = "") -> dict[str, str]:
    """The environment of a hook: the user's own, minus gitagent's model keys, plus where things are.

    Hooks are the user's code, so (as in Claude Code) they get the user's environment, not the sandbox's
    allow-list; but the keys gitagent itself uses to call models are never handed on (no key in a hook's
    input or environment). `CLAUDE_PROJECT_DIR`/`GITAGENT_PROJECT_DIR` are the user's checkout (where hooks
    run), `GITAGENT_WORKTREE` the conversation's worktree (where the agent works), `GITAGENT_CONVERSATION` its
    name, and `GITAGENT_BIN` the gitagent to call for `$GITAGENT_BIN exec -c NAME -- CMD`, which runs agent
    code confined. `GIT_DIR` and friends are dropped so git in a hook acts on the directory it runs in.
    """
    env = {
        name: value
        for name, value in base.items()
        if name not in STRIPPED_ENV and not (name.startswith("GITAGENT_") and "KEY" in name)
    }
    env["CLAUDE_PROJECT_DIR"] = str(repo_root)
    env["GITAGENT_PROJECT_DIR"] = str(repo_root)
    env["GITAGENT_WORKTREE"] = str(worktree)
    env["GITAGENT_BIN"] = gitagent_bin()
    if conversation:
        env["GITAGENT_CONVERSATION"] = conversation
    return env


def gitagent_bin() -> str:
    """The command of the gitagent running now (the one installed next to its Python), for hooks to call."""
    beside = Path(sys.executable).parent / "gitagent"
    return str(beside) if beside.is_file() else shutil.which("gitagent") or "gitagent"


def run_hook_process(argv: list[str], stdin: bytes, *, cwd: Path, env: dict[str, str], timeout: float) -> ProcessResult:
    """Run `argv` in a new session with `stdin` as input; after `timeout` seconds kill its whole group.

    Input and output go through temporary files, not pipes: a hook that never reads its input cannot
    block us, a background child that keeps a stream open cannot hang us, and megabytes of output cost
    disk, not memory.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as inp, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        inp.write(stdin)
        inp.seek(0)
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=inp, stdout=out, stderr=err, start_new_session=True)
        except OSError as e:
            return ProcessResult(None, "", "", _ms(started), start_error=f"cannot start: {e.strerror or e}")
        try:
            exit_code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            exit_code = None
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except BaseException:  # Ctrl-C while a hook runs: take the hook's processes down with us
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        stdout, stdout_cut = _read_capped(out)
        stderr, stderr_cut = _read_capped(err)
    return ProcessResult(
        exit_code,
        stdout,
        stderr,
        _ms(started),
        timed_out=exit_code is None,
        stdout_cut=stdout_cut,
        stderr_cut=stderr_cut,
    )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _read_capped(f) -> tuple[str, int]:
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    if size <= OUTPUT_LIMIT:
        return f.read().decode(errors="replace"), 0
    half = OUTPUT_LIMIT // 2
    head = f.read(half)
    f.seek(size - half)
    tail = f.read(half)
    cut = size - 2 * half
    note = f"\n[... {cut} bytes of hook output left out ...]\n".encode()
    return (head + note + tail).decode(errors="replace"), cut
