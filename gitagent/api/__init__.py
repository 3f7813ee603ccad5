"""gitagent's Python API: what `gitagent run` is built on, and what scripts, `batch` and subagents call.

    import gitagent

    repo = gitagent.open(".", model="anthropic:claude-sonnet-5-5")
    notes = repo.conversation("release-notes").run("Write release notes for v2", output=ReleaseNotes)

See docs/api.md for the reference and examples.
"""

from gitagent.agent.events import (
    AssistantMessage,
    Event,
    Notice,
    ToolFinished,
    ToolStarted,
    TurnFinished,
    TurnStarted,
    Verdict,
)
from gitagent.agent.output import OutputContract
from gitagent.api.conversation import Conversation, Repository, open
from gitagent.api.options import Options
from gitagent.api.result import Result, TurnFailed
from gitagent.api.stream import TurnStream
from gitagent.api.task import Task, task
from gitagent.errors import GitagentError
from gitagent.models.base import TextDelta, Usage

__all__ = [
    "AssistantMessage",
    "Conversation",
    "Event",
    "GitagentError",
    "Notice",
    "Options",
    "OutputContract",
    "Repository",
    "Result",
    "Task",
    "TextDelta",
    "ToolFinished",
    "ToolStarted",
    "TurnFailed",
    "TurnFinished",
    "TurnStarted",
    "TurnStream",
    "Usage",
    "Verdict",
    "open",
    "task",
]
