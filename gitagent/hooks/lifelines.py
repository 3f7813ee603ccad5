"""What a hook leaves running when it exits lives on, but never beyond gitagent.

A hook runs as gitagent runs an unconfined program (`gitagent.sandbox.unconfined.program_argv`): in a session of
its own, with a watcher that kills the whole session once the lifeline reads as end-of-file, which happens exactly
when gitagent is gone. A hook may exit and leave processes behind on purpose (a `SessionStart` hook starting a
server with `&`, a `Stop` hook's notification): they run on, as they always did, so their lifeline is kept open
here and let go, the watcher killed with it, once nothing but the watcher is left of the session. A hook that
leaves nothing behind costs one read of the /proc entries of the processes started since it.
"""

import threading

from gitagent.sandbox.process import Lifeline, kill_group
from gitagent.sandbox.sessions import members, scan_since

_lock = threading.Lock()
_kept: dict[int, Lifeline] = {}
"""The lifelines of hook sessions that outlived their hook, by session id (the hook's pid, which the kernel does
not hand out again while the session has a member)."""


def release(sid: int, lifeline: Lifeline, started: float) -> None:
    """Let go of session `sid`, whose hook (its leader, started at `time.monotonic()` `started`) has exited and been
    reaped: let its watcher go at once when nothing else is left, else keep the lifeline while the rest runs."""
    if len(members(sid, since=scan_since(sid, started))) <= 1:  # the watcher alone
        _let_go(sid, lifeline)
        return
    with _lock:
        for kept, line in list(_kept.items()):
            if len(members(kept)) <= 1:
                del _kept[kept]
                _let_go(kept, line)
        _kept[sid] = lifeline


def kept() -> list[int]:
    """The sessions of hooks that left processes running (for tests and `doctor`-like reports)."""
    with _lock:
        return list(_kept)


def _let_go(sid: int, lifeline: Lifeline) -> None:
    """Kill the watcher of a session it alone is left of (it is in the session's first process group), sparing it
    a sweep of an empty session, and close the lifeline."""
    kill_group(sid)
    lifeline.close()
