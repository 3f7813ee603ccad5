"""Merging another tree's changes into a worktree: whole on success, nothing at all on a conflict."""

import os
from pathlib import Path

import pygit2

import gitagent
from gitagent.store.conversations import get_conversation
from gitagent.store.turns import workspace_tree
from gitagent.workspace.merge import merge_into
from gitagent.workspace.worktree import worktree_for
from tests.conftest import text, tool


def _tree(repo: pygit2.Repository, base: pygit2.Oid, files: dict[str, tuple[bytes, int] | None]) -> pygit2.Oid:
    """`base` with `files` written (content, mode) or removed (None)."""
    index = pygit2.Index()
    index.read_tree(repo[base])
    for path, entry in files.items():
        if entry is None:
            index.remove(path)
        else:
            index.add(pygit2.IndexEntry(path, repo.create_blob(entry[0]), entry[1]))
    return index.write_tree(repo)


def _worktree(repo_path: Path, script) -> tuple[pygit2.Repository, pygit2.Oid]:
    model = script([tool("Write", file_path="lib/old.txt", content="old\n")], [text("ok")])
    gitagent.open(repo_path, model=model).conversation("m").turn("Set up")
    repo = pygit2.Repository(str(repo_path))
    return repo, workspace_tree(get_conversation(repo, "m").head)


def test_a_clean_merge_writes_new_changed_executable_and_deleted_files(repo: Path, script) -> None:
    git_repo, base = _worktree(repo, script)
    worktree = worktree_for(git_repo, "m")
    (worktree.path / "mine.txt").write_text("unrecorded edit of the parent\n")
    theirs = _tree(git_repo, base, {
        "run.sh": (b"#!/bin/sh\necho hi\n", pygit2.GIT_FILEMODE_BLOB_EXECUTABLE),
        "deep/er/new.txt": (b"new\n", pygit2.GIT_FILEMODE_BLOB),
        "lib/old.txt": None,
    })  # fmt: skip
    outcome = merge_into(worktree, base, theirs)
    assert outcome.conflicts == [] and outcome.changed == ["deep/er/new.txt", "lib/old.txt", "run.sh"]
    assert os.access(worktree.path / "run.sh", os.X_OK) and (worktree.path / "deep/er/new.txt").read_text() == "new\n"
    assert not (worktree.path / "lib").exists()  # its last file went, and the folder with it
    assert (worktree.path / "mine.txt").read_text() == "unrecorded edit of the parent\n"


def test_a_conflict_changes_no_file(repo: Path, script) -> None:
    git_repo, base = _worktree(repo, script)
    worktree = worktree_for(git_repo, "m")
    (worktree.path / "lib/old.txt").write_text("the parent's edit\n")
    theirs = _tree(git_repo, base, {"lib/old.txt": None, "other.txt": (b"other\n", pygit2.GIT_FILEMODE_BLOB)})
    outcome = merge_into(worktree, base, theirs)
    assert [c.path for c in outcome.conflicts] == ["lib/old.txt"] and outcome.changed == []
    assert outcome.conflicts[0].hunks == "changed on one side, while the other side deleted it"
    assert (worktree.path / "lib/old.txt").read_text() == "the parent's edit\n"
    assert not (worktree.path / "other.txt").exists()
