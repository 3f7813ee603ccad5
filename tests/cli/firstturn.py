"""A conversation whose first turn is in flight: a real `gitagent run` busy in its model's Bash call, which a
test reads while it runs, then kills (and reaps) to leave the turn interrupted."""

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.conftest import default_sigint, text, tool, worktree
from tests.reliability.conftest import wait_for


@contextlib.contextmanager
def first_turn_in_flight(
    repo: Path, script: Callable[..., str], name: str = "first"
) -> Iterator[subprocess.Popen[bytes]]:
    """`gitagent run -c NAME` in the middle of its first turn (its Bash call sleeps 30 s, far longer than a
    test reads it); on leaving the block it is killed with SIGKILL, if it is not already, and reaped."""
    slow = script([tool("Bash", command="touch started && sleep 30")], [text("done")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "run", "-c", name, "--model", slow, "--sandbox", "none", "go"],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=default_sigint,
    )
    try:
        wait_for(worktree(repo, name) / "started")
        yield proc
    finally:
        proc.send_signal(signal.SIGKILL)  # does nothing once it is reaped
        proc.wait()


def kill_unreaped(proc: subprocess.Popen[bytes]) -> None:
    """Kill `proc` with SIGKILL and wait until it has ended but is not reaped yet: a zombie, which
    `os.kill(pid, 0)` still finds, so its turn must still read as interrupted."""
    proc.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, f"process {proc.pid} did not end"
        time.sleep(0.02)
