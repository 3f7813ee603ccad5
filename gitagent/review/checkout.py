"""The reviewer's checkout of the head commit: ready to use at once, filled while the model starts, reused.

A checkout of a large repository takes seconds (sympy: 2,087 files, 1.5-2.5 s on a busy 2-core machine),
most of a small review's own time. So the worktrees under `$GIT_DIR/gitagent/review-worktrees/<slot>` are
kept after a review and the next one moves a free slot to its head (`git checkout --force`, which rewrites
only the files that differ); a slot is made (`git worktree add --no-checkout`, about 40 ms) only when none
is free. Either way the files are written in a background thread while the reviewer's first model request
is under way (`workspace.filling`), and `wait` holds back whatever reads them (the first answer, hooks at
start) until they are there. A slot is held by a lock file naming its process; one left by a dead process is taken over.
"""

import contextlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.inflight import is_alive
from gitagent.store.repo import git_dir, state_dir
from gitagent.workspace.filling import Filling
from gitagent.workspace.git import run_git
from gitagent.workspace.worktree import Worktree, registering, repo_git

SLOTS = "review-worktrees"


class HeadCheckout:
    """A worktree at the head commit whose files are being written in the background."""

    def __init__(self, worktree: Worktree, head: str, fresh: bool) -> None:
        self.worktree = worktree
        self.filling = Filling(lambda: self._fill(head, fresh), "cannot check out the head commit for the review")

    def _fill(self, head: str, fresh: bool) -> None:
        if fresh:  # `worktree add --no-checkout` left HEAD at the head and the index empty
            run_git(["reset", "--quiet", "--hard"], cwd=self.worktree.path)
        else:
            run_git(["checkout", "--quiet", "--force", "--detach", head], cwd=self.worktree.path)

    def wait(self) -> None:
        """Return once every file of the head commit is in the worktree (raise if writing them failed)."""
        self.filling.wait()


@contextlib.contextmanager
def head_checkout(repo: pygit2.Repository, head: str) -> Iterator[HeadCheckout]:
    """A checkout of `head` for the review's lifetime, kept for the next review when it ends."""
    slots = state_dir(repo) / SLOTS
    path, lock = _acquire(slots)
    try:
        worktree = Worktree(path, git_dir(repo))
        fresh = not worktree.exists
        if fresh:
            _add(worktree, head)
        checkout = HeadCheckout(worktree, head, fresh)
        try:
            yield checkout
        finally:
            with contextlib.suppress(GitagentError):
                checkout.wait()
    finally:
        lock.unlink(missing_ok=True)


def _add(worktree: Worktree, head: str) -> None:
    with registering(worktree):  # its `git worktree prune` could delete the admin directory of one being added
        _register(worktree, head)


def _register(worktree: Worktree, head: str) -> None:
    if worktree.path.exists():  # a slot whose registration was lost (`git worktree prune`): start it again
        repo_git(worktree, "worktree", "remove", "--force", str(worktree.path), check=False)
        shutil.rmtree(worktree.path, ignore_errors=True)
    repo_git(worktree, "worktree", "prune")
    repo_git(worktree, "worktree", "add", "--quiet", "--no-checkout", "--detach", str(worktree.path), head)


def _acquire(slots: Path) -> tuple[Path, Path]:
    """The first slot no live process holds, locked for this one (a new slot when all are taken)."""
    slots.mkdir(parents=True, exist_ok=True)
    owner = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()
    for number in range(1000):
        lock = slots / f"{number}.lock"
        if _try_lock(lock, owner):
            return slots / str(number), lock
    raise GitagentError(f"every review worktree slot under {slots} is taken", "remove stale *.lock files there")


def _try_lock(lock: Path, owner: bytes) -> bool:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not _stale(lock):
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(owner)
        return True
    return False


def _stale(lock: Path) -> bool:
    """Whether a slot's lock was left by a process that is gone (one being written, or this process's, is not)."""
    try:
        who = json.loads(lock.read_bytes() or b"null")
    except (OSError, ValueError):
        return False
    if not isinstance(who, dict) or who.get("host") != socket.gethostname() or who.get("pid") == os.getpid():
        return False
    return not is_alive(who)
