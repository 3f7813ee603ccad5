"""How a child's end reaches its parent: the report of a foreground call, the notification of a background one.

A notification is shaped like Claude Code's (`<task-notification>` with the task's id, status, summary,
result and usage), plus what only gitagent has: the files the child changed in its worktree, its cost, and
how to bring its work in.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pygit2

from gitagent.models.base import AGENT_NOTIFICATION_PREFIX, Usage
from gitagent.store.conversations import get_conversation
from gitagent.store.turns import workspace_tree
from gitagent.subagents.buildoutput import summary, without_build_output

if TYPE_CHECKING:
    from gitagent.api.result import Result
    from gitagent.subagents.start import Task


@dataclass(frozen=True)
class Finished:
    """How a child's turn ended: its status, answer, cost and the files it changed since it started."""

    status: str
    text: str
    tokens: int = 0
    cost_usd: float | None = None
    tool_calls: int = 0
    duration_ms: int = 0
    files: list[str] = field(default_factory=list)
    build_output: list[str] = field(default_factory=list)
    """New files its commands wrote that are build output (`__pycache__`…): not merged, not in `files`."""
    usage: Usage = field(default_factory=Usage)
    model: str = ""

    @classmethod
    def of(cls, repo: pygit2.Repository, name: str, start: str, result: "Result") -> "Finished":
        """A committed child turn, with every file its conversation changed since its start."""
        head = get_conversation(repo, name).head
        base = pygit2.Oid(hex=start)
        work, left_out = without_build_output(repo, base, workspace_tree(head))
        files = sorted(d.new_file.path for d in repo.diff(repo[base], repo[work]).deltas)
        usage = result.usage
        return cls(
            result.status, result.text, usage.input_tokens + usage.output_tokens, result.cost_usd,
            result.tool_calls, result.duration_ms, files, left_out, usage, result.model,
        )  # fmt: skip

    @classmethod
    def failed(cls, name: str, message: str, seconds: float) -> "Finished":
        """A child whose turn stopped with an error (saved as its in-flight turn, so it can be resumed)."""
        return cls("failed", f"{message} (resume it with `gitagent run --resume -c {name}`)",
                   duration_ms=int(seconds * 1000))  # fmt: skip


def report(name: str, task: "Task", finished: Finished) -> str:
    """A foreground child's end, as the Agent tool's result."""
    return f"{finished.text}\n\n{_footer(name, finished)}"


def notification(name: str, task: "Task", finished: Finished) -> str:
    """A background child's end, as the parent's next request carries it."""
    status = "completed" if finished.status == "complete" else finished.status
    return "\n".join([
        AGENT_NOTIFICATION_PREFIX,
        f"<task-id>{name}</task-id>",
        f"<tool-use-id>{task.tool_use_id}</tool-use-id>",
        f"<status>{status}</status>",
        f'<summary>Agent "{task.description}" finished</summary>',
        f"<result>{finished.text}</result>",
        f"<usage><tokens>{finished.tokens}</tokens><cost_usd>{_cost(finished)}</cost_usd>"
        f"<tool_uses>{finished.tool_calls}</tool_uses><duration_ms>{finished.duration_ms}</duration_ms></usage>",
        "</task-notification>",
        _footer(name, finished),
    ])  # fmt: skip


def _footer(name: str, finished: Finished) -> str:
    files = ", ".join(finished.files) if finished.files else "none"
    if finished.build_output:
        files += f" (and build output, which is not merged: {summary(finished.build_output)})"
    merge = (
        f' Its changes are only in its own worktree: bring them into yours with MergeAgent {{"agent_id": "{name}"}}.'
        if finished.files
        else ""
    )
    return (
        f"[agent {name}: {finished.status}, {finished.tokens} tokens, cost {_cost(finished)} USD, files changed:"
        f' {files}.{merge} Continue it with SendMessage {{"to": "{name}", "message": ...}}.]'
    )


def _cost(finished: Finished) -> str:
    return "unknown" if finished.cost_usd is None else f"{finished.cost_usd:.4f}"
