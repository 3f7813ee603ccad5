"""The in-flight turn: saved after every step under `refs/gitagent/inflight/<name>`, removed at commit.

The ref doubles as the conversation's write lock: creating it fails if it exists, so two processes can
never run turns of one conversation at once. Its `turn.json` names the owning process, which tells a
live writer (refuse) from an interrupted turn (resume or discard).
"""

import os
import socket
from dataclasses import dataclass
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.refs import INFLIGHT, cas_delete, cas_update, conversation_ref, inflight_ref, read_ref


@dataclass
class InFlight:
    """A turn being written: the ref's current commit, and the head it will be committed on top of."""

    name: str
    parent: pygit2.Oid | None
    commit: pygit2.Oid | None = None
    tree: pygit2.Oid | None = None
    events_saved: int = 0
    head_ref: str = ""
    """The ref the finished turn moves (default: the conversation's; a review's lives elsewhere)."""
    lock_ref: str = ""
    """The in-flight ref (default: the conversation's)."""

    def __post_init__(self) -> None:
        self.head_ref = self.head_ref or conversation_ref(self.name)
        self.lock_ref = self.lock_ref or inflight_ref(self.name)

    @classmethod
    def resuming(cls, name: str, commit: pygit2.Commit) -> "InFlight":
        """The state of an interrupted turn's in-flight commit, to carry on saving from it."""
        parent = commit.parents[0].id if commit.parents else None
        return cls(name, parent, commit.id, commit.tree_id, len(turns.event_entries(commit)))


def owner() -> dict[str, Any]:
    """Who is writing a turn: this process on this host."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def load(repo: pygit2.Repository, name: str) -> pygit2.Commit | None:
    """The in-flight commit of a conversation, dropping a stale one whose turn was already committed."""
    oid = read_ref(repo, inflight_ref(name))
    if oid is None:
        return None
    commit = repo[oid].peel(pygit2.Commit)
    head = read_ref(repo, conversation_ref(name))
    if head is not None and _same_turn(repo[head].peel(pygit2.Commit), commit):
        cas_delete(repo, inflight_ref(name), oid)  # killed between committing the turn and this cleanup
        return None
    return commit


def _same_turn(head: pygit2.Commit, inflight: pygit2.Commit) -> bool:
    return turns.read_turn(head).get("turn_id") == turns.read_turn(inflight).get("turn_id")


def names(repo: pygit2.Repository) -> list[str]:
    """The conversations that have an in-flight turn (running or interrupted)."""
    return [ref[len(INFLIGHT) :] for ref in repo.references if ref.startswith(INFLIGHT)]


def refuse_if_busy(repo: pygit2.Repository, name: str) -> None:
    """Raise when a turn of `name` is running in another process or was interrupted."""
    commit = load(repo, name)
    if commit is None:
        return
    who = turns.read_turn(commit).get("owner", {})
    if is_alive(who):
        raise GitagentError(
            f"conversation {name!r} is being written by another process (pid {who.get('pid')})",
            "wait for it to finish, or work in a fork: `gitagent fork NAME NEW`",
        )
    raise GitagentError(
        f"conversation {name!r} has an interrupted turn",
        f"finish it with `gitagent run --resume -c {name}` or drop it with `gitagent run --discard -c {name}`",
    )


def is_alive(who: dict[str, Any]) -> bool:
    """Whether the process named by an in-flight owner record is still running (on this host)."""
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return False
    if who["pid"] == os.getpid():
        return False
    try:
        os.kill(who["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def save(repo: pygit2.Repository, state: InFlight, content: turns.TurnContent, author: tuple[str, str]) -> None:
    """Replace the in-flight commit with the turn as it stands now (compare-and-swap).

    Each event is its own blob (`event-000001.json`, … beside `turn.json`, which holds the rest) and only
    the events added since the last save are written, so a save costs the same at step 200 as at step 1.
    Events are append-only once saved.
    """
    events = content.turn["events"]
    builder = repo.TreeBuilder(repo[state.tree]) if state.tree else repo.TreeBuilder()
    for index in range(state.events_saved, len(events)):
        blob = turns.write_blob_json(repo, events[index], compact=True)
        builder.insert(turns.event_name(index), blob, pygit2.GIT_FILEMODE_BLOB)
    header = {key: value for key, value in content.turn.items() if key != "events"}
    builder.insert("turn.json", turns.write_blob_json(repo, header, compact=True), pygit2.GIT_FILEMODE_BLOB)
    oid = turns.write_commit(repo, builder, content, state.parent, author, "in-flight: " + content.prompt)
    cas_update(repo, state.lock_ref, oid, state.commit, f"gitagent: save turn of {state.name}")
    state.commit, state.events_saved = oid, len(events)
    state.tree = repo[oid].peel(pygit2.Commit).tree_id


def clear(repo: pygit2.Repository, state: InFlight) -> None:
    """Remove the in-flight ref once the turn is committed or discarded."""
    if state.commit is not None:
        cas_delete(repo, state.lock_ref, state.commit)
        state.commit = None


def commit(repo: pygit2.Repository, state: InFlight, content: turns.TurnContent, author: tuple[str, str]) -> pygit2.Oid:
    """Write the finished turn, move the conversation ref onto it (compare-and-swap), drop the in-flight ref."""
    oid = turns.write_turn_commit(repo, content, state.parent, author)
    cas_update(repo, state.head_ref, oid, state.parent, f"gitagent: turn {content.turn['turn']}")
    clear(repo, state)
    return oid
