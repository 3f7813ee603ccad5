"""Running the git command line where libgit2 has no equivalent (status, worktrees, apply, push)."""

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gitagent.errors import GitagentError

# Repository hooks must not run on gitagent's own plumbing (a post-checkout hook on worktree creation).
_BASE = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.quotepath=off"]


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `cwd`; raise GitagentError when it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith("GIT_CONFIG")}
    proc = subprocess.run([*_BASE, *args], cwd=cwd, env=env, input=input, capture_output=True)
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise GitagentError(f"git {args[0]} failed: {message}")
    return proc
