"""Conversation worktrees made by many processes at once, and over a registration whose directory is gone."""

import shutil
import subprocess
import sys
from pathlib import Path

import pygit2

from gitagent.workspace import worktree as wt

MAKE = """
import sys, pygit2
from gitagent.workspace import worktree as wt
repo = pygit2.Repository(sys.argv[1])
for name in sys.argv[2:]:
    wt.create(wt.worktree_for(repo, name), repo.head.target)
"""


def test_worktrees_made_by_parallel_processes_all_exist(repo: Path) -> None:
    names = [[f"p{p}/w{n}" for n in range(6)] for p in range(4)]
    procs = [subprocess.Popen([sys.executable, "-c", MAKE, str(repo), *group], stderr=subprocess.PIPE, text=True)
             for group in names]  # fmt: skip
    errors = [proc.communicate()[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, errors
    r = pygit2.Repository(str(repo))
    for name in (n for group in names for n in group):
        assert (wt.worktree_for(r, name).path / "README.md").read_text() == "# demo\n"


def test_a_worktree_whose_directory_was_deleted_is_made_again(repo: Path) -> None:
    r = pygit2.Repository(str(repo))
    worktree = wt.worktree_for(r, "gone")
    wt.create(worktree, r.head.target)
    shutil.rmtree(worktree.path)
    wt.create(worktree, r.head.target)
    assert (worktree.path / "README.md").exists()
