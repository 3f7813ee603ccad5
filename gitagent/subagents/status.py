"""Where a conversation's children stand, for people: running or not, how long, what they spent."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pygit2

from gitagent.agent.record import TurnRecord
from gitagent.errors import GitagentError
from gitagent.humanize import human_tokens
from gitagent.models.base import Usage
from gitagent.store import inflight, turns
from gitagent.store.conversations import chain, list_conversations
from gitagent.store.refs import INFLIGHT, conversation_ref, read_ref
from gitagent.subagents.start import agent_info, child_prefix

RACED = (GitagentError, pygit2.GitError, OSError, KeyError, ValueError)
"""What reading a child that is writing its refs meanwhile may raise; a live view tries again later."""


@dataclass(frozen=True)
class ChildStatus:
    """One child conversation as `/agents` lists it."""

    name: str
    agent_type: str
    description: str
    state: str
    """`running 12s`, `interrupted`, or how its last turn ended (`complete`, `max_cost`…)."""
    turns: int
    tokens: int
    cost_usd: float | None

    @property
    def running(self) -> bool:
        """Whether a live process is running a turn of it."""
        return self.state.startswith("running")

    def line(self) -> str:
        """One line: name, type, description, state, turns, tokens, cost."""
        cost = "-" if self.cost_usd is None else f"${self.cost_usd:.4f}"
        return (
            f"{self.name}  {self.agent_type}  {self.description[:30]:<30}  {self.state:<12}  {self.turns} turn"
            f"{'s' * (self.turns != 1)}  {human_tokens(self.tokens)} tokens  {cost}"
        )


def children_of(repo: pygit2.Repository, parent: str) -> list[ChildStatus]:
    """The direct children of conversation `parent`, in the order they were started."""
    found = []
    for conversation in list_conversations(repo):
        if conversation.name.startswith(child_prefix(parent)):
            status = _status_of(repo, parent, conversation.name, conversation.head)
            if status is not None:
                found.append(status)
    return _in_order(found)


def running_children(repo: pygit2.Repository, parent: str) -> list[ChildStatus]:
    """The children of `parent` running now (in this process or a live one): only their in-flight refs and
    chains are read, so this is cheap enough to ask every second."""
    prefix = INFLIGHT + child_prefix(parent)
    found = []
    for ref in repo.references:
        if not ref.startswith(prefix):
            continue
        name = ref.removeprefix(INFLIGHT)
        head = read_ref(repo, conversation_ref(name))
        status = _status_of(repo, parent, name, repo[head].peel(pygit2.Commit)) if head else None
        if status is not None and status.running:
            found.append(status)
    return _in_order(found)


def own_turns(head: pygit2.Commit) -> tuple[dict[str, Any] | None, list[pygit2.Commit]]:
    """A child's `agent` entry and its own turns up to `head`, oldest first: back to its start commit, not
    into the parent's turns a fork's start commit follows."""
    own = []
    for commit in chain(head):
        if turns.trailers(commit).get("Gitagent-Status") == "start":
            return agent_info(commit), own[::-1]
        own.append(commit)
    return agent_info(head), own[::-1]


def _status_of(repo: pygit2.Repository, parent: str, name: str, head: pygit2.Commit) -> ChildStatus | None:
    info, commits = own_turns(head)
    if info is None or info.get("parent") != parent:
        return None
    own = [turns.read_turn(c) for c in commits]
    records = [TurnRecord(turn) for turn in own]
    current = inflight.load(repo, name)
    if current is not None:  # what the turn under way (or cut short) has spent so far counts too
        records.append(TurnRecord(turns.read_turn(current)))
    usage = Usage()
    for record in records:
        usage.add(record.usage)
    costs = [cost for record in records if (cost := record.cost_usd) is not None]
    return ChildStatus(
        name, info["type"], info.get("description", ""), _state(repo, name, own), len(own), usage.total,
        round(sum(costs), 6) if costs else None,
    )  # fmt: skip


def _in_order(found: list[ChildStatus]) -> list[ChildStatus]:
    return sorted(found, key=lambda c: int(c.name.rsplit("/", 1)[-1]) if c.name[-1].isdigit() else 0)


def _state(repo: pygit2.Repository, name: str, own: list[dict[str, object]]) -> str:
    commit = inflight.load(repo, name)
    if commit is None:
        return str(own[0].get("status", "?")) if own else "not started"
    turn = turns.read_turn(commit)
    owner = turn.get("owner") or {}
    if owner.get("pid") == os.getpid() or inflight.is_alive(owner):
        started = datetime.fromisoformat(turn["started_at"])
        return f"running {int((datetime.now(UTC) - started).total_seconds())}s"
    return "interrupted"
