"""Nothing the agent started runs once gitagent is gone, even when gitagent is killed as the sandbox starts: not a
command, not an MCP server, not an outside executor's program; and not an unconfined command (`--sandbox none`)
either, nor what it left in process groups of its own."""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import git, run_cli, text, tool, worktree
from tests.mcp.conftest import write_mcp_json
from tests.reliability.conftest import wait_for


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


def wait_for_process(name: str) -> None:
    """Wait until a process whose command line starts with `name` runs."""
    deadline = time.monotonic() + 10
    while not any(_cmdline(pid).startswith(name.encode()) for pid in _processes_running(name)):
        assert time.monotonic() < deadline, f"{name} never started"
        time.sleep(0.02)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


KILLED_AT_SPAWN = {"GITAGENT_TEST_KILL_AT": "sandbox-spawn"}
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
SANDBOXES = [pytest.param("bwrap", marks=needs_bwrap), "none"]


def _left_running(token: str) -> list[int]:
    """The processes named with `token` still running 5 s after gitagent was killed (none, as promised)."""
    deadline = time.monotonic() + 5
    while _processes_running(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processes_running(token)


def _clean_up(gitagent: subprocess.Popen[bytes], token: str) -> None:
    """Kill gitagent and, should the test have failed, what it left running."""
    gitagent.kill()
    gitagent.wait()
    for pid in _processes_running(token):
        os.kill(pid, signal.SIGKILL)


def _sandbox(choice: str) -> list[str]:
    """The command-line flag for a sandbox choice (bwrap is the default)."""
    return [] if choice == "bwrap" else ["--sandbox", choice]


def _never_ran(repo: Path, token: str) -> None:
    """Nothing with `token` in its command line runs, and it never wrote the worktree's marker.txt."""
    try:
        marker = worktree(repo, "k") / "marker.txt"
        deadline = time.monotonic() + 2  # the sandbox starts in tens of milliseconds; give it far longer
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not marker.exists()
        assert _processes_running(token) == []
    finally:
        for pid in _processes_running(token):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_command_spawned_as_gitagent_is_killed_never_runs(repo: Path, script, sandbox: str) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    command = f": {token}; echo ran > marker.txt; sleep 30"
    model = script([tool("Bash", command=command)])
    result = run_cli(repo, "run", "-c", "k", *_sandbox(sandbox), "--model", model, "go", env=KILLED_AT_SPAWN)
    assert result.code == -signal.SIGKILL, result.err
    _never_ran(repo, token)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_an_mcp_server_spawned_as_gitagent_is_killed_never_runs(repo: Path, script, sandbox: str) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    write_mcp_json(repo, {"stay": {"command": "bash", "args": ["-c", f": {token}; echo ran > marker.txt; sleep 30"]}})
    model = script([text("done")])
    argv = ["run", "-c", "k", "--trust-repo", *_sandbox(sandbox), "--model", model, "go"]
    result = run_cli(repo, *argv, env=KILLED_AT_SPAWN)
    assert result.code == -signal.SIGKILL, result.err
    _never_ran(repo, token)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_an_executor_spawned_as_gitagent_is_killed_never_runs(repo: Path, sandbox: str) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    program = repo / f"{token}.sh"  # in the checkout, which the sandbox shows read-only
    program.write_text("#!/bin/sh\necho ran > marker.txt\nsleep 30\n")
    program.chmod(0o755)
    git(repo, "config", "gitagent.claudeCodePath", str(program))
    env = {"ANTHROPIC_API_KEY": "sk-ant-test", **KILLED_AT_SPAWN}
    result = run_cli(repo, "run", "-c", "k", *_sandbox(sandbox), "--executor", "claude-code", "go", env=env)
    assert result.code == -signal.SIGKILL, result.err
    _never_ran(repo, token)


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("what", ["mcp server", "command"])
def test_a_running_mcp_server_or_command_dies_when_gitagent_is_killed(
    repo: Path, script, what: str, sandbox: str
) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    if what == "mcp server":  # it never answers MCP's handshake: the turn waits for it while it runs
        write_mcp_json(repo, {"stay": {"command": "bash", "args": ["-c", f": {token}; touch up; sleep 60"]}})
    model = script([tool("Bash", command=f": {token}; touch up; sleep 60")])
    argv = [
        sys.executable,
        "-m",
        "gitagent",
        "run",
        "-c",
        "k",
        "--trust-repo",
        *_sandbox(sandbox),
        "--model",
        model,
        "go",
    ]
    gitagent = subprocess.Popen(argv, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(worktree(repo, "k") / "up", timeout=60)
        assert _processes_running(token)
        gitagent.kill()
        gitagent.wait()
        assert _left_running(token) == []
    finally:
        _clean_up(gitagent, token)


def test_a_running_unconfined_command_and_all_it_started_die_when_gitagent_is_killed(repo: Path, script) -> None:
    token = f"outlive-{uuid.uuid4().hex}"
    command = (
        f"(exec -a {token}-background sleep 300) & "  # in the command's process group
        f"(timeout 300 bash -c 'exec -a {token}-timeout sleep 300' &); "  # `timeout` makes a group of its own
        f"touch up; exec -a {token}-foreground sleep 300"
    )
    argv = [
        sys.executable,
        "-m",
        "gitagent",
        "run",
        "-c",
        "k",
        "--sandbox",
        "none",
        "--model",
        script([tool("Bash", command=command)]),
        "go",
    ]
    gitagent = subprocess.Popen(argv, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(worktree(repo, "k") / "up", timeout=60)
        for started in ("background", "timeout", "foreground"):
            wait_for_process(f"{token}-{started}")
        gitagent.kill()
        gitagent.wait()
        assert _left_running(token) == []
    finally:
        _clean_up(gitagent, token)
