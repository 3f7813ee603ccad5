"""An outside executor's own session, kept in the turn commits so it survives, forks and rewinds with them.

Each turn commit carries `executor/<name>/` for every outside executor that has run in the conversation so far
(a turn run by another executor carries it forward unchanged, costing nothing):

    executor/claude-code/session.json    {"schema", "executor", "version", "session_id", "path", "turn", "worktree"}
    executor/claude-code/part-000001.jsonl
    executor/claude-code/part-000002.jsonl ...

The session file (Claude Code's session JSONL, Codex's rollout) is the concatenation of the parts; a turn that
appended to it adds one part holding what it appended, so storing a long session costs each turn only its own
lines. `path` is where the file lives in the executor's home, `turn` the last turn the session took part in,
`worktree` the directory it worked in. Before a turn the file is written into the executor's private home
(in a fork, with the worktree it worked in replaced by the fork's own); after it, read back from there.
"""

import contextlib
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitagent.store import turns
from gitagent.store.repo import state_dir

SCHEMA = 1
STATE = "session.json"
DISCARDED = ".discarded"
"""Where homes are moved to be removed (no conversation is named so: a ref name's parts never start with '.')."""


@dataclass(frozen=True)
class SessionState:
    """An executor's session as a turn commit holds it."""

    executor: str
    version: str
    session_id: str
    path: str
    turn: int
    parts: list[pygit2.Oid]
    worktree: str = ""
    """The worktree the session worked in (empty: not recorded)."""

    def content(self, repo: pygit2.Repository) -> bytes:
        """The session file, whole."""
        return b"".join(repo[oid].peel(pygit2.Blob).data for oid in self.parts)


def read_state(repo: pygit2.Repository, executor_tree: pygit2.Oid | None, executor: str) -> SessionState | None:
    """`executor`'s session in an `executor/` tree (None if it has not run in the conversation)."""
    if executor_tree is None:
        return None
    tree = repo[executor_tree].peel(pygit2.Tree)
    if executor not in tree:
        return None
    own = tree[executor].peel(pygit2.Tree)
    info = json.loads(own[STATE].peel(pygit2.Blob).data)
    parts = sorted((e for e in own if e.name.startswith("part-")), key=lambda e: e.name)
    return SessionState(
        executor, info["version"], info["session_id"], info["path"], info["turn"], [e.id for e in parts],
        info.get("worktree", ""),
    )  # fmt: skip


def write_state(
    repo: pygit2.Repository,
    executor_tree: pygit2.Oid | None,
    previous: SessionState | None,
    update: dict[str, Any],
    data: bytes,
    before: bytes,
) -> pygit2.Oid:
    """The `executor/` tree with `update["executor"]`'s session replaced by `data` (`update`: version,
    session_id, path, turn, worktree). When `data` continues the previous session (whose content is `before`,
    empty without one), only what was appended is stored."""
    parts = list(previous.parts) if previous is not None else []
    same = previous is not None and previous.session_id == update["session_id"] and data.startswith(before)
    if not same:
        parts, before = [], b""
    if len(data) > len(before) or not parts:
        parts.append(repo.create_blob(data[len(before) :]))
    own = repo.TreeBuilder()
    info = {"schema": SCHEMA, **update}
    own.insert(STATE, turns.write_blob_json(repo, info), pygit2.GIT_FILEMODE_BLOB)
    for index, oid in enumerate(parts, 1):
        own.insert(f"part-{index:06d}.jsonl", oid, pygit2.GIT_FILEMODE_BLOB)
    outer = repo.TreeBuilder(repo[executor_tree].peel(pygit2.Tree)) if executor_tree else repo.TreeBuilder()
    outer.insert(update["executor"], own.write(), pygit2.GIT_FILEMODE_TREE)
    return outer.write()


def executor_home(repo: pygit2.Repository, conversation: str) -> Path:
    """Where an executor running a turn of `conversation` has its home: `$GIT_DIR/gitagent/executor-homes/`,
    outside any worktree, so nothing in it is snapshotted (only its session file is kept, in the commit)."""
    return state_dir(repo) / "executor-homes" / conversation


def private_home(repo: pygit2.Repository, conversation: str) -> Path:
    """A fresh, empty `executor_home` (what a killed turn left there, discarded)."""
    home = executor_home(repo, conversation)
    if home.exists():  # the common case has none: no thread then, to compete with the executor's start
        discard_home(repo, home)
    home.mkdir(parents=True, mode=0o700)
    return home


def discard_home(repo: pygit2.Repository, home: Path) -> None:
    """Remove an executor's home without holding up the turn: it is moved aside at once (a new one can be made
    in its place), then deleted in a background thread with whatever an earlier exit left half-deleted."""
    trash = executor_home(repo, DISCARDED)
    try:
        trash.mkdir(parents=True, exist_ok=True)
        home.rename(Path(tempfile.mkdtemp(dir=trash)) / "home")
    except FileNotFoundError:  # no home there
        pass
    except OSError:  # it cannot be moved aside (a full disk): removed here, as it stands
        shutil.rmtree(home, ignore_errors=True)
        return
    threading.Thread(target=_empty, args=(trash,), name="gitagent-discard-home", daemon=True).start()


def _empty(directory: Path) -> None:
    with contextlib.suppress(OSError):  # gone already (another process emptied and removed it)
        for entry in directory.iterdir():
            shutil.rmtree(entry, ignore_errors=True)
