"""The agent's tools: file, search and shell tools shaped like Claude Code's.

The code tools (`gitagent.tools.code`: RepoMap, FindSymbol, Outline) are imported from their module: they load
the repository map's parsers, which what only needs a tool's result (an outside executor's turn) should not.
"""

from gitagent.tools.base import Tool, ToolContext, ToolResult
from gitagent.tools.bash import Bash
from gitagent.tools.files import Edit, Read, Write
from gitagent.tools.paths import PathOutsideRoot, ToolError, resolve_in_root
from gitagent.tools.search import Glob, Grep
from gitagent.tools.todo import TodoWrite

__all__ = [
    "Bash",
    "Edit",
    "Glob",
    "Grep",
    "PathOutsideRoot",
    "Read",
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
    from gitagent.tools.code import FindSymbol, Outline, RepoMap

    return [Read(), Write(), Edit(), Glob(), Grep(), Bash(), RepoMap(), FindSymbol(), Outline(), TodoWrite()]
