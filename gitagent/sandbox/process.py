"""Start a process in its own session (tied to gitagent's life by a lifeline when it is sandboxed); run one to
its end with its output captured to files, and kill its whole group at the end."""

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from gitagent.sandbox.base import CommandResult
from gitagent.testpoints import kill_point

WAIT_SLICE_S = 0.1
CAPTURE_LIMIT = 256 * 1024
"""Bytes kept of each stream: the head and tail halves; the middle is counted, not kept."""


class Lifeline:
    """A pipe whose read end a sandboxed command gets and whose write end only gitagent holds (close-on-exec, so
    no other child inherits it). It reads as end-of-file exactly when gitagent is gone, however it went and
    whichever of its threads started the command; see `gitagent.sandbox.bwrap.lifeline_prologue`."""

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()

    def go_ahead(self) -> None:
        """Tell the sandbox to start its command (gitagent has survived the spawn); the read end is the child's."""
        os.write(self.write_end, b"\n")
        self._close_read_end()

    def close(self) -> None:
        """Let go of the sandbox: a command still running is killed, one not yet started never starts."""
        self._close_read_end()
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1

    def _close_read_end(self) -> None:
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1


def start_process(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    lifeline: Lifeline | None = None,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    stdout: int | IO[bytes] | None = None,
    stderr: int | IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` in a session of its own: the one way gitagent starts a sandboxed command or program. With a
    `lifeline` (whose read end `argv` reads), the go-ahead is sent once the process exists; the caller keeps the
    lifeline until the process is done and then closes it."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True,
        pass_fds=() if lifeline is None else (lifeline.read_end,),
    )  # fmt: skip
    try:
        kill_point("sandbox-spawn")
        if lifeline is not None:
            lifeline.go_ahead()
    except BaseException:
        kill_group(proc.pid)
        proc.wait()
        raise
    return proc


def run_process(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    lifeline: Lifeline | None = None,
    kill: Callable[[int], None] | None = None,
) -> CommandResult:
    """Run `argv` with stdin closed (see `start_process` for `lifeline`); on timeout or exit, kill what is left
    of it with `kill(pid)` (default: `kill_group`, every process left in its process group).

    Output goes to temporary files rather than pipes, so a background child that keeps a pipe open
    cannot hang the call and a chatty command cannot exhaust memory.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = start_process(argv, cwd=cwd, env=env, lifeline=lifeline, stdout=out, stderr=err)
        try:
            exit_code = wait_exit(proc, timeout)
        finally:
            (kill or kill_group)(proc.pid)
            proc.wait()
        timed_out = exit_code is None
        stdout, stdout_cut = _read_head_tail(out)
        stderr, stderr_cut = _read_head_tail(err)
    return CommandResult(
        exit_code=exit_code,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        duration_ms=int((time.monotonic() - started) * 1000),
        stdout_cut=stdout_cut,
        stderr_cut=stderr_cut,
    )


def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """The exit status, or None after `timeout` seconds.

    Waits on a pidfd rather than with `Popen.wait(timeout)`, whose polling sleeps round every run up to the
    next step of 0.5, 1.5, 3.5, 7.5… ms, adding milliseconds to each sandboxed command.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except OSError:
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    deadline = time.monotonic() + timeout
    try:
        # Short slices, so an interrupt raised in this thread (the chat's Esc) is seen within one slice.
        while not select.select([pidfd], [], [], min(WAIT_SLICE_S, max(0.0, deadline - time.monotonic())))[0]:
            if time.monotonic() >= deadline:
                return None
    finally:
        os.close(pidfd)
    return proc.wait()


def kill_group(pgid: int) -> None:
    """SIGKILL every process in group `pgid` (a process started here leads its own); gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read_head_tail(f) -> tuple[bytes, int]:
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    if size <= CAPTURE_LIMIT:
        return f.read(), 0
    half = CAPTURE_LIMIT // 2
    head = f.read(half)
    f.seek(size - half)
    return head + b"\n" + f.read(half), size - 2 * half
