"""The `none` sandbox: commands run directly on the host, only when the user asked for it explicitly.

An unconfined command still never outlives gitagent, the promise a bwrap sandbox keeps with its PID namespace.
It runs in a session of its own and reads the same lifeline a sandbox does (`gitagent.sandbox.process.Lifeline`):
a watcher, started by the command's shell before the command, kills every process of the session once the pipe
reads as end-of-file, which happens exactly when gitagent is gone, however it went. Why not the alternatives:

- PR_SET_PDEATHSIG reaches only the process it is set in (the shell), not what the shell starts (`sleep 300 &`,
  a pipeline, a test runner's workers); and it fires when the *thread* that forked exits, not the process.
- A sweep at gitagent's next start leaves the command running until then, which may be never.
- A cgroup per command needs a writable cgroup tree (root, here) and costs tens of milliseconds a command.

Both the watcher and the end of each command kill the whole session, not only the process group (see
`gitagent.sandbox.sessions`). What escapes is a process that leaves the session (`setsid`, a daemon):
unconfined, there is no PID namespace to catch it. The price is a second bash start per command (the first
only waits for the go-ahead and starts the watcher): `true` takes about 2x a bare `bash -c true`, some 5 ms
more on a loaded 2-core machine (`python bench/sandbox_startup.py`).
"""

import errno
import functools
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from gitagent.sandbox.base import CommandResult
from gitagent.sandbox.process import Lifeline, run_process
from gitagent.sandbox.sessions import kill_session, proc_is_ours

_SWEEP = (
    "for _ in {1..20}; do k=\n"
    '  for f in /proc/[0-9]*/stat; do p=${f//[!0-9]/}; [ "$p" = "$BASHPID" ] && continue\n'
    '    read -r s < "$f" || continue; s=${s##*) }; set -- $s\n'
    '    [ "$4" = "$$" ] && [ "$1" != Z ] && kill -KILL "$p" && k=1\n'
    '  done; [ "$k" ] || break\n'
    "done; kill -KILL 0"
)
"""Bash lines that SIGKILL every process of this shell's session (field 6 of /proc/PID/stat, the 4th after the
name; zombies skipped), again while a pass finds some (they may fork as it reads), then the sweeping shell with
its process group (that alone where /proc shows another PID namespace). See `gitagent.sandbox.sessions`."""


class UnconfinedSandbox:
    """Runs commands unconfined in the worktree: bounded in time, their session killed after, or as soon as
    gitagent is gone."""

    name = "none"

    def run(self, command: str, *, cwd: Path, timeout: float) -> CommandResult:
        """Run `command` with bash in `cwd`."""
        lifeline = Lifeline()
        try:
            argv = ["bash", "-c", lifeline_prologue(lifeline.read_end) + '\nexec bash -c "$1"', "bash", command]
            kill = functools.partial(kill_session, started=time.monotonic())
            return run_process(argv, cwd=cwd, env=dict(os.environ), timeout=timeout, lifeline=lifeline, kill=kill)
        finally:
            lifeline.close()


def program_argv(program: list[str], env: Mapping[str, str]) -> tuple[list[str], Lifeline]:
    """The command line that runs a long-running `program` (an MCP server, an executor) unconfined and tied to
    gitagent's life, and the lifeline it reads: start it with `start_process` and `env`, close the lifeline once
    it is done, kill it with `kill_session`. Raises FileNotFoundError or PermissionError, as starting `program`
    itself would, when it cannot run."""
    if shutil.which(program[0], path=env.get("PATH", os.defpath)) is None:
        code = errno.EACCES if os.sep in program[0] and os.path.exists(program[0]) else errno.ENOENT
        raise (PermissionError if code == errno.EACCES else FileNotFoundError)(code, os.strerror(code), program[0])
    lifeline = Lifeline()
    return ["bash", "-c", lifeline_prologue(lifeline.read_end) + '\nexec "$@"', "bash", *program], lifeline


def lifeline_prologue(fd: int) -> str:
    """Shell lines run before an unconfined command, in the session leader, tying the session's life to the write
    end of pipe `fd` (see `gitagent.sandbox.bwrap.lifeline_prologue`, its sandboxed twin)."""
    return (
        f"read -r -u {fd} _ || exit 137\n"  # gitagent's go-ahead, or end-of-file: it died as the command started
        f"{{ read -r -u {fd} _\n{_SWEEP if proc_is_ours() else 'kill -KILL 0'}\n}} </dev/null >/dev/null 2>&1 &\n"
        f"exec {fd}<&-"
    )
