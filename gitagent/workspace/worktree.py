"""Conversation worktrees under `$GIT_DIR/gitagent/worktrees/<name>`, made on demand.

A worktree is a detached `git worktree` of the conversation's base commit. Its own index is the record
of its last snapshot: the agent's `git diff` shows what changed since then, `git diff --cached` what the
conversation changed since its base. Moving a worktree to another snapshot rewrites only the files
that differ.
"""

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.store.repo import state_dir, workdir
from gitagent.workspace.git import run_git


@dataclass(frozen=True)
class Worktree:
    """Where a conversation's files live, and the user's checkout it belongs to."""

    path: Path
    repo_workdir: Path

    @property
    def exists(self) -> bool:
        """Whether the worktree has been made on disk."""
        return (self.path / ".git").exists()


def worktree_for(repo: pygit2.Repository, name: str) -> Worktree:
    """The (possibly not yet created) worktree of conversation `name`."""
    return Worktree(state_dir(repo) / "worktrees" / name, workdir(repo))


def create(worktree: Worktree, base: pygit2.Oid, snapshot: pygit2.Oid | None = None) -> None:
    """Make the worktree: a detached checkout of `base`, then moved to `snapshot` if given."""
    if worktree.path.exists():
        shutil.rmtree(worktree.path)
    worktree.path.parent.mkdir(parents=True, exist_ok=True)
    # --force instead of a `worktree prune` first: it takes over a registration whose directory is gone, and a
    # prune would delete another process's half-made admin directory. The lock: git names that directory after
    # the worktree's last path component (`t1`, `t11`…), and two processes adding `a/t1` and `b/t1` at once
    # may both pick the same name.
    with _adding(worktree.repo_workdir):
        run_git(["worktree", "add", "--force", "--detach", "--quiet", str(worktree.path), str(base)],
                cwd=worktree.repo_workdir)  # fmt: skip
    if snapshot is not None:
        checkout(worktree, snapshot)


@contextlib.contextmanager
def _adding(checkout: Path) -> Iterator[None]:
    """Hold the repository's lock on adding worktrees (one `git worktree add` at a time, across processes)."""
    git_dir = Path(run_git(["rev-parse", "--git-common-dir"], cwd=checkout).stdout.decode().strip())
    path = (checkout / git_dir) / "gitagent" / "worktree-add.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def checkout(worktree: Worktree, tree: pygit2.Oid) -> None:
    """Make the worktree's files equal `tree`, rewriting only the files that differ from the index.

    Files the index does not know are left alone, so callers sync the index first (`take_snapshot`).
    """
    run_git(["read-tree", "--reset", "-u", str(tree)], cwd=worktree.path)


def remove(worktree: Worktree) -> None:
    """Delete the worktree (the recorded turns are untouched)."""
    if worktree.path.exists():
        run_git(["worktree", "remove", "--force", str(worktree.path)], cwd=worktree.repo_workdir, check=False)
        shutil.rmtree(worktree.path, ignore_errors=True)
    run_git(["worktree", "prune"], cwd=worktree.repo_workdir)


def disk_usage(path: Path) -> int:
    """Bytes used by the files under `path` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
