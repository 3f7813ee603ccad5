"""Run a process in its own session, capture its output to files, and kill its whole group at the end."""

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gitagent.sandbox.base import CommandResult
from gitagent.testpoints import kill_point

WAIT_SLICE_S = 0.1
CAPTURE_LIMIT = 256 * 1024
"""Bytes kept of each stream: the head and tail halves; the middle is counted, not kept."""


def run_process(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    pass_fds: tuple[int, ...] = (),
    spawned: Callable[[], object] | None = None,
) -> CommandResult:
    """Run `argv` with stdin closed (and `pass_fds` open); on timeout or exit, kill every process left in its
    session. `spawned` is called once the process exists.

    Output goes to temporary files rather than pipes, so a background child that keeps a pipe open
    cannot hang the call and a chatty command cannot exhaust memory.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        kill_point("sandbox-spawn")
        try:
            if spawned is not None:
                spawned()
            exit_code = _wait(proc, timeout)
        finally:
            _kill_group(proc.pid)
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


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
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


def _kill_group(pgid: int) -> None:
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
