"""Conversation worktrees under `$GIT_DIR/gitagent/worktrees/<name>`, made on demand.

Each worktree has its own snapshot index (`$GIT_DIR/gitagent/index/<name>`), separate from the index git
keeps for the worktree, so the agent's view (`git status` against the base commit) and gitagent's record
never interfere. Moving a worktree to another snapshot rewrites only the files that differ.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.store.repo import state_dir, workdir
from gitagent.workspace.git import run_git


@dataclass(frozen=True)
class Worktree:
    """Where a conversation's files live, and the index gitagent snapshots them with."""

    path: Path
    index: Path
    repo_workdir: Path

    @property
    def exists(self) -> bool:
        """Whether the worktree has been made on disk."""
        return (self.path / ".git").exists() and self.index.exists()


def worktree_for(repo: pygit2.Repository, name: str) -> Worktree:
    """The (possibly not yet created) worktree of conversation `name`."""
    root = state_dir(repo)
    return Worktree(root / "worktrees" / name, root / "index" / name, workdir(repo))


def create(worktree: Worktree, base: pygit2.Oid, snapshot: pygit2.Oid | None = None) -> None:
    """Make the worktree: a detached checkout of `base`, then moved to `snapshot` if given."""
    if worktree.path.exists():
        shutil.rmtree(worktree.path)
    run_git(["worktree", "prune"], cwd=worktree.repo_workdir)
    worktree.path.parent.mkdir(parents=True, exist_ok=True)
    run_git(["worktree", "add", "--detach", "--quiet", str(worktree.path), str(base)], cwd=worktree.repo_workdir)
    own_index = run_git(["rev-parse", "--git-path", "index"], cwd=worktree.path).stdout.decode().strip()
    worktree.index.parent.mkdir(parents=True, exist_ok=True)
    # Starting from git's own index keeps its stat data, so the first snapshot need not re-hash every file.
    shutil.copyfile(worktree.path / own_index, worktree.index)
    if snapshot is not None:
        checkout(worktree, snapshot)


def checkout(worktree: Worktree, tree: pygit2.Oid) -> None:
    """Make the worktree's files equal `tree`, rewriting only the files that differ from the index."""
    run_git(["read-tree", "--reset", "-u", str(tree)], cwd=worktree.path, index_file=worktree.index)


def remove(worktree: Worktree) -> None:
    """Delete the worktree and its snapshot index (the recorded turns are untouched)."""
    if worktree.path.exists():
        run_git(["worktree", "remove", "--force", str(worktree.path)], cwd=worktree.repo_workdir, check=False)
        shutil.rmtree(worktree.path, ignore_errors=True)
    worktree.index.unlink(missing_ok=True)
    run_git(["worktree", "prune"], cwd=worktree.repo_workdir)


def disk_usage(path: Path) -> int:
    """Bytes used by the files under `path` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
