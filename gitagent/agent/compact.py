"""`gitagent compact NAME`: compaction on demand, recorded as a commit of its own in the conversation."""

import uuid
from dataclasses import dataclass

import pygit2

from gitagent.agent.compaction import Compactor
from gitagent.agent.guard import unguarded
from gitagent.agent.history import conversation_messages
from gitagent.agent.loop import compact
from gitagent.agent.record import SCHEMA, TurnRecord, now_iso
from gitagent.errors import GitagentError
from gitagent.models.base import Model
from gitagent.store import inflight, turns
from gitagent.store.conversations import get_conversation
from gitagent.store.repo import user_identity


@dataclass(frozen=True)
class Compacted:
    """What `compact_conversation` did."""

    commit: str
    turn: int
    replaced_messages: int
    summary: str


def compact_conversation(repo: pygit2.Repository, name: str, model: Model, compactor: Compactor) -> Compacted:
    """Summarise the whole conversation so far into a new commit's `context.json` (same workspace)."""
    conversation = get_conversation(repo, name)
    inflight.refuse_if_busy(repo, name)
    history = conversation_messages(conversation.head)
    if not history:
        raise GitagentError(f"conversation {name!r} has nothing to compact")
    record = TurnRecord({
        "schema": SCHEMA, "turn": conversation.turns + 1, "turn_id": str(uuid.uuid4()), "kind": "compaction",
        "conversation": name, "model": model.spec, "sandbox": "n/a", "status": "in_progress",
        "started_at": now_iso(), "events": [],
    })  # fmt: skip
    compact(model, compactor, history, record, unguarded(), "manual")
    if not record.events:
        raise GitagentError(f"compaction of {name!r} did not happen")
    record.finish("complete", [])
    head = conversation.head
    summary = record.events[-1]["summary"]
    subject = f"compact: summarise {record.events[-1]['replaced_messages']} messages of turns 1-{conversation.turns}"
    content = turns.TurnContent(
        record.data, head.tree["conversation.json"].id, turns.workspace_tree(head),
        turns.turn_trailers(repo, record.data, record.usage.to_json(), [], head), subject, summary, record.context,
    )  # fmt: skip
    oid = inflight.commit(repo, inflight.InFlight(name, head.id), content, user_identity(repo))
    return Compacted(str(oid), conversation.turns + 1, record.events[-1]["replaced_messages"], summary)
