"""Whether a process named by its id is still running."""

import os
from pathlib import Path


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended. A zombie (ended, its exit status not yet collected by its
    parent) exists to `os.kill(pid, 0)` but runs nothing: where there is a /proc, it counts as ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it exists
        pass
    return _state(pid) not in ("Z", "X")


def _state(pid: int) -> str:
    """The process's state letter in /proc (R, S, Z…): X when it has left /proc, "" when there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return "X" if Path("/proc/self").is_dir() else ""  # it ended since os.kill saw it
    except OSError:
        return ""
    return stat[stat.rfind(b")") + 2 :][:1].decode("ascii", "replace")  # after the name, which may hold ")"
