"""The Sandbox protocol: run one shell command in a worktree, bounded in time."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class CommandResult:
    """What a command did. `stdout`/`stderr` are raw bytes, already cut to the sandbox's capture limit."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    duration_ms: int
    stdout_cut: int = 0
    stderr_cut: int = 0


class Sandbox(Protocol):
    """Runs `command` with `bash -c` in `cwd`, stdin closed, its whole process tree killed after `timeout`."""

    name: str

    def run(self, command: str, *, cwd: Path, timeout: float) -> CommandResult: ...
