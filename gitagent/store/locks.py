"""Conversation locks: one process at a time changes a conversation's worktree and moves its refs.

An advisory `flock` on `$GIT_DIR/gitagent/locks/<name>.lock`, held by a turn from before its worktree is
made until it commits, and by rewind, rm, discard, a pull's worktree move and prune's removal while they
work. The kernel releases it when its process dies, so it is never left stale, and holding it proves every
earlier holder is gone: that is what lets the holder clear what a killed one left behind (a worktree's
`index.lock`, a half-made worktree). The file names the last holder's pid, for the busy message.
"""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.repo import state_dir

WAIT_S = 2.0
POLL_S = 0.05
_held_here: set[Path] = set()  # the lock files this process holds now


class ConversationBusy(GitagentError):
    """Another process (or another turn in this one) holds the conversation's lock."""


def lock_path(repo: pygit2.Repository, name: str) -> Path:
    """The lock file of conversation `name` (names never end in `.lock`, so `p.lock` and `p/q.lock` differ)."""
    return state_dir(repo) / "locks" / f"{name}.lock"


@contextlib.contextmanager
def hold(repo: pygit2.Repository, name: str) -> Iterator[None]:
    """Hold conversation `name`'s lock for the block, or raise ConversationBusy if it is not free within
    WAIT_S (a pull or prune holds it that briefly; a turn, far longer)."""
    with attempt(repo, name, WAIT_S) as held:
        if not held:
            raise busy(repo, name)
        yield


def busy(repo: pygit2.Repository, name: str, forkable: bool = True) -> ConversationBusy:
    """The error for conversation `name`'s lock held elsewhere; `forkable` when it has a turn to fork from."""
    fork = f", or work in a fork: `gitagent fork {name} NEW`" if forkable else ""
    message = f"conversation {name!r} is being written by another process{_holder(repo, name)}"
    return ConversationBusy(message, f"wait for it to finish{fork}")


@contextlib.contextmanager
def attempt(repo: pygit2.Repository, name: str, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold conversation `name`'s lock for the block if it is free (within `wait_s`); yields whether it is held."""
    path = lock_path(repo, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise GitagentError(
            f"cannot open the lock file of conversation {name!r}: {e.strerror} ({path})",
            "gitagent needs to write in the repository's .git directory; check its permissions and free space",
        ) from e
    try:
        if not _lock(fd, wait_s):
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held_here.add(path)
        yield True
    finally:
        _held_here.discard(path)
        os.close(fd)  # releases the lock


def held_elsewhere(repo: pygit2.Repository, name: str) -> bool:
    """Whether another process holds conversation `name`'s lock now (a probe: the lock is not kept)."""
    path = lock_path(repo, name)
    if path in _held_here:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # never locked
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the probe's lock, if it got it
    return False


def held_here(repo: pygit2.Repository, name: str) -> bool:
    """Whether this process holds conversation `name`'s lock (so no other gitagent process is writing it)."""
    return lock_path(repo, name) in _held_here


def _lock(fd: int, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)


def _holder(repo: pygit2.Repository, name: str) -> str:
    try:
        pid = lock_path(repo, name).read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
