"""Running the git command line where libgit2 has no equivalent (status, worktrees, apply, push)."""

import functools
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gitagent.errors import GitagentError

# Repository hooks must not run on gitagent's own plumbing (a post-checkout hook on worktree creation).
_BASE = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.quotepath=off"]
_PR_SET_PDEATHSIG = 1


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `cwd`; raise GitagentError when it fails. The git process dies with gitagent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith("GIT_CONFIG")}
    command = next((arg for arg in args if not arg.startswith("-")), "")
    if not cwd.is_dir():
        raise GitagentError(f"git {command} cannot run: {cwd} is missing")
    proc = subprocess.run(
        [*_BASE, *args], cwd=cwd, env=env, input=input, capture_output=True, preexec_fn=_dies_with(os.getpid())
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise GitagentError(f"git {command} failed: {message}")
    return proc


def git_failure(stderr: bytes | str, returncode: int) -> str:
    """git's reason for a failure on one line: its `fatal:`/`error:` messages without the advice around them."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reasons = [line.split(":", 1)[1].strip() for line in lines if line.startswith(("fatal:", "error:"))]
    return "; ".join(dict.fromkeys(reasons)) or (lines[0] if lines else f"exit status {returncode}")


@functools.cache
def _libc() -> Any:
    """The C library (a `ctypes.CDLL`), loaded when the first git command runs: read commands that run none skip
    ctypes' import."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _dies_with(parent: int) -> Callable[[], None]:
    """Set up a child to be killed when gitagent dies: a git command that outlived a killed gitagent would go
    on changing a worktree (a checkout half-way, an index.lock held) behind the back of the next gitagent.

    Why not the sandbox's lifeline (`gitagent.sandbox.process.Lifeline`), the other way a child dies with
    gitagent: a lifeline needs someone on the child's side to read it (the sandbox's shell prologue and its
    watcher in a PID namespace of its own), and git reads no pipe; wrapping each git call in a shell would add a
    bash start to every one. The lifeline exists for what PR_SET_PDEATHSIG cannot do: the signal follows the
    *thread* that forked, so a long-running program (an MCP server, an executor) started from a turn's worker
    thread would die with that thread. Here the forking thread waits for git in `subprocess.run`, so the two
    die together anyway. preexec_fn is not safe with threads in general (the child runs Python after fork, where
    a lock another thread held stays held): this one only makes the prctl and getppid system calls, with no
    import, logging or I/O that could wait on such a lock.
    """
    libc = _libc()  # loaded here, before the fork: the child only calls it

    def setup() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # gitagent died before the request took effect
            os._exit(1)

    return setup
