"""The agent's tools: file, search and shell tools shaped like Claude Code's."""

from gitagent.tools.base import Tool, ToolContext, ToolResult
from gitagent.tools.bash import Bash
from gitagent.tools.code import FindSymbol, Outline, RepoMap
from gitagent.tools.files import Edit, Read, Write
from gitagent.tools.paths import PathOutsideRoot, ToolError, resolve_in_root
from gitagent.tools.search import Glob, Grep
from gitagent.tools.todo import TodoWrite

__all__ = [
    "Bash",
    "Edit",
    "FindSymbol",
    "Glob",
    "Grep",
    "Outline",
    "PathOutsideRoot",
    "Read",
    "RepoMap",
    "TodoWrite",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolResult",
    "Write",
    "default_tools",
    "resolve_in_root",
]


def default_tools() -> list[Tool]:
    """A fresh set of the built-in tools, in the order the model sees them."""
    return [Read(), Write(), Edit(), Glob(), Grep(), Bash(), RepoMap(), FindSymbol(), Outline(), TodoWrite()]
