"""What a turn commit says about itself: the trailers of its message, its number, its tokens, its jump pointer.

Pure functions over a commit's message and ids (any object with `id`, `parent_ids` and `message`: a pygit2
commit, or one the git-plumbing reader parsed), so the store that writes turns and the read commands that
never load pygit2 follow the same rules.
"""

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

_TOKEN_KEYS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cache-read": "cache_read_tokens",
    "cache-write": "cache_write_tokens",
}
TOKEN_FIELDS = tuple(_TOKEN_KEYS.values())
"""The counts of a usage dict (`turn.json`'s `usage`), in the order they are shown."""
EVENT_PREFIX = "event-"
"""An in-flight commit keeps each event beside `turn.json`, as `event-000001.json`, …"""


class TurnCommit(Protocol):
    """What the rules here read of a commit."""

    @property
    def id(self) -> Any: ...
    @property
    def parent_ids(self) -> list[Any]: ...
    @property
    def message(self) -> str: ...


C = TypeVar("C", bound=TurnCommit)


def trailers(commit: TurnCommit) -> dict[str, str]:
    """The `Gitagent-*` trailers of a turn commit, parsed from its last paragraph."""
    last = commit.message.rstrip("\n").rpartition("\n\n")[2]
    found: dict[str, str] = {}
    for line in last.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key.startswith("Gitagent-"):
            found[key] = value
    return found


def turn_number(commit: TurnCommit) -> int:
    """The 1-based position of a turn in its conversation, from its trailer (O(1))."""
    return number_trailer(trailers(commit))


def number_trailer(found: dict[str, str]) -> int:
    """The turn number among a turn commit's `trailers`."""
    return int(found.get("Gitagent-Turn", "0"))


def tokens_trailer(usage: dict[str, int]) -> str:
    """The `Gitagent-Tokens` value for a usage dict: `input=… output=… cache-read=… cache-write=…`."""
    return " ".join(f"{short}={usage.get(key, 0)}" for short, key in _TOKEN_KEYS.items())


def parse_tokens_trailer(value: str) -> dict[str, int]:
    """The usage dict a `Gitagent-Tokens` value stands for."""
    pairs = dict(part.split("=", 1) for part in value.split() if "=" in part)
    return {key: int(pairs.get(short, 0)) for short, key in _TOKEN_KEYS.items()}


def event_names(names: Iterable[str]) -> list[str]:
    """The event entries among a tree's entry names, in order (none for a finished turn)."""
    return sorted(name for name in names if name.startswith(EVENT_PREFIX))


def turn_at(load: Callable[[Any], C], head: C, number: int) -> C:
    """The ancestor of `head` (or `head` itself) that is turn `number`, in O(log n) hops along jumps; `load`
    reads a commit by id."""
    commit = head
    while turn_number(commit) > number:
        jump = jump_of(load, commit)
        commit = jump if jump.id != commit.id and turn_number(jump) >= number else load(commit.parent_ids[0])
    return commit


def jump_of(load: Callable[[Any], C], commit: C) -> C:
    """A turn's jump target; the first turn (and one written without a jump) points at itself or its parent."""
    target = trailers(commit).get("Gitagent-Jump")
    if target is not None:
        return load(target)
    return load(commit.parent_ids[0]) if commit.parent_ids else commit
