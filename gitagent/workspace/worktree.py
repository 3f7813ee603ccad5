"""Conversation worktrees under `$GIT_DIR/gitagent/worktrees/<name>`, made on demand.

A worktree is a detached `git worktree` of the conversation's base commit. Its own index is the record
of its last snapshot: the agent's `git diff` shows what changed since then, `git diff --cached` what the
conversation changed since its base. Moving a worktree to another snapshot rewrites only the files
that differ.

A worktree counts as made only once it is complete: it is registered locked (`git worktree add --lock`)
and unlocked after its files are checked out, so one left half-made by a kill is rebuilt, never recorded.
A checkout leaves a marker in the worktree's git directory until it is done, so one cut short is finished
before the next turn. Callers hold the conversation's lock (`store.locks`) while they change a worktree.
"""

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.repo import git_dir, state_dir
from gitagent.testpoints import kill_point
from gitagent.workspace.git import run_git

CREATING = "gitagent: creating"
_GIT_CREATING = "initializing"  # what `git worktree add` itself writes until it is done
_CHECKOUT_MARKER = "gitagent-checkout"


class WorktreeMissing(GitagentError):
    """A worktree that should be there is not, or its git directory is gone."""


@dataclass(frozen=True)
class Worktree:
    """Where a conversation's files live, and the (common) git directory of the repository it belongs to."""

    path: Path
    repo_git_dir: Path

    @property
    def admin(self) -> Path | None:
        """The worktree's own git directory (`$GIT_DIR/worktrees/<id>`), as its `.git` file names it."""
        try:
            text = (self.path / ".git").read_text()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        return Path(text.removeprefix("gitdir:").strip()) if text.startswith("gitdir:") else None

    @property
    def exists(self) -> bool:
        """Whether the worktree has been made on disk, completely."""
        admin = self.admin
        return admin is not None and admin.is_dir() and not _being_created(admin)


def _being_created(admin: Path) -> bool:
    try:
        reason = (admin / "locked").read_text().strip()
    except FileNotFoundError:
        return False
    return reason in (CREATING, _GIT_CREATING)  # any other lock is the user's own `git worktree lock`


def worktree_for(repo: pygit2.Repository, name: str) -> Worktree:
    """The (possibly not yet created) worktree of conversation `name`."""
    return Worktree(state_dir(repo) / "worktrees" / name, git_dir(repo))


def create(worktree: Worktree, base: pygit2.Oid, snapshot: pygit2.Oid | None = None) -> None:
    """Make the worktree: detached at `base`, its files those of `snapshot` (default: of `base`).

    Anything left at its place by an interrupted creation is removed first.
    """
    with registering(worktree):
        _remove(worktree)
        worktree.path.parent.mkdir(parents=True, exist_ok=True)
        path, locked = str(worktree.path), ["--lock", "--reason", CREATING]
        repo_git(worktree, "worktree", "add", "--detach", "--no-checkout", *locked, path, str(base))
    kill_point("worktree-added")
    _git_in(worktree, "read-tree", "--reset", "-u", str(snapshot or base))
    kill_point("worktree-checked-out")
    admin = worktree.admin
    assert admin is not None  # git wrote .git before its own checkout step
    (admin / "locked").unlink()  # complete: from now on it counts as made
    kill_point("worktree-created")


@contextlib.contextmanager
def registering(worktree: Worktree) -> Iterator[None]:
    """One process at a time removes and adds worktrees in a repository: git names a worktree's admin directory
    after its path's last component (`t1`, `t11`…), so two processes adding `a/t1` and `b/t1` at once may both
    pick one name, and a `git worktree prune` can delete another's admin directory before its lock is written."""
    lock = worktree.repo_git_dir / "gitagent" / "worktree-add.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def checkout(worktree: Worktree, tree: pygit2.Oid) -> None:
    """Make the worktree's files equal `tree`, rewriting only the files that differ from the index.

    Files the index does not know are left alone, so callers sync the index first (`take_snapshot`).
    """
    marker = _admin(worktree) / _CHECKOUT_MARKER
    marker.write_text(f"{tree}\n")
    kill_point("checkout-begun")
    _git_in(worktree, "read-tree", "--reset", "-u", str(tree))
    marker.unlink()


def prepare(worktree: Worktree, base: pygit2.Oid, tree: pygit2.Oid, move: bool = True) -> str | None:
    """Make the worktree at `tree` if it is not made (completely), else `settle` it there; say what was repaired.

    `move=False` (an interrupted turn resuming: its changes are in the files, and its end-of-turn snapshot
    may already be in the index) only repairs: a stale lock, a checkout cut short; it never moves the files.
    """
    if worktree.exists:
        try:
            return settle(worktree, tree, move)
        except WorktreeMissing:
            pass  # made, then broken (its git directory gone): nothing in it can be read, so rebuild it
    left_over = worktree.path.exists()
    create(worktree, base, tree)
    return "rebuilt the worktree, which an interrupted command had left half-made" if left_over else None


def clear_index_lock(worktree: Worktree) -> None:
    """Remove an `index.lock` a killed process left (the caller holds the conversation's lock, so no live
    gitagent writes this index, and the git commands gitagent runs die with it)."""
    (_admin(worktree) / "index.lock").unlink(missing_ok=True)


def settle(worktree: Worktree, tree: pygit2.Oid, move: bool = True) -> str | None:
    """Bring a made worktree to `tree` if a killed or overtaken command left it elsewhere; say what was done.

    Clears a stale `index.lock`; finishes a checkout cut short. A worktree left at another recorded turn (a
    rewind killed before its checkout, a pull, a turn that landed elsewhere) is moved to `tree` keeping any
    change no turn recorded, as `git checkout` would; a change that conflicts is refused, never lost.
    """
    clear_index_lock(worktree)
    if (_admin(worktree) / _CHECKOUT_MARKER).exists():
        checkout(worktree, tree)
        return "finished moving the worktree to its turn (a command was interrupted while it moved it)"
    if not move:
        return None
    current = open_worktree(worktree).index.write_tree()
    if current == tree:
        return None
    try:
        _git_in(worktree, "read-tree", "-m", "-u", str(current), str(tree))
    except GitagentError as e:
        raise GitagentError(
            f"the worktree {worktree.path} was left at another turn than its conversation's and has changes no "
            f"turn recorded that conflict with it ({e.message})",
            f"move or undo those changes in {worktree.path}, then run the command again",
        ) from e
    return "moved the worktree to the conversation's latest turn (it was left at another turn)"


def open_worktree(worktree: Worktree) -> pygit2.Repository:
    """The worktree as a repository (for its index), never the user's: no search upwards from a missing one."""
    try:
        repo = pygit2.Repository(str(worktree.path), pygit2.enums.RepositoryOpenFlag.NO_SEARCH)
    except pygit2.GitError as e:
        raise _missing(worktree) from e
    if repo.workdir is None or Path(repo.workdir).resolve() != worktree.path.resolve():
        raise _missing(worktree)
    return repo


def remove(worktree: Worktree) -> None:
    """Delete the worktree, made or half-made (the recorded turns are untouched)."""
    with registering(worktree):  # its `git worktree prune` would delete the admin directory of one being added
        _remove(worktree)


def _remove(worktree: Worktree) -> None:
    registered = _registrations(worktree)
    for admin in registered:
        (admin / "locked").unlink(missing_ok=True)  # else `git worktree prune` keeps it registered
    existed = worktree.path.exists()
    if existed:
        repo_git(worktree, "worktree", "remove", "--force", str(worktree.path), check=False)
        kill_point("worktree-removing")
        shutil.rmtree(worktree.path, ignore_errors=True)
    if registered or existed:  # nothing of it left to prune otherwise (a new conversation's first turn)
        repo_git(worktree, "worktree", "prune")


def _registrations(worktree: Worktree) -> list[Path]:
    """The git directories registered for the worktree's path (its `.git` file may be gone already)."""
    root = worktree.repo_git_dir / "worktrees"
    target = str(worktree.path / ".git")
    found = []
    for admin in root.iterdir() if root.is_dir() else []:
        try:
            if (admin / "gitdir").read_text().strip() == target:
                found.append(admin)
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def disk_usage(path: Path) -> int:
    """Bytes used by the files under `path` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _admin(worktree: Worktree) -> Path:
    admin = worktree.admin
    if admin is None or not admin.is_dir():
        raise _missing(worktree)
    return admin


def _git_in(worktree: Worktree, *args: str) -> None:
    """Run git on the worktree, named explicitly: never a search upwards that could reach the user's index."""
    admin = _admin(worktree)
    run_git([f"--git-dir={admin}", f"--work-tree={worktree.path}", *args], cwd=worktree.path)


def repo_git(worktree: Worktree, *args: str, check: bool = True) -> None:
    """Run git on the repository the worktree belongs to (adding, removing, pruning worktrees), named explicitly:
    its checkout may be anywhere (`GIT_WORK_TREE`), or nowhere git could find it from."""
    run_git([f"--git-dir={worktree.repo_git_dir}", *args], cwd=worktree.repo_git_dir, check=check)


def _missing(worktree: Worktree) -> "WorktreeMissing":
    return WorktreeMissing(
        f"the worktree {worktree.path} is missing or broken",
        "run the command again: gitagent rebuilds a conversation's worktree from its latest turn",
    )
