"""Where a conversation's children stand, for people: running or not, how long, what they spent."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import pygit2

from gitagent.humanize import human_tokens
from gitagent.models.base import Usage
from gitagent.store import inflight, turns
from gitagent.store.conversations import chain, list_conversations
from gitagent.subagents.start import agent_info, child_prefix


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
        if not conversation.name.startswith(child_prefix(parent)):
            continue
        commits = list(chain(conversation.head))
        info = agent_info(commits[-1]) or agent_info(conversation.head)
        if info is None or info.get("parent") != parent:
            continue
        own = [turns.read_turn(c) for c in commits if turns.trailers(c).get("Gitagent-Status") != "start"]
        usage = Usage()
        for turn in own:
            usage.add(Usage.from_json(turn.get("usage")))
        costs = [t["cost_usd"] for t in own if t.get("cost_usd") is not None]
        found.append(ChildStatus(
            conversation.name, info["type"], info.get("description", ""), _state(repo, conversation.name, own),
            len(own), usage.total, round(sum(costs), 6) if costs else None,
        ))  # fmt: skip
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
