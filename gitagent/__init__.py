"""gitagent: a git-native coding agent whose conversations live in git.

`import gitagent` stays light (the command line starts from here): the Python API in `gitagent.api`
(`gitagent.open`, `gitagent.task`, `gitagent.Result`…) is imported on first use of one of its names.
"""

from typing import Any

__version__ = "0.1.0"

_API = frozenset({
    "AssistantMessage", "Conversation", "Event", "GitagentError", "Notice", "Options", "OutputContract",
    "Repository", "Result", "Task", "TextDelta", "ToolFinished", "ToolStarted", "TurnFailed", "TurnFinished",
    "TurnStarted", "TurnStream", "Usage", "Verdict", "open", "task",
})  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _API:
        from gitagent import api

        return getattr(api, name)
    raise AttributeError(f"module 'gitagent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
