"""What a turn run through the API gives back: `Result`, and `TurnFailed` for a turn without its answer."""

from dataclasses import dataclass, field
from typing import Any

import pygit2

from gitagent.agent.events import TurnOutcome
from gitagent.errors import GitagentError
from gitagent.models.base import Usage
from gitagent.store import turns
from gitagent.store.conversations import previous_workspace


@dataclass(frozen=True)
class Result:
    """One committed turn: how it ended, its answer, what it cost and what it changed."""

    conversation: str
    """The conversation's name (`gitagent log NAME` lists its turns)."""
    turn: int
    commit: str
    """The turn commit (`gitagent show`/`git show` it)."""
    model: str
    status: str
    """`complete`, or why not: `max_steps`, `max_cost`, `invalid_output`, `stopped` (a hook stopped it)."""
    text: str
    """The final answer's text; for a typed turn, its structured output as JSON."""
    structured_output: Any
    """The validated answer of a typed turn as JSON data (None otherwise, or when the turn failed)."""
    output: Any
    """The answer as the requested type (a Pydantic model, a dataclass…), the JSON data for a schema dict,
    None when no output was requested or the turn failed."""
    usage: Usage
    cost_usd: float | None
    """None when the model has no known price."""
    tool_calls: int
    duration_ms: int
    changed_files: list[str]
    """Paths this turn changed in the conversation's worktree (added, modified or deleted), sorted."""
    errors: list[str] = field(default_factory=list)
    """Why the turn ended without its answer (the last validation errors of a typed turn)."""
    left_out: list[dict[str, Any]] = field(default_factory=list)
    """Untracked files too large or binary to snapshot, each with the reason."""

    @property
    def ok(self) -> bool:
        """Whether the turn ended with its answer (`status == "complete"`)."""
        return self.status == "complete"

    @classmethod
    def of(cls, repo: pygit2.Repository, outcome: TurnOutcome, output: Any = None) -> "Result":
        """The result of a committed turn; `output` is its answer as the caller's type."""
        return cls(
            conversation=outcome.conversation, turn=outcome.turn, commit=outcome.commit, model=outcome.model,
            status=outcome.status, text=outcome.result, structured_output=outcome.structured_output, output=output,
            usage=outcome.usage, cost_usd=outcome.cost_usd, tool_calls=outcome.tool_calls,
            duration_ms=outcome.duration_ms, changed_files=changed_files(repo, outcome.commit),
            errors=outcome.errors, left_out=outcome.left_out,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The object `gitagent run --output-format json` prints (and `stream-json` ends with)."""
        return {
            "type": "result", "conversation": self.conversation, "turn": self.turn, "commit": self.commit,
            "model": self.model, "status": self.status, "result": self.text,
            "structured_output": self.structured_output, "usage": self.usage.to_json(), "cost_usd": self.cost_usd,
            "tool_calls": self.tool_calls, "is_error": not self.ok, "errors": self.errors,
            "duration_ms": self.duration_ms, "changed_files": self.changed_files, "left_out": self.left_out,
        }  # fmt: skip


class TurnFailed(GitagentError):
    """A turn was committed without its answer (`result.status` says why, `result.errors` what was wrong)."""

    def __init__(self, result: Result) -> None:
        what = "a valid structured output" if result.status == "invalid_output" else "an answer"
        details = "; ".join(result.errors)
        super().__init__(
            f"turn {result.turn} of {result.conversation!r} ended without {what} ({result.status})"
            + (f": {details}" if details else ""),
            f"see what it did with `gitagent show {result.conversation}`",
        )
        self.result = result


def changed_files(repo: pygit2.Repository, commit_id: str) -> list[str]:
    """The paths turn `commit_id` changed in its worktree snapshot."""
    commit = repo[commit_id].peel(pygit2.Commit)
    before, after = repo[previous_workspace(repo, commit)], repo[turns.workspace_tree(commit)]
    diff = repo.diff(before, after)
    return sorted({delta.new_file.path for delta in diff.deltas} | {delta.old_file.path for delta in diff.deltas})
