"""The in-flight turn: saved after every step under `refs/gitagent/inflight/<name>`, removed at commit.

The ref doubles as the conversation's write lock: creating it fails if it exists, so two processes can
never run turns of one conversation at once. Its `turn.json` names the owning process, which tells a
live writer (refuse) from an interrupted turn (resume or discard).
"""

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.processes import running
from gitagent.store import locks, turns
from gitagent.store.conversations import candidate_names, nesting_conflict
from gitagent.store.refs import (
    INFLIGHT,
    ConcurrentUpdate,
    cas_delete,
    cas_update,
    conversation_ref,
    inflight_ref,
    read_ref,
)
from gitagent.testpoints import kill_point


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
    landed_as: str | None = None
    """Set when the conversation moved on before the turn committed: the conversation it was committed as."""

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
    """The in-flight commit of a conversation, dropping a stale one whose turn was already committed (on the
    conversation, or landed beside it)."""
    oid = read_ref(repo, inflight_ref(name))
    if oid is None:
        return None
    commit = repo[oid].peel(pygit2.Commit)
    head = read_ref(repo, conversation_ref(name))
    parent = commit.parents[0].id if commit.parents else None
    committed = head is not None and _same_turn(repo[head].peel(pygit2.Commit), commit)
    if committed or (head != parent and landed_as(repo, name, commit) is not None):
        cas_delete(repo, inflight_ref(name), oid)  # killed between committing the turn and this cleanup
        return None
    return commit


def _same_turn(head: pygit2.Commit, inflight: pygit2.Commit) -> bool:
    return turns.read_turn(head).get("turn_id") == turns.read_turn(inflight).get("turn_id")


def names(repo: pygit2.Repository) -> list[str]:
    """The conversations that have an in-flight turn (running or interrupted)."""
    return [ref[len(INFLIGHT) :] for ref in repo.references if ref.startswith(INFLIGHT)]


def refuse_if_busy(repo: pygit2.Repository, name: str) -> None:
    """Raise when `name` has an interrupted turn (the caller holds the conversation's lock, so none is running)."""
    commit = load(repo, name)
    if commit is not None:
        raise GitagentError(f"conversation {name!r} has an interrupted turn ({_which(commit)})", _resume_hint(name))


@contextlib.contextmanager
def hold_to_write(repo: pygit2.Repository, name: str) -> Iterator[None]:
    """Hold conversation `name`'s lock for the block, as `locks.hold` does; but while another process runs a turn
    of it (its lock is held, and the turn in flight names a live process), refuse at once, saying which turn and
    which process, not after the lock's wait with its bare "being written by another process". A live owner
    alone proves nothing: a batch worker or a script whose turn failed lives on, its turn interrupted."""
    with locks.attempt(repo, name) as held:  # free: no turn runs, whatever process left one in flight
        if held:
            yield
            return
    error = running_error(repo, name)
    if error is not None:
        raise error
    with locks.attempt(repo, name, locks.WAIT_S) as held:
        if not held:  # a turn that started as this began waiting has saved itself by now
            forkable = read_ref(repo, conversation_ref(name)) is not None
            raise running_error(repo, name) or locks.busy(repo, name, forkable)
        yield


def running_error(repo: pygit2.Repository, name: str) -> locks.ConversationBusy | None:
    """The error that says another process is running a turn of conversation `name`, if one is (its lock is
    held, and the turn in flight names a live process): which turn, in which process, and what to do meanwhile."""
    commit = load(repo, name)
    who = turns.read_turn(commit).get("owner", {}) if commit is not None else {}
    if commit is None or not runs_elsewhere(repo, name, who):
        return None
    fork = f", or work in a fork of its last turn: `gitagent fork {name} NEW`" if commit.parents else ""
    return locks.ConversationBusy(
        f"conversation {name!r} is being written by another process (pid {who['pid']}): "
        f"{_which(commit)} is still running",
        f"wait for it to finish (`gitagent conversations` shows its state){fork}",
    )


def _which(commit: pygit2.Commit) -> str:
    """An in-flight turn as a sentence names it: "its first turn", "turn 3"."""
    return "its first turn" if not commit.parents else f"turn {turns.read_turn(commit).get('turn', '?')}"


def first_turn_error(repo: pygit2.Repository, name: str) -> GitagentError | None:
    """What reading conversation `name` says while its first turn is in flight (running or interrupted) and so
    it has no turn to read yet; None when it has no turn in flight."""
    commit = load(repo, name)
    if commit is None:
        return None
    who = turns.read_turn(commit).get("owner", {})
    if state(repo, name, who) == "running":
        return GitagentError(
            f"conversation {name!r} has no turns yet: its first turn is still running (process {who['pid']})",
            "it can be read once that turn is committed; `gitagent conversations` shows its state",
        )
    return GitagentError(f"conversation {name!r} has no turns yet: its first turn was interrupted", _resume_hint(name))


def _resume_hint(name: str) -> str:
    return f"finish it with `gitagent run --resume -c {name}` or drop it with `gitagent run --discard -c {name}`"


def state(repo: pygit2.Repository, name: str, who: dict[str, Any]) -> str:
    """The state of conversation `name`'s turn in flight, whose owner record is `who`: "running" while the
    process it names (this one included) holds the conversation's lock, else "interrupted" (a process that
    lives on after its turn stopped, a batch worker or a script, holds no lock)."""
    if who.get("host") == socket.gethostname() and who.get("pid") == os.getpid():
        return "running" if locks.held_here(repo, name) else "interrupted"
    return "running" if runs_elsewhere(repo, name, who) else "interrupted"


def runs_elsewhere(repo: pygit2.Repository, name: str, who: dict[str, Any]) -> bool:
    """Whether another live process, the one owner record `who` names, runs conversation `name`'s turn in flight:
    it holds the conversation's lock (a process that outlived its turn holds none)."""
    return is_alive(who) and locks.held_elsewhere(repo, name)


def is_alive(who: dict[str, Any]) -> bool:
    """Whether the process named by an in-flight owner record is still running (on this host)."""
    if who.get("host") != socket.gethostname() or not isinstance(who.get("pid"), int):
        return False
    if who["pid"] == os.getpid():
        return False
    return running(who["pid"])


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
    kill_point(f"inflight-saved-{state.events_saved}")


def clear(repo: pygit2.Repository, state: InFlight) -> None:
    """Remove the in-flight ref once the turn is committed or discarded."""
    if state.commit is not None:
        cas_delete(repo, state.lock_ref, state.commit)
        state.commit = None


def commit(repo: pygit2.Repository, state: InFlight, content: turns.TurnContent, author: tuple[str, str]) -> pygit2.Oid:
    """Write the finished turn, move the conversation ref onto it (compare-and-swap), drop the in-flight ref.

    If the conversation moved on meanwhile (a pull, or a ref moved by hand), the turn lands as a conversation
    of its own instead (`state.landed_as` names it): never stranded in flight.
    """
    oid = turns.write_turn_commit(repo, content, state.parent, author)
    try:
        cas_update(repo, state.head_ref, oid, state.parent, f"gitagent: turn {content.turn['turn']}")
    except ConcurrentUpdate as e:
        if state.head_ref != conversation_ref(state.name):
            raise  # a review's part
        if read_ref(repo, state.head_ref) == state.parent:  # a lock file in the way: nothing moved
            resume = f"the turn is saved: then finish it with `gitagent run --resume -c {state.name}`"
            raise ConcurrentUpdate(e.message, f"{e.hint}; {resume}") from e
        state.landed_as = land(repo, state.name, repo[oid].peel(pygit2.Commit))
    kill_point("turn-committed")
    clear(repo, state)
    return oid


def land(repo: pygit2.Repository, name: str, turn: pygit2.Commit) -> str:
    """Keep a finished turn whose conversation moved on as a new conversation `<name>-turn-<n>` (a fork at the
    turn's parent); returns its name. Landing the same turn again finds it instead of landing a copy."""
    for candidate in candidate_names(f"{name}-turn-{turns.turn_number(turn)}"):
        existing = read_ref(repo, conversation_ref(candidate))
        if existing is not None and _same_turn(repo[existing].peel(pygit2.Commit), turn):
            return candidate
        free = existing is None and read_ref(repo, inflight_ref(candidate)) is None
        if free and not nesting_conflict(repo, candidate):
            cas_update(repo, conversation_ref(candidate), turn.id, None, f"gitagent: land a turn of {name}")
            kill_point("turn-landed")
            return candidate
    raise AssertionError("unreachable: candidate names never run out")


def landed_as(repo: pygit2.Repository, name: str, inflight: pygit2.Commit) -> str | None:
    """The conversation an in-flight turn of `name` already landed as, if it did."""
    for candidate in candidate_names(f"{name}-turn-{turns.turn_number(inflight)}"):
        existing = read_ref(repo, conversation_ref(candidate))
        if existing is None:
            return None
        if _same_turn(repo[existing].peel(pygit2.Commit), inflight):
            return candidate
    return None
