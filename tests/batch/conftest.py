"""What the batch tests share: a tasks file, the fake server answering each task by its own script, and
reading back the conversations and objects a batch left."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest

from tests.fakes.anthropic_server import API_KEY
from tests.fakes.per_task import PerTaskAnthropic, Plan, write_then_answer

PRICED = "anthropic:claude-sonnet-4-5"
"""$3 / $15 per million tokens: each fake reply (100 in, 20 out) costs $0.0006."""


def write_tasks(path: Path, ids: list[str], **fields: dict[str, Any]) -> Path:
    """A tasks file: task `i` asks to write `i.txt` (its `[task i]` marker picks its script); `fields[i]` adds
    to a task's line."""
    lines = [json.dumps({"id": i, "prompt": f"[task {i}] Write {i}.txt", **fields.get(i, {})}) for i in ids]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def per_task() -> Iterator[Any]:
    """Start a PerTaskAnthropic with a plan (default: write the file, then answer); closed after the test."""
    servers: list[PerTaskAnthropic] = []

    def start(plan: Plan | None = None) -> PerTaskAnthropic:
        server = PerTaskAnthropic(plan or write_then_answer())
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def fake_env(server: PerTaskAnthropic) -> dict[str, str]:
    """The environment that points the CLI at `server` with its key."""
    return {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.base_url}


def conversations(repo: Path, batch_id: str) -> dict[str, pygit2.Commit]:
    """The batch's conversations by task id: each one's head turn."""
    r = pygit2.Repository(str(repo))
    prefix = f"refs/gitagent/conversations/batch/{batch_id}/"
    return {ref.removeprefix(prefix): r.references[ref].peel(pygit2.Commit) for ref in r.references
            if ref.startswith(prefix)}  # fmt: skip


def workspace_file(commit: pygit2.Commit, path: str) -> str:
    """A file of a turn's workspace snapshot."""
    return commit.tree["workspace"].peel(pygit2.Tree)[path].data.decode()


def fsck(repo: Path) -> str:
    """`git fsck --strict`'s complaints (dangling objects and a bare repository's unborn HEAD are not)."""
    proc = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("notice:"))


def every_object(repo: Path) -> bytes:
    """The contents of every object in a repository."""
    return subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True,
                          check=True).stdout  # fmt: skip
