"""Running one hook process: its input on stdin, its output captured and capped, its session killed on timeout or
when gitagent is gone."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gitagent.hooks.lifelines import release
from gitagent.sandbox.process import Lifeline, start_process, wait_exit
from gitagent.sandbox.sessions import kill_session
from gitagent.sandbox.unconfined import program_argv
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
    """Run `argv` in a session of its own, tied to gitagent's life, with `stdin` as input; after `timeout` seconds
    kill the whole session.

    It runs as an unconfined program does (`gitagent.sandbox.unconfined.program_argv`): a watcher kills it and
    everything it started, in whichever process group, once gitagent is gone, however it went. What it leaves
    running when it exits lives on until then (see `gitagent.hooks.lifelines`). Input and output go through
    temporary files, not pipes: a hook that never reads its input cannot block us, a background child that keeps
    a stream open cannot hang us, and megabytes of output cost disk, not memory.
    """
    started = time.monotonic()
    problem = _exec_problem(argv[0], cwd, env)
    if problem:
        return _not_started(problem, started)
    with tempfile.TemporaryFile() as inp, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        inp.write(stdin)
        inp.seek(0)
        try:
            wrapped, lifeline = program_argv(argv, env)
        except OSError as e:
            return _not_started(e.strerror or str(e), started)
        try:
            proc = start_process(wrapped, cwd=cwd, env=env, lifeline=lifeline, stdin=inp, stdout=out, stderr=err)
        except OSError as e:
            lifeline.close()
            return _not_started(e.strerror or str(e), started)
        try:
            exit_code = wait_exit(proc, timeout)
        except BaseException:  # Ctrl-C while a hook runs: take the hook's processes down with us
            _end(proc, lifeline, started)
            raise
        if exit_code is None:
            _end(proc, lifeline, started)
        else:
            release(proc.pid, lifeline, started)
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


def _not_started(reason: str, started: float) -> ProcessResult:
    return ProcessResult(None, "", "", _ms(started), start_error=f"cannot start: {reason}")


def _end(proc: subprocess.Popen[bytes], lifeline: Lifeline, started: float) -> None:
    """Kill the hook's whole session (`timeout` and job control move children to groups of their own)."""
    kill_session(proc.pid, started=started)
    proc.wait()
    lifeline.close()


def _exec_problem(program: str, cwd: Path, env: Mapping[str, str]) -> str | None:
    """Why the kernel would refuse to run the file `program` (its `#!` interpreter missing; neither `#!` nor ELF),
    as starting it directly said: the shell that now starts it would instead print an error and exit 127, or run
    a file without `#!` as a shell script. Other failures are left to the start itself."""
    path = shutil.which(program, path=env.get("PATH", os.defpath))
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None if head.startswith(b"\x7fELF") else "Exec format error"
    words = head[2:].split(b"\n", 1)[0].split()
    interpreter = cwd / os.fsdecode(words[0]) if words else None  # a relative one is found from the working dir
    if interpreter is None or not (interpreter.is_file() and os.access(interpreter, os.X_OK)):
        return f"its interpreter {interpreter or '(none)'}: No such file or directory"
    return None


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
