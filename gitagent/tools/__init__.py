"""The agent's tools: file, search and shell tools shaped like Claude Code's."""

from collections.abc import Iterable

from gitagent.tools.base import Tool, ToolContext, ToolResult
from gitagent.tools.bash import Bash
from gitagent.tools.files import Edit, Read, Write
from gitagent.tools.paths import PathOutsideRoot, ToolError, resolve_in_root
from gitagent.tools.search import Glob, Grep

__all__ = [
    "Bash",
    "Edit",
    "Glob",
    "Grep",
    "PathOutsideRoot",
    "Read",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolResult",
    "Write",
    "default_tools",
    "resolve_in_root",
    "tools_by_name",
]


def default_tools() -> list[Tool]:
    """A fresh set of the built-in tools, in the order the model sees them."""
    return [Read(), Write(), Edit(), Glob(), Grep(), Bash()]


def tools_by_name(tools: Iterable[Tool]) -> dict[str, Tool]:
    """Index tools by their `name`, as the loop looks them up for a tool call."""
    return {tool.name: tool for tool in tools}
