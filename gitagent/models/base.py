"""The Model protocol and the provider-neutral message schema the loop and the turn records share.

Messages are dicts shaped like Anthropic's: `{"role": "user"|"assistant", "content": [block, ...]}` where a
block is `{"type": "text", "text"}`, `{"type": "tool_use", "id", "name", "input"}` or
`{"type": "tool_result", "tool_use_id", "content", "is_error"}`. Providers translate at their edge.
"""

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

STOP_FEEDBACK_PREFIX = "Stop hook feedback:\n"
"""Starts the user message that sends the agent back to work after it tried to finish (not a new prompt)."""
OUTPUT_FEEDBACK_PREFIX = "[structured-output] "
"""Starts the reminder to give a typed turn's answer with its StructuredOutput tool (not a new prompt)."""
AGENT_NOTIFICATION_PREFIX = "<task-notification>"
"""Starts the note that a background subagent finished (not a new prompt)."""
FEEDBACK_PREFIXES = (STOP_FEEDBACK_PREFIX, OUTPUT_FEEDBACK_PREFIX, AGENT_NOTIFICATION_PREFIX)

COMPACTION_SYSTEM = (
    "You summarise a coding agent's conversation so it can continue without the full history. Keep the user's "
    "goals and constraints, decisions made, files changed and why, commands that worked or failed, open "
    "questions and the next steps. Be specific (paths, names, numbers) and brief."
)
"""The system prompt of a compaction request (the scripted model answers it without using its script)."""

Block = dict[str, Any]
Message = dict[str, Any]
THINKING_TYPES = ("thinking", "redacted_thinking")
"""Blocks a thinking model answers with, kept as the provider sent them (only Anthropic reads them back)."""


@dataclass
class Usage:
    """Token counts of one model call (or a sum of them)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def add(self, other: "Usage") -> None:
        """Accumulate `other` into this one."""
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens

    @property
    def total(self) -> int:
        """All tokens read and written."""
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    def to_json(self) -> dict[str, int]:
        """A plain dict for turn records and JSON output."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Usage":
        """Read a dict written by `to_json` (missing keys count as zero)."""
        data = data or {}
        return cls(**{k: int(data.get(k, 0)) for k in cls.__dataclass_fields__})


@dataclass
class ModelRequest:
    """Everything a model call needs: system prompt, conversation so far, tool schemas."""

    system: str
    messages: list[Message]
    tools: list[dict[str, Any]]
    max_tokens: int = 8192


@dataclass
class ModelResponse:
    """A finished model answer: content blocks, why it stopped, and what it cost."""

    content: list[Block]
    stop_reason: str
    usage: Usage = field(default_factory=Usage)

    @property
    def tool_calls(self) -> list[Block]:
        """The tool_use blocks, in order."""
        return [b for b in self.content if b.get("type") == "tool_use"]

    @property
    def text(self) -> str:
        """All text blocks joined."""
        return "".join(b["text"] for b in self.content if b.get("type") == "text")


@dataclass
class TextDelta:
    """A piece of answer text as it streams."""

    text: str


class Model(Protocol):
    """A language model. `stream` yields TextDelta pieces and ends with exactly one ModelResponse."""

    spec: str

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]: ...


def message_blocks(message: Message) -> list[Block]:
    """A message's content as a list of blocks (a plain string becomes one text block)."""
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def without_earlier_thinking(messages: list[Message]) -> list[Message]:
    """`messages` with the thinking blocks of every prompt but the last left out.

    Within the last prompt's tool-use cycle the provider wants its thinking back exactly as it sent it;
    before it, thinking may be left out, and must be once the prefix it was bound to has changed (a later
    turn's system prompt differs from the first turn's).
    """
    start = _last_prompt(messages)
    earlier = [
        {**message, "content": [b for b in message_blocks(message) if b.get("type") not in THINKING_TYPES]}
        for message in messages[:start]
    ]
    return earlier + messages[start:]


def _last_prompt(messages: list[Message]) -> int:
    """The index of the last user message that answers no tool call (0 if there is none)."""
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if message["role"] == "user" and not any(b.get("type") == "tool_result" for b in message_blocks(message)):
            return position
    return 0
