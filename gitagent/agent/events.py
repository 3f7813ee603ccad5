"""Live events a turn emits as it happens; the CLI and the TUI render them, they never own the loop."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gitagent.models.base import Block, ModelResponse, TextDelta, Usage
from gitagent.tools.base import ToolResult


@dataclass(frozen=True)
class TurnStarted:
    """A turn began (or resumed)."""

    conversation: str
    turn: int
    model: str
    resumed: bool = False


@dataclass(frozen=True)
class AssistantMessage:
    """The model finished one response."""

    step: int
    response: ModelResponse


@dataclass(frozen=True)
class ToolStarted:
    """A tool call is about to run."""

    call: Block


@dataclass(frozen=True)
class ToolFinished:
    """A tool call returned."""

    call: Block
    result: ToolResult
    duration_ms: int


@dataclass(frozen=True)
class TurnOutcome:
    """How a turn ended and where it was recorded."""

    conversation: str
    turn: int
    commit: str
    model: str
    status: str
    result: str
    usage: Usage
    cost_usd: float | None
    tool_calls: int
    duration_ms: int
    left_out: list[dict[str, Any]] = field(default_factory=list)
    structured_output: Any = None
    """The validated answer of a typed turn (one run with an output schema), else None."""
    errors: list[str] = field(default_factory=list)
    """Why the turn ended without its answer (the last validation errors of a typed turn), one line each."""

    @property
    def is_error(self) -> bool:
        """Whether the turn ended without a proper answer."""
        return self.status != "complete"


@dataclass(frozen=True)
class TurnFinished:
    """The turn is committed."""

    outcome: TurnOutcome


@dataclass(frozen=True)
class Notice:
    """Something the user should see that is not part of the dialogue (a hook's message or error)."""

    text: str


@dataclass(frozen=True)
class Verdict:
    """A hook's verdict or a permission decision, as the turn's record has it."""

    text: str
    allowed: bool = True

    @classmethod
    def of_permission(cls, event: dict[str, Any]) -> "Verdict":
        """From a recorded `permission` event."""
        word = "allowed" if event["allowed"] else "denied"
        return cls(f"{word} {event['name']} ({event['by']}): {event['reason']}", event["allowed"])

    @classmethod
    def of_hook(cls, record: dict[str, Any]) -> "Verdict":
        """From a recorded `hook` event (or a hook outcome's record)."""
        status = f", exit {record['exit']}" if record.get("exit") is not None else ""
        note = f": {record['message']}" if record.get("message") else ""
        allowed = record["verdict"] not in ("deny", "block", "stop", "error", "timeout")
        return cls(f"hook {record['event']} {record['hook']} ({record['source']}{status}): {record['verdict']}{note}",
                   allowed)  # fmt: skip


Event = TurnStarted | TextDelta | AssistantMessage | ToolStarted | ToolFinished | TurnFinished | Notice | Verdict
EventSink = Callable[[Event], None]
