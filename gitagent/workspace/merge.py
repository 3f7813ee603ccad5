"""Bringing another tree's changes into a worktree: a three-way merge, applied whole or not at all.

A subagent's work comes back this way: its workspace tree is merged into the parent's worktree with the
tree the child started from as the base. Only the paths the child changed can change in the merge, so the
parent's side is the base with those paths read from its files (not a snapshot of every file: that would
cost a scan of the whole worktree per merge); the three trees are merged in memory by libgit2, and only a
clean result is written to the files; a conflict changes nothing and is reported with its hunks.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus, FileMode

from gitagent.workspace.worktree import Worktree, open_worktree

FOLDER_CONFLICT = "a folder on one side is a file on the other"
_CONTEXT = 2
_HUNK_LIMIT = 4000


@dataclass(frozen=True)
class Conflict:
    """A path both sides changed differently, and its conflicting hunks (with git's markers)."""

    path: str
    hunks: str


@dataclass
class MergeOutcome:
    """What a merge did: the paths it changed, or the conflicts that stopped it (then nothing changed)."""

    changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def merge_into(worktree: Worktree, base: pygit2.Oid, theirs: pygit2.Oid) -> MergeOutcome:
    """Merge the changes from `base` to `theirs` into the worktree's files."""
    repo = open_worktree(worktree)
    paths = _changed_paths(repo, base, theirs)
    blocked = [Conflict(p, FOLDER_CONFLICT) for p in paths if _blocked(worktree.path, p)]
    if blocked:
        return MergeOutcome(conflicts=blocked)
    ours = _ours(repo, worktree.path, base, paths)
    index = repo.merge_trees(repo[base], repo[ours], repo[theirs])
    if index.conflicts is not None:
        return MergeOutcome(conflicts=[_conflict(repo, *entries) for entries in index.conflicts])
    merged = index.write_tree(repo)
    changed = []
    for delta in repo.diff(repo[ours], repo[merged]).deltas:
        _apply(repo, worktree.path, delta)
        changed.append(delta.new_file.path if delta.status != DeltaStatus.DELETED else delta.old_file.path)
    return MergeOutcome(changed=sorted(changed))


def _changed_paths(repo: pygit2.Repository, base: pygit2.Oid, theirs: pygit2.Oid) -> list[str]:
    paths = set()
    for delta in repo.diff(repo[base], repo[theirs]).deltas:
        paths.update((delta.old_file.path, delta.new_file.path))
    return sorted(paths)


def _blocked(root: Path, path: str) -> bool:
    """Whether the worktree has a folder at `path`, or something other than a folder above it: then the
    child's file cannot be written or compared there."""
    target = root / path
    if target.is_dir() and not target.is_symlink():
        return True
    for parent in target.parents:
        if parent == root:
            return False
        if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
            return True
    return False


def _ours(repo: pygit2.Repository, root: Path, base: pygit2.Oid, paths: list[str]) -> pygit2.Oid:
    """The parent's side: `base` with each of `paths` as the worktree's files have it now."""
    index = pygit2.Index()
    index.read_tree(repo[base])
    for path in paths:
        try:
            stat = (root / path).lstat()
        except FileNotFoundError:
            if path in index:
                index.remove(path)
            continue
        if os.path.islink(root / path):
            mode = FileMode.LINK
        else:
            mode = FileMode.BLOB_EXECUTABLE if stat.st_mode & 0o100 else FileMode.BLOB
        index.add(pygit2.IndexEntry(path, repo.create_blob_fromworkdir(path), mode))
    return index.write_tree(repo)


def _apply(repo: pygit2.Repository, root: Path, delta: pygit2.DiffDelta) -> None:
    old, new = delta.old_file, delta.new_file
    if delta.status in (DeltaStatus.DELETED, DeltaStatus.RENAMED, DeltaStatus.TYPECHANGE):
        _remove(root, old.path)
    if delta.status == DeltaStatus.DELETED:
        return
    target = root / new.path
    target.parent.mkdir(parents=True, exist_ok=True)
    data = repo[new.id].data
    if new.mode == FileMode.LINK:
        target.unlink(missing_ok=True)
        os.symlink(data, target)
        return
    target.write_bytes(data)
    target.chmod(0o755 if new.mode == FileMode.BLOB_EXECUTABLE else 0o644)


def _remove(root: Path, path: str) -> None:
    target = root / path
    target.unlink(missing_ok=True)
    for parent in target.parents:
        if parent == root or any(parent.iterdir()):
            break
        parent.rmdir()


def _conflict(
    repo: pygit2.Repository,
    ancestor: pygit2.IndexEntry | None,
    ours: pygit2.IndexEntry | None,
    theirs: pygit2.IndexEntry | None,
) -> Conflict:
    path = next(e.path for e in (ours, theirs, ancestor) if e is not None)
    if ours is None or theirs is None:
        side = "the other side deleted it" if theirs is None else "this side deleted it"
        return Conflict(path, f"changed on one side, while {side}")
    merged = repo.merge_file_from_index(ancestor, ours, theirs)
    return Conflict(path, _hunks(merged if isinstance(merged, str) else merged.contents))


def _hunks(text: str) -> str:
    """The conflict regions of a merged file (markers included), each with a little context, numbered."""
    lines = text.splitlines()
    keep: set[int] = set()
    start = None
    for i, line in enumerate(lines):
        if line.startswith("<<<<<<<"):
            start = i
        elif line.startswith(">>>>>>>") and start is not None:
            keep.update(range(max(0, start - _CONTEXT), min(len(lines), i + 1 + _CONTEXT)))
            start = None
    shown, last = [], -2
    for i in sorted(keep):
        if i != last + 1 and shown:
            shown.append("...")
        shown.append(f"{i + 1:>5}  {lines[i]}")
        last = i
    out = "\n".join(shown)
    return out if len(out) <= _HUNK_LIMIT else out[:_HUNK_LIMIT] + "\n[... cut ...]"


def conflict_report(conflicts: list[Conflict]) -> str:
    """The conflicts as the model reads them."""
    parts = [f"{c.path}:\n{c.hunks}" for c in conflicts]
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(parts))
