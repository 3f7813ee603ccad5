"""Snapshotting a worktree into a git tree: tracked and untracked files, ignored ones not.

One `git status` against the snapshot index finds what changed since the last snapshot; only those paths
are hashed (`update-index`), then `write-tree` reuses the cached trees of unchanged directories. So a
snapshot costs about one `git status`. Untracked files that are very large, or binary and large, are
left out and reported, which keeps the object store from growing with build artefacts.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from gitagent.workspace.git import run_git
from gitagent.workspace.worktree import Worktree

MAX_UNTRACKED_BYTES = 5 * 1024 * 1024
MAX_UNTRACKED_BINARY_BYTES = 256 * 1024
_SNIFF_BYTES = 8000


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
    """Record the worktree's current files as a tree in the object store."""
    changed, untracked = _status(worktree)
    left_out = []
    for path in untracked:
        reason = _leave_out_reason(worktree.path, path)
        if reason is None:
            changed.append(path)
        else:
            left_out.append(reason)
    if changed:
        paths = b"".join(p.encode(errors="surrogateescape") + b"\0" for p in changed)
        run_git(
            ["update-index", "--add", "--remove", "-z", "--stdin"],
            cwd=worktree.path,
            index_file=worktree.index,
            input=paths,
        )
    tree = run_git(["write-tree"], cwd=worktree.path, index_file=worktree.index).stdout.decode().strip()
    return Snapshot(pygit2.Oid(hex=tree), left_out)


def _status(worktree: Worktree) -> tuple[list[str], list[str]]:
    """Paths whose worktree state differs from the snapshot index, and untracked paths."""
    out = run_git(
        [
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--ignore-submodules=all",
        ],
        cwd=worktree.path,
        index_file=worktree.index,
    ).stdout.decode(errors="surrogateescape")
    changed, untracked = [], []
    for entry in out.split("\0"):
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code == "??":
            untracked.append(path)
        elif code[1] != " ":
            changed.append(path)
    return changed, untracked


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
