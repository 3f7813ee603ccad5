"""Killing a whole session: every process an unconfined command started, in whichever process group it went.

`timeout` and a shell with job control move their children to process groups of their own, in the same session,
so killing the command's group misses them. The kernel has no call that signals a session, so its members are
found in /proc: field 6 of `/proc/PID/stat`.
"""

import contextlib
import os
import signal
import time

from gitagent.sandbox.process import kill_group

FULL_SCAN_AFTER_S = 0.1
"""A command that ran longer is swept by reading every process: pid numbers may have wrapped round all the way
since it started (pid_max can be as low as 32768). A shorter one cannot have forked that many times, so only
the pids handed out since it started are read (reading the stat of every process took 2-4 ms, longer than
the command itself)."""
SWEEPS = 20
"""At most this many reads of /proc: a process that forks faster than they kill could keep them going."""


def kill_session(sid: int, started: float | None = None) -> None:
    """SIGKILL every process in session `sid` (a process started here leads its own, so `sid` is its pid): its
    process group, then whatever moved to a group of its own within it. `started` (`time.monotonic()` before
    the leader was started) lets a short command's sweep read only the processes started after it."""
    kill_group(sid)
    since = scan_since(sid, started)
    killed: set[int] = set()  # a process sent SIGKILL can no longer fork, though it may not have died yet
    for _ in range(SWEEPS):  # again after each that found some: they may have forked while it read /proc
        found = [pid for pid in strays(sid, since=since) if pid not in killed]
        if not found:
            return
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed.update(found)


def scan_since(sid: int, started: float | None) -> int | None:
    """The `since` for reading session `sid` (its leader started at `time.monotonic()` `started`): only the pids
    handed out after its own while it is young enough that pid numbers cannot have wrapped round, else None."""
    recent = started is not None and time.monotonic() - started < FULL_SCAN_AFTER_S
    return sid if recent else None


def strays(sid: int, since: int | None = None) -> list[int]:
    """The processes (zombies aside) of session `sid` outside its process group `sid`, read from /proc; with
    `since`, only those whose pid was handed out after pid `since`. None where /proc is missing or shows another
    PID namespace than this process's (its numbers would name other processes)."""
    return [pid for pid, fields in _session(sid, since) if int(fields[2]) != sid]


def members(sid: int, since: int | None = None) -> list[int]:
    """The processes (zombies aside) of session `sid`, in whichever process group; `since` as in `strays`."""
    return [pid for pid, _ in _session(sid, since)]


def _session(sid: int, since: int | None) -> list[tuple[int, list[bytes]]]:
    """The live processes of session `sid` (pid handed out after `since`, if given) with their stat fields."""
    if not proc_is_ours():
        return []
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    pids = [int(name) for name in names if name.isdigit()]
    last = _last_pid() if since is not None else None
    if since is not None and last is not None:
        pids = [pid for pid in pids if _handed_out_between(pid, since, last)]
    found = []
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None and fields[0] not in (b"Z", b"X") and int(fields[3]) == sid:
            found.append((pid, fields))
    return found


def proc_is_ours() -> bool:
    """Whether /proc shows this process's PID namespace."""
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def _handed_out_between(pid: int, first: int, last: int) -> bool:
    """Whether `pid` lies after `first`, up to `last`, counting round the wrap of pid numbers."""
    return first < pid <= last if first <= last else pid > first or pid <= last


def _last_pid() -> int | None:
    with contextlib.suppress(OSError, ValueError), open("/proc/sys/kernel/ns_last_pid", "rb") as f:
        return int(f.read())
    return None


def _stat_fields(pid: int) -> list[bytes] | None:
    """The fields of `/proc/PID/stat` after the name (state, ppid, pgrp, session, …), or None if unreadable."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        stat = os.read(fd, 1024)
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = stat[stat.rfind(b")") + 2 :].split()  # after the name, which may hold ")" or spaces
    return fields if len(fields) > 3 else None
