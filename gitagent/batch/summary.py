"""A task's summary, the small JSON object a worker returns and the batch's record keeps: from the result of its
turn, or read back from its conversation's latest turn (a task done in an earlier run). Light to import: the
driver reads summaries without loading what runs a turn."""

from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.store import turns
from gitagent.store.refs import conversation_ref, read_ref

if TYPE_CHECKING:
    from gitagent.api.result import Result


def summary_of(result: "Result") -> dict[str, Any]:
    """A task's summary from the result of its turn."""
    return {
        "id": result.conversation.rsplit("/", 1)[-1], "conversation": result.conversation, "status": result.status,
        "turns": result.turn, "usage": result.usage.to_json(), "cost_usd": result.cost_usd,
        "duration_ms": result.duration_ms, "changed_files": result.changed_files,
        "structured_output": result.structured_output, "commit": result.commit, "errors": result.errors,
    }  # fmt: skip


def head_summary(repo: pygit2.Repository, task_id: str, name: str, skipped: bool = False) -> dict[str, Any]:
    """A task's summary read back from its conversation's latest turn."""
    from gitagent.api.result import changed_files  # the API's package loads all of a turn's code

    commit = repo[read_ref(repo, conversation_ref(name))].peel(pygit2.Commit)
    turn = turns.read_turn(commit)
    try:
        changed = changed_files(repo, str(commit.id))
    except KeyError:  # the base commit of another repository is not here
        changed = []
    return {
        "id": task_id, "conversation": name, "status": turn.get("status", "complete"), "turns": turn["turn"],
        "usage": turn.get("usage", {}), "cost_usd": turn.get("cost_usd"), "duration_ms": turn.get("duration_ms", 0),
        "changed_files": changed, "structured_output": turn.get("structured_output"), "commit": str(commit.id),
        "errors": [], "skipped": skipped,
    }  # fmt: skip
