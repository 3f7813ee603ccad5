"""Nothing the agent started runs once gitagent is gone, even when gitagent is killed as the sandbox starts."""

import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import run_cli, tool, worktree


def _processes_running(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
def test_a_command_spawned_as_gitagent_is_killed_never_runs(repo: Path, script) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    command = f": {token}; echo ran > marker.txt; sleep 30"
    model = script([tool("Bash", command=command)])
    result = run_cli(repo, "run", "-c", "k", "--model", model, "go", env={"GITAGENT_TEST_KILL_AT": "sandbox-spawn"})
    try:
        assert result.code == -signal.SIGKILL, result.err
        marker = worktree(repo, "k") / "marker.txt"
        deadline = time.monotonic() + 2  # the sandbox starts in tens of milliseconds; give it far longer
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not marker.exists()
        assert _processes_running(token) == []
    finally:
        for pid in _processes_running(token):
            os.kill(pid, signal.SIGKILL)
