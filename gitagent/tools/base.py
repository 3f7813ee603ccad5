"""The Tool protocol: what every agent tool looks like to the loop."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gitagent.sandbox import Sandbox

OUTPUT_LIMIT = 30_000
"""Characters of tool output the model sees; longer output keeps its head and tail."""


@dataclass
class ToolResult:
    """A tool's answer to the model. `is_error` marks it as a failure the model should react to."""

    output: str
    is_error: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.output = shown_as_utf8(self.output)


def shown_as_utf8(text: str) -> str:
    """`text` as UTF-8 can carry it: bytes that are not UTF-8 (a Latin-1 file name, which Python holds as lone
    surrogates) shown as `\\xNN`, as Bash output shows them, instead of failing every later write of the turn."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


@dataclass
class ToolContext:
    """Where a tool acts: the conversation's worktree, and the sandbox that runs its commands."""

    root: Path
    sandbox: Sandbox
    session_env: Callable[[], str] = lambda: ""
    """The shell text each Bash command runs first (what SessionStart hooks left in `CLAUDE_ENV_FILE`)."""


class Tool(Protocol):
    """A named capability with a JSON-schema input; `run` never raises for bad input, it returns an error."""

    name: str
    description: str
    input_schema: dict[str, Any]

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult: ...


class ToolSource(Protocol):
    """Tools that can change during a turn (MCP servers' tools, some loaded on demand)."""

    def visible(self) -> list[Tool]:
        """The tools the next request sends."""
        ...

    def find(self, name: str) -> Tool | None:
        """The tool called `name`, sent or not."""
        ...


def truncate(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Keep the head and tail of `text` within `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... {cut} characters cut ...]\n{text[-half:]}"
