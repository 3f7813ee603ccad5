"""`gitagent compact NAME`: compaction on demand, recorded as a commit of its own in the conversation."""

import uuid
from dataclasses import dataclass

import pygit2

from gitagent.agent.compaction import Compactor
from gitagent.agent.guard import Guard, unguarded
from gitagent.agent.history import conversation_messages
from gitagent.agent.loop import compact
from gitagent.agent.record import TurnRecord, now_iso
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


def compact_conversation(
    repo: pygit2.Repository, name: str, model: Model, compactor: Compactor, guard: Guard | None = None
) -> Compacted:
    """Summarise the whole conversation so far into a new commit's `context.json` (same workspace).

    `guard` runs the PreCompact hooks (trigger "manual"), which may veto: then nothing is written."""
    get_conversation(repo, name)  # an unknown name, or a first turn still running, is refused without the lock
    with inflight.hold_to_write(repo, name):
        return _compact(repo, name, model, compactor, guard)


def _compact(repo: pygit2.Repository, name: str, model: Model, compactor: Compactor, guard: Guard | None) -> Compacted:
    conversation = get_conversation(repo, name)
    inflight.refuse_if_busy(repo, name)
    history = conversation_messages(conversation.head)
    if not history:
        raise GitagentError(f"conversation {name!r} has nothing to compact")
    record = TurnRecord({
        "schema": turns.SCHEMA, "turn": conversation.turns + 1, "turn_id": str(uuid.uuid4()), "kind": "compaction",
        "conversation": name, "model": model.spec, "sandbox": "n/a", "status": "in_progress",
        "started_at": now_iso(), "events": [],
    })  # fmt: skip
    vetoed = compact(model, compactor, history, record, guard or unguarded(), "manual")
    if vetoed is not None:
        raise GitagentError(f"{name!r} was not compacted: {vetoed}")
    record.finish("complete", [])
    head = conversation.head
    done = next(e for e in record.events if e["type"] == "compaction")
    summary = done["summary"]
    subject = f"compact: summarise {done['replaced_messages']} messages of turns 1-{conversation.turns}"
    content = turns.TurnContent(
        record.data, head.tree["conversation.json"].id, turns.workspace_tree(head),
        turns.turn_trailers(repo, record.data, record.usage.to_json(), [], head), subject, summary, record.context,
        turns.executor_tree(head),
    )  # fmt: skip
    oid = inflight.commit(repo, inflight.InFlight(name, head.id), content, user_identity(repo))
    return Compacted(str(oid), conversation.turns + 1, done["replaced_messages"], summary)
