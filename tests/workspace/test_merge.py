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


def test_edits_of_both_sides_to_one_file_merge_line_by_line(repo: Path, script) -> None:
    git_repo, base = _worktree(repo, script)
    worktree = worktree_for(git_repo, "m")
    lines = [f"line {n}\n" for n in range(1, 9)]
    start = _tree(git_repo, base, {"notes.txt": ("".join(lines).encode(), pygit2.GIT_FILEMODE_BLOB)})
    (worktree.path / "notes.txt").write_text("".join(["parent's line 1\n", *lines[1:]]))
    theirs = _tree(git_repo, start, {"notes.txt": ("".join([*lines[:7], "child's line 8\n"]).encode(), 0o100644)})
    outcome = merge_into(worktree, start, theirs)
    assert outcome.conflicts == [] and outcome.changed == ["notes.txt"]
    merged = (worktree.path / "notes.txt").read_text().splitlines()
    assert merged[0] == "parent's line 1" and merged[7] == "child's line 8" and len(merged) == 8


def test_a_file_where_the_other_side_has_a_folder_is_a_conflict_that_changes_nothing(repo: Path, script) -> None:
    git_repo, base = _worktree(repo, script)
    worktree = worktree_for(git_repo, "m")
    (worktree.path / "lib/old.txt").unlink()
    (worktree.path / "lib").rmdir()
    (worktree.path / "lib").write_text("now a file\n")  # the parent made the folder a file
    (worktree.path / "docs").mkdir()  # and made a folder where the child adds a file
    theirs = _tree(git_repo, base, {
        "lib/new.txt": (b"new\n", pygit2.GIT_FILEMODE_BLOB), "docs": (b"a file\n", pygit2.GIT_FILEMODE_BLOB),
        "other.txt": (b"other\n", pygit2.GIT_FILEMODE_BLOB),
    })  # fmt: skip
    outcome = merge_into(worktree, base, theirs)
    assert [c.path for c in outcome.conflicts] == ["docs", "lib/new.txt"] and outcome.changed == []
    assert (worktree.path / "lib").read_text() == "now a file\n" and (worktree.path / "docs").is_dir()
    assert not (worktree.path / "other.txt").exists()
