"""The unconfined runner (`--sandbox none`) kills everything a command left behind when it ends, in whichever
process group it went: `timeout` and job control make groups of their own within the command's session."""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from gitagent.sandbox import UnconfinedSandbox
from gitagent.sandbox.sessions import kill_session, strays
from tests.sandbox.test_dies_with_gitagent import _processes_running


@pytest.fixture
def token() -> str:
    """A word only this test's processes carry on their command line; they are killed after the test."""
    word = f"left-{uuid.uuid4().hex}"
    yield word
    for pid in _processes_running(word):
        os.kill(pid, signal.SIGKILL)


def _all_gone(token: str) -> None:
    """Every process with `token` on its command line is gone within 5 s (one sent SIGKILL ends when it is next
    scheduled, which on a loaded machine is not at once)."""
    deadline = time.monotonic() + 5
    while _processes_running(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(token) == []


@pytest.mark.parametrize("runs_for", ["briefly", "long"])  # a long one is swept by reading every process
def test_what_a_command_left_in_other_process_groups_is_killed_when_it_ends(
    tmp_path: Path, token: str, runs_for: str
) -> None:
    left = (
        f"(exec -a {token}-background sleep 300) & "
        f"(timeout 300 bash -c 'exec -a {token}-timeout sleep 300' &); "
        f"(set -m; exec -a {token}-job sleep 300 &); " + ("sleep 0.3; " if runs_for == "long" else "") + "echo started"
    )
    result = UnconfinedSandbox().run(left, cwd=tmp_path, timeout=30)
    assert (result.exit_code, result.stdout) == (0, b"started\n")
    _all_gone(token)


def test_a_timed_out_command_is_killed_with_all_it_started(tmp_path: Path, token: str) -> None:
    result = UnconfinedSandbox().run(
        f"(timeout 300 bash -c 'exec -a {token} sleep 300' &); sleep 300", cwd=tmp_path, timeout=0.5
    )
    assert result.timed_out and result.exit_code is None
    _all_gone(token)


def test_an_unconfined_command_keeps_bash_c_semantics(tmp_path: Path) -> None:
    result = UnconfinedSandbox().run('echo "$0" $$; ls /proc/self/fd | wc -l; exit 7', cwd=tmp_path, timeout=30)
    name, pid, fds = result.stdout.decode().split()
    assert result.exit_code == 7 and name == "bash" and pid.isdigit()
    assert int(fds) == 4  # stdin, stdout, stderr and the one ls reads: the lifeline is not the command's
    for wrong in ["if", "echo fine\nfi"]:
        bare = subprocess.run(["bash", "-c", wrong], capture_output=True)
        result = UnconfinedSandbox().run(wrong, cwd=tmp_path, timeout=30)
        assert (result.exit_code, result.stdout, result.stderr) == (bare.returncode, bare.stdout, bare.stderr)


def test_strays_are_the_processes_of_a_session_outside_its_first_group(tmp_path: Path) -> None:
    leader = subprocess.Popen(["bash", "-c", "(set -m; sleep 30 & wait) & sleep 30"], start_new_session=True)
    try:
        for _ in range(200):
            found = strays(leader.pid)
            if found:
                break
            time.sleep(0.02)
        assert len(found) == 1 and os.getpgid(found[0]) == found[0] and os.getsid(found[0]) == leader.pid
        assert strays(leader.pid, since=leader.pid) == found
        assert strays(leader.pid, since=found[0]) == []
    finally:
        kill_session(leader.pid)
        leader.wait()
