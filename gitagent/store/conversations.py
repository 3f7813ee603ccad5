"""Finding conversations and turns: names, `NAME@REV` targets and REV resolution."""

import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import revs, turns
from gitagent.store.names import split_target
from gitagent.store.refs import (
    ABANDONED,
    CONVERSATIONS,
    INFLIGHT,
    conversation_ref,
    inflight_ref,
    read_ref,
    validate_name,
)
from gitagent.store.repo import state_dir


@dataclass(frozen=True)
class Conversation:
    """A conversation: its name and the turn commit its ref points at."""

    name: str
    head: pygit2.Commit

    @property
    def turns(self) -> int:
        """How many turns the conversation has (the head's turn number)."""
        return turns.turn_number(self.head)


def list_conversations(repo: pygit2.Repository) -> list[Conversation]:
    """Every conversation in the repository, most recently active first."""
    found = []
    for refname in repo.references.iterator(pygit2.enums.ReferenceFilter.ALL):
        name = refname.name
        if name.startswith(CONVERSATIONS):
            found.append(Conversation(name[len(CONVERSATIONS) :], repo[refname.target].peel(pygit2.Commit)))
    return sorted(found, key=lambda c: c.head.commit_time, reverse=True)


def get_conversation(repo: pygit2.Repository, name: str) -> Conversation:
    """The named conversation, or an error: that its first turn is in flight (running or interrupted), so it
    has no turn yet, or that there is none by that name (listing the ones that exist)."""
    validate_name(name)
    oid = read_ref(repo, conversation_ref(name))
    if oid is None:
        refuse_first_turn(repo, name)
        names = [c.name for c in list_conversations(repo)]
        hint = f"existing conversations: {', '.join(names)}" if names else "start one with `gitagent run PROMPT`"
        raise GitagentError(f"no conversation named {name!r}", hint)
    return Conversation(name, repo[oid].peel(pygit2.Commit))


def refuse_first_turn(repo: pygit2.Repository, name: str) -> None:
    """Raise the error that says conversation `name` has no turns yet because its first turn is in flight
    (running, or interrupted: then with how to resume or discard it), if it is."""
    if read_ref(repo, inflight_ref(name)) is None:
        return
    from gitagent.store.inflight import first_turn_error  # inflight imports this module

    error = first_turn_error(repo, name)
    if error is not None:
        raise error


def nesting_conflict(repo: pygit2.Repository, name: str) -> str | None:
    """The conversation (committed, in flight, or a worktree left behind) that `name` would nest with, if any.

    Git cannot hold refs `a` and `a/b` at once, and one worktree must not lie inside another, so a name is
    never both a conversation and a folder of conversations. (A subagent's child conversation is therefore
    named beside its parent's, e.g. `<parent>.agents/<id>`, never under it.)
    """
    parts = name.split("/")
    for prefix in ("/".join(parts[:i]) for i in range(1, len(parts))):
        if _taken(repo, prefix) or (state_dir(repo) / "worktrees" / prefix / ".git").exists():
            return prefix
    below = name + "/"
    for refname in repo.references:
        for namespace in (CONVERSATIONS, INFLIGHT):
            if refname.startswith(namespace + below):
                return refname[len(namespace) :]
    root = state_dir(repo) / "worktrees"
    if (root / name).is_dir() and not (root / name / ".git").exists():
        for dirpath, dirnames, filenames in os.walk(root / name):
            if ".git" in dirnames or ".git" in filenames:
                return Path(dirpath).relative_to(root).as_posix()
    return None


def check_new_name(repo: pygit2.Repository, name: str) -> None:
    """Refuse a name for a new conversation that is invalid or would nest with an existing one."""
    validate_name(name)
    other = nesting_conflict(repo, name)
    if other is None:
        return
    fix = "pick" if _taken(repo, other) else "run `gitagent prune` to remove its left-over worktree, or pick"
    raise GitagentError(
        f"the name {name!r} would nest with the conversation {other!r} (git cannot hold refs `a` and `a/b` at once)",
        f"{fix} another name, e.g. {unused_name(repo, name.replace('/', '-'))!r}",
    )


def unused_name(repo: pygit2.Repository, stem: str, taken: Collection[str] = ()) -> str:
    """`stem`, `stem-2`, … the first no conversation has (committed or in flight), nests with, or `taken` holds."""
    return next(
        name
        for name in candidate_names(stem)
        if name not in taken and not _taken(repo, name) and not nesting_conflict(repo, name)
    )


def candidate_names(stem: str) -> Iterator[str]:
    """`stem`, `stem-2`, `stem-3`, …"""
    yield stem
    n = 2
    while True:
        yield f"{stem}-{n}"
        n += 1


def _taken(repo: pygit2.Repository, name: str) -> bool:
    return read_ref(repo, conversation_ref(name)) is not None or read_ref(repo, inflight_ref(name)) is not None


def resolve_target(repo: pygit2.Repository, target: str) -> tuple[Conversation, pygit2.Commit]:
    """The conversation and the turn commit a `NAME[@REV]` argument names (a turn of that conversation: one of
    its turns, or one of its abandoned ones)."""
    name, rev = split_target(target)
    conversation = get_conversation(repo, name)
    if not rev:
        return conversation, conversation.head
    return conversation, revs.resolve(_Source(repo), name, conversation.head, rev)


def resolve_turn(repo: pygit2.Repository, target: str) -> tuple[str, pygit2.Commit]:
    """A conversation's name and turn from `NAME[@REV]`, or from a turn's commit id alone (as `rewind`
    suggests forking one): then the name is the conversation the turn was made in."""
    if re.fullmatch(r"[0-9a-fA-F]{7,64}", target) and not _taken(repo, target):
        commit = _turn_commit_by_id(repo, target)
        return turns.read_conversation(commit)["name"], commit
    conversation, commit = resolve_target(repo, target)
    return conversation.name, commit


def resolve_rev(repo: pygit2.Repository, conversation: Conversation, rev: str) -> pygit2.Commit:
    """A turn of `conversation` by number (`3`), by distance from the head (`~2`) or by commit id (any turn
    commit, abandoned ones included, so they can be forked from)."""
    return revs.resolve_rev(_Source(repo), conversation.name, conversation.head, rev)


def _turn_commit_by_id(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    return revs.turn_by_id(_Source(repo), rev)


def is_earlier_turn(repo: pygit2.Repository, conversation: Conversation, commit: pygit2.Commit) -> bool:
    """Whether `commit` is one of the conversation's turns (its head included)."""
    return revs.is_earlier_turn(_Source(repo), conversation.head, commit)


class _Source:
    """The reads REV resolution makes (`revs.TurnSource`), through pygit2."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo

    def load(self, oid: pygit2.Oid | str) -> pygit2.Commit:
        return self.repo[oid].peel(pygit2.Commit)

    def find(self, rev: str) -> pygit2.Commit | None:
        try:
            return self.repo.revparse_single(rev).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.InvalidSpecError):
            return None

    def has_turn_json(self, commit: pygit2.Commit) -> bool:
        return "turn.json" in commit.tree

    def conversation_name(self, commit: pygit2.Commit) -> str:
        return turns.read_conversation(commit)["name"]

    def abandoned_reach(self, name: str, commit: pygit2.Commit) -> bool:
        prefix = f"{ABANDONED}{name}/"
        refs = self.repo.references
        tips = [refs[r].target for r in refs if r.startswith(prefix) and "/" not in r[len(prefix) :]]
        return any(tip == commit.id or self.repo.descendant_of(tip, commit.id) for tip in tips)


def base_commit(repo: pygit2.Repository, turn: pygit2.Commit) -> pygit2.Commit:
    """The user's commit the conversation of `turn` started from."""
    return repo[present_base(repo, turns.read_conversation(turn))].peel(pygit2.Commit)


def present_base(repo: pygit2.Repository, conversation: dict) -> pygit2.Oid:
    """The base commit named in `conversation` (a conversation.json), or GitagentError with the fix when this
    clone lacks it: `gitagent pull` brings turns, whose snapshots share objects with the code, but not the
    commit a conversation started from (unpushed, or beyond a shallow clone's history)."""
    base = pygit2.Oid(hex=conversation["base"])
    if base in repo:
        return base
    if repo.is_shallow:
        hint = "this clone is shallow: fetch the rest of its history with `git fetch --unshallow`, then try again"
    else:
        remote = "origin" if "origin" in [r.name for r in repo.remotes] else "REMOTE"
        hint = (
            f"fetch it: `git fetch {remote} {base}` (where {remote} lacks it, push the branch it is on from the"
            " clone that started the conversation first), then try again"
        )
    raise GitagentError(
        f"conversation {conversation['name']}'s base commit {str(base)[:12]} is not in this repository", hint
    )


def previous_workspace(repo: pygit2.Repository, turn: pygit2.Commit) -> pygit2.Oid:
    """The worktree as it was before `turn`: the previous turn's snapshot, or the base commit's tree."""
    if turn.parents:
        return turns.workspace_tree(turn.parents[0])
    return base_commit(repo, turn).tree.id


def chain(head: pygit2.Commit) -> Iterator[pygit2.Commit]:
    """The turns from `head` back to the first, newest first (lazily, so a caller may stop early)."""
    commit: pygit2.Commit | None = head
    while commit is not None:
        yield commit
        commit = commit.parents[0] if commit.parents else None
