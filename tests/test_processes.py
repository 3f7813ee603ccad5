"""A process's liveness, as the in-flight turn's owner check and the cgroup sweep read it."""

import os
import signal
import socket
import time
from pathlib import Path

from gitagent.processes import running
from gitagent.store.inflight import is_alive


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_killed_process_its_parent_has_not_reaped_is_not_running() -> None:
    pid = os.posix_spawn("/bin/sleep", ["sleep", "60"], dict(os.environ))  # no Popen: nothing reaps it for us
    owner = {"pid": pid, "host": socket.gethostname()}
    try:
        assert running(pid) and is_alive(owner)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _state(pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _state(pid) == "Z"  # a zombie: os.kill(pid, 0) still finds it
        assert not running(pid) and not is_alive(owner)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert not running(pid)


def test_a_process_that_exists_is_running() -> None:
    assert running(os.getpid()) and running(os.getppid())
    assert running(1)  # another user's, maybe (PermissionError): it exists all the same
