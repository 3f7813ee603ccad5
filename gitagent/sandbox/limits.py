"""Resource limits a runaway sandboxed command hits instead of the machine.

Two mechanisms, because one is not enough everywhere (measured in a root container, kernel 6.x):

- rlimits, set by a `ulimit` prologue *inside* the sandbox, after bwrap created the user namespace:
  CPU seconds, data segment (heap and private anonymous memory), processes, file size, no core dumps.
  `ulimit` with no -S/-H sets the hard limit too, and without CAP_SYS_RESOURCE in the initial namespace
  the command cannot raise it again. Setting them inside rather than on bwrap matters for RLIMIT_NPROC:
  the user namespace records its creator's limit as the cap on the *host-wide* count of the user's
  processes, so a small limit set before bwrap would make forks fail for a user who already runs many
  processes; set inside, it counts only the processes in the sandbox.
  Memory is RLIMIT_DATA, not RLIMIT_AS: the JVM and V8 reserve large PROT_NONE address ranges they never
  touch, and fail to start under a modest RLIMIT_AS; RLIMIT_DATA counts what a memory hog really allocates.
- a pids cgroup, only when the host uid is 0: the kernel exempts processes whose real uid is host root from
  RLIMIT_NPROC (even inside a user namespace, whatever uid they appear to have there), so for root a fork
  bomb would go through the rlimit. When the pids controller is writable (cgroup v1 `pids`, or v2 with
  `pids` enabled at the root), each run gets its own cgroup with `pids.max`. Without one, root's fork bomb
  is bounded only by the timeout, after which the whole PID namespace is killed.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from gitagent.processes import running

_CGROUP_V1 = Path("/sys/fs/cgroup/pids")
_CGROUP_V2 = Path("/sys/fs/cgroup")
_joined: tuple[int, Path] | None = None


@dataclass(frozen=True)
class Limits:
    """Per-command limits. Memory and file size are in bytes; processes counts threads too."""

    cpu_seconds: int = 600
    memory_bytes: int = 4 << 30
    processes: int = 1024
    file_bytes: int = 2 << 30


def ulimit_prologue(limits: Limits) -> str:
    """The shell line that applies `limits` (soft and hard) before the command runs; exits 126 if it cannot."""
    return (
        f"ulimit -t {limits.cpu_seconds} -d {limits.memory_bytes // 1024} -u {limits.processes}"
        f" -f {limits.file_bytes // 1024} -c 0 || exit 126"
    )


def wrap_command(command: str, limits: Limits, prologue: str = "") -> list[str]:
    """argv that applies `limits` and runs the shell lines `prologue`, then runs `command` in a fresh `bash -c`
    (so `$0`, syntax errors and `exit` behave exactly as in an unconfined `bash -c command`)."""
    lines = [ulimit_prologue(limits), prologue, 'exec bash -c "$1"']
    return ["bash", "-c", "\n".join(line for line in lines if line), "bash", command]


def bound_pids(max_pids: int) -> bool:
    """Put this process in its own pids cgroup (once) and let it have `max_pids` tasks more than it has now.

    Children inherit the cgroup at fork for free, whereas moving each command's launcher into a cgroup
    costs 15-25 ms (cgroup migration waits for an RCU grace period), more than the whole sandbox start.
    The price: the cap is shared with this process's own threads and with concurrent commands. Returns False
    where no pids controller is writable.
    """
    global _joined
    if _joined is None or _joined[0] != os.getpid():
        parent = _pids_parent()
        if parent is None:
            return False
        path = parent / f"proc-{os.getpid()}"
        try:
            path.mkdir(exist_ok=True)
            (path / "cgroup.procs").write_text(f"{os.getpid()}\n")
        except OSError:
            return False
        _joined = (os.getpid(), path)
    path = _joined[1]
    try:
        current = int(_read(path / "pids.current") or 0)
        (path / "pids.max").write_text(f"{current + max_pids}\n")
    except (OSError, ValueError):
        return False
    return True


def cgroup_needed() -> bool:
    """True when RLIMIT_NPROC cannot hold: the commands would run as host root."""
    return os.getuid() == 0


def _pids_parent() -> Path | None:
    if (_CGROUP_V1 / "cgroup.procs").exists():
        parent, v2 = _CGROUP_V1 / "gitagent", False
    elif "pids" in _read(_CGROUP_V2 / "cgroup.subtree_control"):
        parent, v2 = _CGROUP_V2 / "gitagent", True
    else:
        return None
    try:
        parent.mkdir(exist_ok=True)
        if v2:
            (parent / "cgroup.subtree_control").write_text("+pids\n")
    except OSError:
        return None
    _sweep(parent)
    return parent


def _sweep(parent: Path) -> None:
    """Remove cgroups left by gitagent processes that are gone (never a live process's, which may be filling)."""
    for child in parent.glob("proc-*"):
        owner = child.name.split("-")[1]
        if owner.isdigit() and not running(int(owner)):
            _rmdir(child)


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
