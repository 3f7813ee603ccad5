"""Making a child conversation: its start commit and its ref, by the store's own fork.

The start commit is a turn commit whose `workspace/` is the parent's worktree as it is when the Agent tool
is called (a snapshot, in-flight changes included). For a fork (`subagent_type: "fork"`) its parent is the
parent conversation's head and its `turn.json` holds the parent's turn so far, so the child sees the whole
dialogue; for a fresh agent it has no parent and no events. Its `conversation.json` names the child and, under
`agent`, the parent, the task and the tree the child started from (the base of the merge that brings its
work back). The child's own turns follow it, so it is a conversation like any other.
"""

import copy
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.agent.record import now_iso
from gitagent.models.base import Usage
from gitagent.store import inflight, operations, turns
from gitagent.store.conversations import list_conversations, nesting_conflict
from gitagent.store.refs import conversation_ref, inflight_ref, read_ref
from gitagent.store.repo import user_identity
from gitagent.workspace.snapshot import take_snapshot

if TYPE_CHECKING:
    from gitagent.agent.turn import Turn
    from gitagent.store.conversations import Conversation

AGENTS = ".agents/"
FORKED_RESULT = "Forked: you are the copy of the agent that made this call. Your task follows."
NOT_RUN = "Not run in the fork."


@dataclass(frozen=True)
class Task:
    """What a child is asked to do, as the Agent tool's call gave it."""

    agent_type: str
    description: str
    prompt: str
    tool_use_id: str
    background: bool


def child_prefix(parent: str) -> str:
    """The names of `parent`'s children start with this (`p.agents/`)."""
    return parent + AGENTS


def child_name(repo: pygit2.Repository, parent: str) -> str:
    """The next free child name of `parent`: `<parent>.agents/1`, `/2`, …"""
    n = 1
    while True:
        name = f"{child_prefix(parent)}{n}"
        taken = read_ref(repo, conversation_ref(name)) or read_ref(repo, inflight_ref(name))
        if not taken and not nesting_conflict(repo, name):
            return name
        n += 1


def agent_info(commit: pygit2.Commit) -> dict[str, Any] | None:
    """The `agent` entry of a turn's `conversation.json` (None for a conversation no agent started)."""
    return turns.read_conversation(commit).get("agent")


def unfinished_children(repo: pygit2.Repository, parent: str) -> list["Conversation"]:
    """The children of `parent` left unfinished (what `run --resume` on the parent resumes), in the order they
    were started: each with an in-flight turn, or whose first turn never started."""
    found = []
    for conversation in list_conversations(repo):
        if not conversation.name.startswith(child_prefix(parent)):
            continue
        info = agent_info(conversation.head)
        if info is None or info.get("parent") != parent:
            continue
        interrupted = inflight.load(repo, conversation.name) is not None
        if interrupted or turns.read_turn(conversation.head).get("status") == "start":
            found.append(conversation)
    return sorted(found, key=lambda c: int(c.name.rsplit("/", 1)[-1]))


def start_child(repo: pygit2.Repository, parent: "Turn", task: Task, model: str) -> tuple[str, pygit2.Oid]:
    """Write the child's start commit and fork it as a new conversation; its name and the tree it starts from."""
    name = child_name(repo, parent.state.name)
    snapshot = take_snapshot(parent.worktree)
    fork = task.agent_type == "fork"
    info = json.loads(repo[parent.conversation_blob].data)
    child_info = {
        "schema": turns.SCHEMA, "name": name, "base": info["base"], "created_at": now_iso(), "model": model,
        "agent": {
            "parent": parent.state.name, "parent_turn": parent.record.data["turn"], "tool_use_id": task.tool_use_id,
            "type": task.agent_type, "description": task.description, "prompt": task.prompt,
            "background": task.background, "start": str(snapshot.tree),
        },
    }  # fmt: skip
    if fork and parent.head is not None:
        child_info["forked_from"] = {"name": parent.state.name, "commit": str(parent.head.id)}
    events = _forked_events(parent.record.events, task.tool_use_id) if fork else []
    data = {
        "schema": turns.SCHEMA, "turn": parent.record.data["turn"] if fork else 1, "turn_id": str(uuid.uuid4()),
        "conversation": name, "model": model, "sandbox": parent.sandbox.name, "status": "start",
        "started_at": now_iso(), "ended_at": now_iso(), "duration_ms": 0, "events": events, "result": "",
        "usage": _usage(events).to_json(), "left_out": [item.to_json() for item in snapshot.left_out],
    }  # fmt: skip
    head = parent.head if fork else None
    trailers = [*turns.turn_trailers(repo, data, data["usage"], [], head), ("Gitagent-Parent", parent.state.name)]
    content = turns.TurnContent(
        data, turns.write_blob_json(repo, child_info), snapshot.tree, trailers,
        f"agent start: {task.description or task.prompt}", "", parent.record.context if fork else None,
    )  # fmt: skip
    oid = turns.write_turn_commit(repo, content, head.id if head is not None else None, user_identity(repo))
    operations.fork(repo, repo[oid].peel(pygit2.Commit), name)
    return name, snapshot.tree


def _forked_events(events: list[dict[str, Any]], tool_use_id: str) -> list[dict[str, Any]]:
    """The parent's turn so far, every call of its last response answered (the Agent call by the fork note)."""
    forked = copy.deepcopy(events)
    last = next((e for e in reversed(forked) if e["type"] == "assistant"), None)
    answered = {e["tool_use_id"] for e in forked if e["type"] == "tool_result"}
    for block in last["content"] if last else []:
        if block.get("type") == "tool_use" and block["id"] not in answered:
            text = FORKED_RESULT if block["id"] == tool_use_id else NOT_RUN
            forked.append({"type": "tool_result", "tool_use_id": block["id"], "name": block["name"],
                           "content": text, "is_error": False, "duration_ms": 0})  # fmt: skip
    return forked


def _usage(events: list[dict[str, Any]]) -> Usage:
    total = Usage()
    for e in events:
        if e["type"] == "assistant":
            total.add(Usage.from_json(e["usage"]))
    return total
