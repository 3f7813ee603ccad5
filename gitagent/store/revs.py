"""Which turn a REV names (a turn number, `~N`, or a commit id) and whether it is a turn of the conversation.

The rules are written once over a small `TurnSource` (how to read commits), so the store (pygit2) and the
read commands (git's plumbing) resolve `NAME@REV` alike, with the same errors.
"""

import re
from typing import Any, Protocol

from gitagent.errors import GitagentError
from gitagent.store.turnmeta import C, trailers, turn_at, turn_number


class TurnSource(Protocol[C]):
    """The reads REV resolution needs."""

    def load(self, oid: Any) -> C:
        """The commit with id `oid` (present)."""
        ...

    def find(self, rev: str) -> C | None:
        """The commit a commit id (or prefix) names; None when missing, ambiguous or not a commit."""
        ...

    def has_turn_json(self, commit: C) -> bool:
        """Whether the commit's tree holds a `turn.json`."""
        ...

    def conversation_name(self, commit: C) -> str:
        """The name in the commit's `conversation.json`."""
        ...

    def abandoned_reach(self, name: str, commit: C) -> bool:
        """Whether an abandoned tip of conversation `name` is `commit` or descends from it."""
        ...


def resolve(source: TurnSource[C], name: str, head: C, rev: str) -> C:
    """The turn `rev` names: one of the conversation's turns, or one of its abandoned ones."""
    commit = resolve_rev(source, name, head, rev)
    if not is_earlier_turn(source, head, commit) and not source.abandoned_reach(name, commit):
        owner = source.conversation_name(commit)
        short = str(commit.id)[:7]
        raise GitagentError(
            f"commit {short} is not a turn of {name!r}: it is turn {turn_number(commit)} of {owner!r}",
            f"name it as {owner}@{short}",
        )
    return commit


def resolve_rev(source: TurnSource[C], name: str, head: C, rev: str) -> C:
    """A turn of conversation `name` by number (`3`), by distance from `head` (`~2`) or by commit id.

    A commit id may name any turn commit, including abandoned ones, so they can be forked from.
    """
    total = turn_number(head)
    if rev.startswith("~") and rev[1:].isdigit():
        return _walk_back(source, name, head, int(rev[1:]), rev)
    if rev.isdigit() and len(rev) < 7:
        number = int(rev)
        if not 1 <= number <= total:
            turns = f"{total} turn{'s' * (total != 1)}"
            raise GitagentError(f"conversation {name!r} has {turns}; there is no turn {number}")
        return _walk_back(source, name, head, total - number, rev)
    return turn_by_id(source, rev)


def _walk_back(source: TurnSource[C], name: str, head: C, steps: int, rev: str) -> C:
    total = turn_number(head)
    if steps >= total:
        raise GitagentError(f"{rev!r} goes back past the first turn of {name!r} ({total} turns)")
    return turn_at(source.load, head, total - steps)


def turn_by_id(source: TurnSource[C], rev: str) -> C:
    """The turn commit a commit id (or a prefix of at least 4 digits) names."""
    if not re.fullmatch(r"[0-9a-fA-F]{4,64}", rev):
        raise GitagentError(f"cannot read REV {rev!r}", "a REV is a turn number (3), ~N, or a commit id")
    commit = source.find(rev)
    if commit is None:
        raise GitagentError(f"no commit {rev!r} in this repository")
    if not source.has_turn_json(commit) or "Gitagent-Turn" not in trailers(commit):
        raise GitagentError(f"commit {rev} is not a gitagent turn")
    return commit


def is_earlier_turn(source: TurnSource[C], head: C, commit: C) -> bool:
    """Whether `commit` is one of the turns ending at `head` (`head` included)."""
    number = turn_number(commit)
    return 1 <= number <= turn_number(head) and turn_at(source.load, head, number).id == commit.id
