"""ToolSearch: when MCP tools are deferred, the model sees their names only and loads a schema on demand.

Loading a tool puts its full definition in the result and in every later request's tool list, so the model
calls it like any other. Queries: `select:NAME[,NAME…]` for exact names, or keywords (`+word` must be in the
name), best matches first.
"""

import json
from typing import TYPE_CHECKING, Any

from gitagent.tools.base import ToolContext, ToolResult, truncate
from gitagent.tools.paths import run_checked

if TYPE_CHECKING:
    from gitagent.mcp.tools import McpTool
    from gitagent.mcp.toolset import McpToolset

DEFAULT_RESULTS = 5
MAX_RESULTS = 20
NAMES_LIMIT = 20_000
"""Characters of deferred tool names the description lists; past that it lists the servers' names."""


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {
            "type": "string",
            "description": "`select:NAME,NAME` loads those tools; otherwise keywords (`+word`: must be in the name)",
        },
        "max_results": {"type": "integer", "description": f"At most this many tools (default {DEFAULT_RESULTS})"},
    },
    "required": ["query"],
}


class ToolSearch:
    """Finds deferred MCP tools and loads their schemas."""

    name = "ToolSearch"
    input_schema = _SCHEMA

    def __init__(self, toolset: "McpToolset") -> None:
        self.toolset = toolset

    @property
    def description(self) -> str:
        """What the tool does, and the names of the tools it can load."""
        names = "\n".join(tool.name for tool in self.toolset.deferred())
        if len(names) > NAMES_LIMIT:
            names = "(too many to list; search by keyword) servers: " + ", ".join(self.toolset.server_names())
        return (
            "Load the definitions of tools from MCP servers. These tools exist but their parameters are not "
            "loaded yet, so they cannot be called until you load them with this tool: by exact name "
            "(`select:mcp__server__tool`) or by keywords describing what you need. A loaded tool is then "
            f"callable like any other.\nTools you can load:\n{names}"
        )

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Load the matching tools and show their definitions."""
        return run_checked(self.input_schema, tool_input, self._search)

    def _search(self, args: dict[str, Any]) -> ToolResult:
        query = args["query"].strip()
        limit = max(1, min(MAX_RESULTS, args.get("max_results", DEFAULT_RESULTS)))
        found, unknown = select(self.toolset.all_tools(), query, limit)
        if not found:
            return ToolResult(f"No MCP tool matches {query!r}.", is_error=bool(unknown))
        self.toolset.load([tool.name for tool in found])
        lines = [f"Loaded {len(found)} tool(s); call them by name from now on."]
        lines += [json.dumps({"name": t.name, "description": t.description, "input_schema": t.input_schema})
                  for t in found]  # fmt: skip
        if unknown:
            lines.append(f"No tool named: {', '.join(unknown)}")
        return ToolResult(truncate("\n".join(lines)))


def select(tools: list["McpTool"], query: str, limit: int) -> tuple[list["McpTool"], list[str]]:
    """The tools a query names or describes best, and names it gave that do not exist."""
    if query.startswith("select:"):
        wanted = [name.strip() for name in query[len("select:") :].split(",") if name.strip()]
        by_name = {tool.name: tool for tool in tools}
        return [by_name[n] for n in wanted if n in by_name], [n for n in wanted if n not in by_name]
    terms = [term.lower() for term in query.split()]
    required = [term[1:] for term in terms if term.startswith("+") and len(term) > 1]
    scored = []
    for tool in tools:
        name, about = tool.name.lower(), tool.description.lower()
        if not all(term in name for term in required):
            continue
        score = sum(3 * (term.lstrip("+") in name) + (term.lstrip("+") in about) for term in terms)
        if score:
            scored.append((-score, tool.name, tool))
    return [tool for *_, tool in sorted(scored, key=lambda item: item[:2])[:limit]], []
