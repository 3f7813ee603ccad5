"""Escape battery fixtures: a real repo and worktree, a fake HOME with secrets, and the outcome table."""

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ESCAPE_ROWS as ROWS_FILE

GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip


@dataclass
class Layout:
    checkout: Path
    git_dir: Path
    worktree: Path
    home: Path


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout  # fmt: skip


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed (CI installs it: apt-get install bubblewrap)")
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- ssh-secret-fixture\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\naws_secret_access_key = aws-secret-fixture\n")
    monkeypatch.setenv("HOME", str(home))
    checkout = tmp_path / "repo"
    checkout.mkdir()
    git("init", "-q", "-b", "main", cwd=checkout)
    (checkout / "README.md").write_text("hello\n")
    git("add", "README.md", cwd=checkout)
    git("commit", "-q", "-m", "init", cwd=checkout)
    worktree = checkout / ".git" / "gitagent" / "worktrees" / "demo"
    git("worktree", "add", "-q", "--detach", str(worktree), cwd=checkout)
    return Layout(checkout.resolve(), (checkout / ".git").resolve(), worktree.resolve(), home.resolve())


@pytest.fixture
def record(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str, bool], None]:
    """Add a row to the battery's table: what was attempted, what happened, whether the sandbox held."""
    rows = tmp_path_factory.getbasetemp() / ROWS_FILE

    def add(attempt: str, outcome: str, contained: bool) -> None:
        row = {"attempt": attempt, "outcome": " ".join(outcome.split())[:90], "contained": contained}
        with rows.open("a") as f:
            f.write(json.dumps(row) + "\n")

    return add
