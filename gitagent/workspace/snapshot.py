"""Snapshotting a worktree into a git tree: tracked and untracked files, ignored ones not.

Done in-process with libgit2 against the worktree's own index: one diff of the index against the files
finds what changed since the last snapshot (stat data spares unchanged files a re-hash), only those
paths are hashed into the index, and the tree is written from it, reusing the cached trees of unchanged
directories. The new blobs and trees are written as one pack rather than a loose file each (creating
files is most of what writing objects costs). No git process starts. A turn prepares its snapshot when it
starts (the index loaded, the last snapshot's trees read into memory: `PreparedSnapshot`), so the
snapshot at its end costs about one `git status`. Untracked files that are very large, or binary and
large, are left out and reported, which keeps the object store from growing with build artefacts.

Files are recorded as `git add` records them: libgit2 applies `text`, `eol`, `ident` and
`core.autocrlf` itself, but cannot run filter drivers (`filter=lfs`, git-crypt, any
`filter.<driver>.clean` or `.process` command), so the changed files a configured driver applies to
are added by `git add` instead, which runs it (and records their stat data, so an unchanged file is
not cleaned again next time). A repository with no driver configured never pays for the check.
"""

import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus, DiffOption, FileMode, ObjectType

from gitagent.errors import GitagentError
from gitagent.store.packs import ObjectBatch
from gitagent.workspace.git import run_git
from gitagent.workspace.worktree import Worktree, open_worktree

MAX_UNTRACKED_BYTES = 5 * 1024 * 1024
MAX_UNTRACKED_BINARY_BYTES = 256 * 1024
_SNIFF_BYTES = 8000
_TREE_CACHE_LIMIT = 1024 * 1024
_DIFF_FLAGS = (
    DiffOption.INCLUDE_UNTRACKED
    | DiffOption.RECURSE_UNTRACKED_DIRS
    | DiffOption.INCLUDE_TYPECHANGE
    | DiffOption.IGNORE_SUBMODULES
    | DiffOption.SKIP_BINARY_CHECK
    | DiffOption.UPDATE_INDEX
)


@dataclass(frozen=True)
class LeftOut:
    """An untracked path the snapshot did not record, and why."""

    path: str
    reason: str
    size: int = 0

    def to_json(self) -> dict[str, str | int]:
        """A plain dict for `turn.json`."""
        return {"path": self.path, "reason": self.reason, "size": self.size}


@dataclass(frozen=True)
class Snapshot:
    """The tree a worktree was recorded as, and what was left out of it."""

    tree: pygit2.Oid
    left_out: list[LeftOut] = field(default_factory=list)


def take_snapshot(worktree: Worktree) -> Snapshot:
    """Record the worktree's current files as a tree in the object store (and in its index)."""
    return Snapshotter(worktree).take()


class Snapshotter:
    """Records one worktree's files as trees, through one open repository and the worktree's index.

    After writing a tree, libgit2 reads every tree of the index back to rebuild the index's tree cache
    (which keeps `git status` in the worktree fast): for a large repository that is most of a snapshot's
    own cost. `prepare` reads them ahead into libgit2's object cache, so that a `take` after it finds
    them in memory. A turn prepares when it starts, in the background while the model works
    (`PreparedSnapshot`), and takes its snapshot when it ends.
    """

    def __init__(self, worktree: Worktree) -> None:
        _tune_libgit2()
        self.worktree = worktree
        self.repo = open_worktree(worktree)  # never the user's repository (and index) above a missing worktree
        self.batch = ObjectBatch(self.repo)
        self.index = self.repo.index
        self.drivers = filter_drivers(self.repo.config)
        self.submodules = _submodule_paths(self.repo, worktree.path)

    def prepare(self) -> None:
        """Load every tree of the worktree's last snapshot into memory."""
        pending = [self.index.write_tree()]  # the root as the index's tree cache records it
        while pending:
            tree = self.repo[pending.pop()]
            pending.extend(entry.id for entry in tree if entry.filemode == FileMode.TREE)

    def take(self) -> Snapshot:
        """Record the worktree's current files as a tree in the object store (and in its index)."""
        index = self.index
        index.read(False)  # again only if something else has written the index since it was loaded
        left_out, filtered = [], []
        for delta in index.diff_to_workdir(_DIFF_FLAGS).deltas:
            if delta.status == DeltaStatus.DELETED:
                index.remove(delta.old_file.path)
                continue
            path = delta.new_file.path
            reason = _leave_out_reason(self.worktree.path, path) if delta.status == DeltaStatus.UNTRACKED else None
            if reason is not None:
                left_out.append(reason)
            elif self.drivers and self.repo.get_attr(path, "filter") in self.drivers:
                filtered.append(path)
            else:
                index.add(path)
        if filtered:
            self._add_through_git(filtered)
        left_out += _inside_submodules(self.worktree.path, self.submodules)
        tree = index.write_tree()
        self.batch.flush()  # before the index that names the new objects is written
        index.write()
        return Snapshot(tree, left_out)

    def _add_through_git(self, paths: list[str]) -> None:
        """`git add` the files a filter driver applies to, around what libgit2 has done so far."""
        self.batch.flush()
        self.index.write()
        names = b"\0".join(os.fsencode(path) for path in paths)
        args = ["--literal-pathspecs", "add", "--pathspec-from-file=-", "--pathspec-file-nul"]
        done = run_git(args, cwd=self.worktree.path, input=names, check=False)
        self.index.read(True)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise GitagentError(
                f"a filter driver failed to clean {len(paths)} file{'s' * (len(paths) != 1)} of the worktree "
                f"({', '.join(paths[:3])}): {detail[-1] if detail else f'exit status {done.returncode}'}",
                "fix the driver named in .gitattributes (`git config filter.NAME.clean`, or install the tool it "
                "runs), then finish the turn with `gitagent run --resume -c CONVERSATION`",
            )


def filter_drivers(config: pygit2.Config) -> frozenset[str]:
    """Names of the filter drivers that change what is stored (a `clean` or `process` command configured)."""
    names = set()
    for entry in config:
        section, _, rest = entry.name.partition(".")
        driver, _, key = rest.rpartition(".")
        if section == "filter" and driver and key in ("clean", "process") and entry.value:
            names.add(driver)
    return frozenset(names)


class PreparedSnapshot:
    """A worktree's next snapshot, prepared in a background thread from the moment this is made."""

    def __init__(self, worktree: Worktree, ready: Callable[[], None] | None = None) -> None:
        _tune_libgit2()  # process-wide settings: made here, so that the thread finds them made
        self.worktree = worktree
        self.ready = ready  # waited for first: the worktree's files may still be being written
        self._snapshotter: Snapshotter | None = None
        self._thread = threading.Thread(target=self._prepare, name="gitagent-snapshot", daemon=True)
        self._thread.start()

    def _prepare(self) -> None:
        try:
            if self.ready is not None:
                self.ready()
            snapshotter = Snapshotter(self.worktree)
            snapshotter.prepare()
        except Exception:  # only a head start: `take` then starts afresh, and reports what is wrong
            return
        self._snapshotter = snapshotter

    def take(self) -> Snapshot:
        """Wait for the preparation, then record the worktree as `Snapshotter.take` does."""
        self._thread.join()
        return (self._snapshotter or Snapshotter(self.worktree)).take()


@functools.cache
def _tune_libgit2() -> None:
    # Strict creation makes libgit2 look up every entry of each tree it writes (hundreds of lookups for a
    # root tree); every id here comes from the index libgit2 itself maintains, so the check buys nothing.
    pygit2.settings.enable_strict_object_creation(False)
    # libgit2 re-hashes every object it reads; git does that only in `git fsck`.
    pygit2.settings.enable_strict_hash_verification(False)
    # By default trees over 4 KiB (directories of a hundred entries or more) are never cached.
    pygit2.settings.cache_object_limit(ObjectType.TREE, _TREE_CACHE_LIMIT)


def _submodule_paths(repo: pygit2.Repository, root: Path) -> list[str]:
    if not (root / ".gitmodules").is_file():  # the common case costs one stat
        return []
    try:
        return list(repo.listall_submodules())
    except pygit2.GitError:  # a malformed .gitmodules: git itself would not read it either
        return []


def _inside_submodules(root: Path, submodules: list[str]) -> list[LeftOut]:
    """Files in the directory of a submodule that is not checked out in the worktree (a worktree never checks
    them out): the tree can only record the submodule's commit, so they are listed as left out."""
    found = []
    for submodule in submodules:
        directory = root / submodule
        if not directory.is_dir() or (directory / ".git").exists():
            continue
        for dirpath, _, filenames in os.walk(directory):
            for name in filenames:
                path = Path(dirpath, name).relative_to(root).as_posix()
                found.append(LeftOut(path, f"inside submodule {submodule}, which is not checked out in the worktree"))
    return found


def _leave_out_reason(root: Path, path: str) -> LeftOut | None:
    if path.endswith("/"):
        return LeftOut(path, "nested git repository")
    full = root / path
    try:
        stat = full.lstat()
    except FileNotFoundError:
        return LeftOut(path, "vanished while snapshotting")
    if not os.path.isfile(full) or os.path.islink(full):
        return None
    if stat.st_size > MAX_UNTRACKED_BYTES:
        return LeftOut(path, f"larger than {MAX_UNTRACKED_BYTES // (1024 * 1024)} MiB", stat.st_size)
    if stat.st_size > MAX_UNTRACKED_BINARY_BYTES and _is_binary(full):
        return LeftOut(path, f"binary and larger than {MAX_UNTRACKED_BINARY_BYTES // 1024} KiB", stat.st_size)
    return None


def _is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\0" in f.read(_SNIFF_BYTES)
