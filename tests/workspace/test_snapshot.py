"""take_snapshot: the tree git itself would write for the worktree, stored as packs git and libgit2 read."""

import os
import subprocess
from pathlib import Path

import pygit2
import pytest

from gitagent.errors import GitagentError
from gitagent.store import packs
from gitagent.workspace import worktree as wt
from gitagent.workspace.snapshot import (
    MAX_UNTRACKED_BINARY_BYTES,
    MAX_UNTRACKED_BYTES,
    PreparedSnapshot,
    Snapshotter,
    take_snapshot,
)
from tests.conftest import git


@pytest.fixture
def work(repo: Path) -> wt.Worktree:
    """A conversation worktree of `repo`, created as the agent creates it."""
    r = pygit2.Repository(str(repo))
    worktree = wt.worktree_for(r, "snap")
    wt.create(worktree, r.head.target)
    return worktree


def git_write_tree(path: Path) -> str:
    """What `git add -A && git write-tree` records for the worktree, in a scratch index (the real one untouched)."""
    scratch = path.parent / f"scratch-index-{path.name}"
    git_dir = Path(git(path, "rev-parse", "--absolute-git-dir").strip())
    subprocess.run(["cp", str(git_dir / "index"), str(scratch)], check=True)
    env = {**os.environ, "GIT_INDEX_FILE": str(scratch)}
    subprocess.run(["git", "add", "-A"], cwd=path, env=env, check=True, capture_output=True)
    tree = subprocess.run(["git", "write-tree"], cwd=path, env=env, check=True, capture_output=True, text=True)
    scratch.unlink()
    return tree.stdout.strip()


def loose_objects(repo: Path) -> set[str]:
    objects = repo / ".git" / "objects"
    return {f"{d.name}{f.name}" for d in objects.iterdir() if len(d.name) == 2 for f in d.iterdir()}


def fsck(repo: Path) -> None:
    proc = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def change(root: Path, turn: int) -> None:
    """A turn's worth of changes: edits, a deletion, new files in new and old directories, an ignored file."""
    (root / "README.md").write_text(f"# demo, turn {turn}\n")
    (root / f"src/pkg{turn}").mkdir(parents=True)
    (root / f"src/pkg{turn}/mod.py").write_text(f"VALUE = {turn}\n")
    (root / f"src/pkg{turn}/empty.txt").write_text("")
    (root / f"notes-{turn}.txt").write_text("notes\n" * turn)
    (root / f"debug-{turn}.log").write_text("ignored\n")
    if turn > 1:
        (root / f"src/pkg{turn - 1}/mod.py").unlink()
        (root / f"notes-{turn - 1}.txt").write_text("rewritten\n")
    script = root / "run.sh"
    script.write_text(f"#!/bin/sh\necho {turn}\n")
    script.chmod(0o755 if turn % 2 else 0o644)
    link = root / "latest"
    link.unlink(missing_ok=True)
    link.symlink_to(f"notes-{turn}.txt")


def test_snapshot_tree_is_the_tree_git_writes_for_the_same_files(repo: Path, work: wt.Worktree) -> None:
    for turn in range(1, 5):
        change(work.path, turn)
        snapshot = take_snapshot(work)
        assert str(snapshot.tree) == git_write_tree(work.path)
        assert snapshot.left_out == []
        names = set(git(repo, "ls-tree", "-r", "--name-only", str(snapshot.tree)).split())
        assert f"debug-{turn}.log" not in names
        assert f"src/pkg{turn}/mod.py" in names
    assert take_snapshot(work).tree == snapshot.tree  # nothing changed since: the same tree


def test_a_prepared_snapshot_records_what_changed_after_it_was_prepared(repo: Path, work: wt.Worktree) -> None:
    for turn in range(1, 4):
        prepared = PreparedSnapshot(work)  # as a turn does when it starts
        change(work.path, turn)
        snapshot = prepared.take()
        assert str(snapshot.tree) == git_write_tree(work.path)
    assert git(work.path, "diff", "--name-only") == ""  # the index records the snapshot
    assert git(work.path, "ls-files", "--others", "--exclude-standard") == ""
    fsck(repo)


def test_a_snapshot_is_right_when_git_rewrote_the_index_after_it_was_prepared(repo: Path, work: wt.Worktree) -> None:
    change(work.path, 1)
    take_snapshot(work)
    snapshotter = Snapshotter(work)
    snapshotter.prepare()
    base = pygit2.Repository(str(repo)).head.peel(pygit2.Commit).tree_id
    wt.checkout(work, base)  # git rewrites the index and the files behind the snapshotter's back
    (work.path / "after.txt").write_text("after the checkout\n")
    snapshot = snapshotter.take()
    assert str(snapshot.tree) == git_write_tree(work.path)
    assert git(work.path, "diff", "--name-only") == ""


def test_an_incomplete_tree_cache_is_rebuilt_and_its_trees_written(repo: Path, work: wt.Worktree) -> None:
    (work.path / "src/added").mkdir(parents=True)
    (work.path / "src/added/new.py").write_text("NEW = 1\n")
    git(work.path, "add", "src/added/new.py")  # the index's cached trees of src/added, src and the root go
    prepared = PreparedSnapshot(work)
    (work.path / "src/added/later.py").write_text("LATER = 1\n")
    snapshot = prepared.take()
    assert str(snapshot.tree) == git_write_tree(work.path)
    assert git(repo, "cat-file", "-p", f"{snapshot.tree}:src/added/new.py") == "NEW = 1\n"
    fsck(repo)


def test_a_failed_preparation_leaves_the_snapshot_to_report_the_problem(repo: Path, tmp_path: Path) -> None:
    missing = wt.Worktree(tmp_path / "no-such-worktree", repo / ".git")
    with pytest.raises(GitagentError, match="is missing or broken"):
        PreparedSnapshot(missing).take()


def test_new_objects_go_into_a_pack_that_git_and_libgit2_read(repo: Path, work: wt.Worktree) -> None:
    before = loose_objects(repo)
    change(work.path, 1)
    snapshot = take_snapshot(work)
    assert loose_objects(repo) == before
    assert list((repo / ".git" / "objects" / "pack").glob("pack-*.idx"))
    assert git(repo, "cat-file", "-p", f"{snapshot.tree}:src/pkg1/mod.py") == "VALUE = 1\n"
    fresh = pygit2.Repository(str(repo))
    assert fresh[snapshot.tree].peel(pygit2.Tree)["README.md"].data == b"# demo, turn 1\n"
    fsck(repo)
    for idx in (repo / ".git" / "objects" / "pack").glob("pack-*.idx"):
        git(repo, "verify-pack", str(idx))


def test_many_snapshots_keep_few_packs_and_every_object(
    repo: Path, work: wt.Worktree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packs, "MAX_SMALL_PACKS", 3)
    trees = []
    for turn in range(1, 13):
        change(work.path, turn)
        trees.append(take_snapshot(work).tree)
        assert len(list((repo / ".git" / "objects" / "pack").glob("pack-*.idx"))) <= 4
    for turn, tree in enumerate(trees, start=1):  # the first snapshots' objects survived every merge
        assert git(repo, "cat-file", "-p", f"{tree}:src/pkg{turn}/mod.py") == f"VALUE = {turn}\n"
    fsck(repo)


def test_large_and_binary_untracked_files_are_left_out_with_a_note(repo: Path, work: wt.Worktree) -> None:
    (work.path / "big.txt").write_bytes(b"a" * (MAX_UNTRACKED_BYTES + 1))
    (work.path / "blob.bin").write_bytes(b"\0" * (MAX_UNTRACKED_BINARY_BYTES + 1))
    (work.path / "small.bin").write_bytes(b"\0" * 100)
    snapshot = take_snapshot(work)
    assert {(item.path, item.size) for item in snapshot.left_out} == {
        ("big.txt", MAX_UNTRACKED_BYTES + 1),
        ("blob.bin", MAX_UNTRACKED_BINARY_BYTES + 1),
    }
    names = set(git(repo, "ls-tree", "--name-only", str(snapshot.tree)).split())
    assert "small.bin" in names and "big.txt" not in names and "blob.bin" not in names


def test_a_merge_leaves_packs_it_cannot_copy_alone(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "repo")
    pack_dir = tmp_path / "repo" / ".git" / "objects" / "pack"
    blobs = [(f"object {i}\n" * 10).encode() for i in range(packs.MAX_SMALL_PACKS + 1)]
    written = [packs.write_pack(pack_dir, [(pygit2.hash(b), (pygit2.GIT_OBJECT_BLOB, b))]) for b in blobs]
    damaged = written[0]
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\0")  # its checksum no longer matches its index
    merged = packs.merge_small_packs(pack_dir)
    assert merged is not None
    assert sorted(pack_dir.glob("*.pack")) == sorted([damaged, merged])
    repo = pygit2.Repository(str(tmp_path / "repo"))
    assert [repo[pygit2.hash(b)].data for b in blobs[1:]] == blobs[1:]
