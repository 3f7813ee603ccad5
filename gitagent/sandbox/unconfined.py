"""The `none` sandbox: commands run directly on the host, only when the user asked for it explicitly."""

import os
from pathlib import Path

from gitagent.sandbox.base import CommandResult
from gitagent.sandbox.process import run_process


class UnconfinedSandbox:
    """Runs commands unconfined in the worktree (bounded in time, process group killed after)."""

    name = "none"

    def run(self, command: str, *, cwd: Path, timeout: float) -> CommandResult:
        """Run `command` with bash in `cwd`."""
        return run_process(["bash", "-c", command], cwd=cwd, env=dict(os.environ), timeout=timeout)
