"""Fixtures for the tool tests: a worktree directory, a directory outside it, and a tool context."""

import subprocess
from pathlib import Path

import pytest

from gitagent.sandbox import UnconfinedSandbox
from gitagent.tools import ToolContext


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The worktree the tools act in."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the worktree, holding a file no tool may read or change."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text("top secret\n")
    return path


@pytest.fixture
def ctx(root: Path) -> ToolContext:
    """A context running commands unconfined in `root`."""
    return ToolContext(root=root, sandbox=UnconfinedSandbox())


@pytest.fixture
def repo(root: Path) -> Path:
    """`root` made a git work tree."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root
