"""Removing worktrees (`gitagent rm`, `discard`, `prune`) while another process makes some: git's own
`worktree prune`, which every removal runs, must never catch a worktree being added half-registered."""

import subprocess
import sys
from pathlib import Path

import pygit2

from gitagent.workspace import worktree as wt

MAKE = """
import sys, pygit2
from gitagent.workspace import worktree as wt
repo = pygit2.Repository(sys.argv[1])
for n in range(int(sys.argv[2])):
    wt.create(wt.worktree_for(repo, f"made/w{n}"), repo.head.target)
"""
COUNT = 50
REMOVERS = 2
REMOVE = """
import sys, time, pygit2
from gitagent.workspace import worktree as wt
repo = pygit2.Repository(sys.argv[1])
while sys.stdin.readline():
    wt.remove(wt.worktree_for(repo, "removed"))
    time.sleep(0.001)  # lets the maker in between removals
"""


def test_worktrees_made_while_other_processes_remove_worktrees_all_exist(repo: Path) -> None:
    removers = [subprocess.Popen([sys.executable, "-c", REMOVE, str(repo)], stdin=subprocess.PIPE, text=True)
                for _ in range(REMOVERS)]  # fmt: skip
    for remover in removers:
        assert remover.stdin is not None
        remover.stdin.write("remove\n" * 5000)  # as many as they manage while the worktrees are made
        remover.stdin.flush()
    made = subprocess.run([sys.executable, "-c", MAKE, str(repo), str(COUNT)], capture_output=True, text=True)
    for remover in removers:
        remover.kill()
        remover.wait()
    assert made.returncode == 0, made.stderr[-2000:]
    r = pygit2.Repository(str(repo))
    for n in range(COUNT):
        assert (wt.worktree_for(r, f"made/w{n}").path / "README.md").read_text() == "# demo\n"
