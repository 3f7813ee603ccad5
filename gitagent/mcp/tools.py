"""MCP servers' tools as agent tools (`mcp__<server>__<tool>`), and the tools that read their resources.

Each is an ordinary Tool (gitagent.tools.base), so permission rules, hooks, approvals and the turn's record
treat it as they treat a built-in.
"""

import json
from typing import TYPE_CHECKING, Any

from gitagent.mcp.config import mcp_tool_name
from gitagent.mcp.connection import Connection, McpFailure, all_pages
from gitagent.mcp.results import failure, resource_text, tool_result
from gitagent.tools.base import ToolContext, ToolResult, truncate
from gitagent.tools.paths import run_checked

if TYPE_CHECKING:
    import mcp_types as types

    from gitagent.mcp.toolset import McpToolset

DESCRIPTION_LIMIT = 2048


class McpTool:
    """One tool of an MCP server."""

    def __init__(self, connection: Connection, tool: "types.Tool") -> None:
        self.connection = connection
        self.tool = tool.name
        self.name = mcp_tool_name(connection.name, tool.name)
        description = tool.description or tool.title or f"The {tool.name} tool of MCP server {connection.name}."
        self.description = description[:DESCRIPTION_LIMIT]
        schema = dict(tool.input_schema or {})
        self.input_schema: dict[str, Any] = {"type": "object", "properties": {}, **schema}

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Call the tool on its server."""
        return self.call(tool_input)

    def call(self, tool_input: dict[str, Any]) -> ToolResult:
        """Call the tool on its server (it needs no worktree: the server has its own)."""
        server = self.connection.name
        try:
            result = self.connection.request(lambda client: client.call_tool(self.tool, tool_input))
        except McpFailure as e:
            return failure(server, self.tool, str(e))
        return tool_result(server, self.tool, result, self.connection.secrets)


_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"server": {"type": "string", "description": "Only this server's resources"}},
}
_READ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {"type": "string", "description": "The MCP server's name"},
        "uri": {"type": "string", "description": "The resource's URI"},
    },
    "required": ["server", "uri"],
}


class Unavailable:
    """Stands in for a tool of a server that failed or stopped: calling it says why."""

    def __init__(self, connection: Connection, name: str) -> None:
        self.connection = connection
        self.name = name
        self.description = f"A tool of MCP server {connection.name}, which is not available."
        self.input_schema: dict[str, Any] = {"type": "object", "properties": {}}

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """The reason the server is not available."""
        server = self.connection.name
        reason = self.connection.error or self.connection.state
        return failure(server, self.name, f"MCP server {server!r} is not available: {reason}")


class ListMcpResources:
    """Lists the resources of the MCP servers that offer some."""

    name = "ListMcpResourcesTool"
    description = (
        "List the resources (files, documents, records) the connected MCP servers offer, with their URIs. "
        "Give `server` to list one server's. Read one with ReadMcpResourceTool."
    )
    input_schema = _LIST_SCHEMA

    def __init__(self, toolset: "McpToolset") -> None:
        self.toolset = toolset

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """One line per resource: server, URI, name, type, description."""
        return run_checked(self.input_schema, tool_input, self._list)

    def _list(self, args: dict[str, Any]) -> ToolResult:
        lines: list[str] = []
        for connection in self.toolset.resource_servers(args.get("server")):
            try:
                resources = connection.request(lambda client: all_pages(client.list_resources, "resources"))
            except McpFailure as e:
                lines.append(str(e))
                continue
            lines += [_resource_line(connection.name, r) for r in resources]
        return ToolResult(truncate("\n".join(lines) or "No resources."))


class ReadMcpResource:
    """Reads one resource of an MCP server."""

    name = "ReadMcpResourceTool"
    description = "Read a resource of an MCP server by its URI (ListMcpResourcesTool lists them)."
    input_schema = _READ_SCHEMA

    def __init__(self, toolset: "McpToolset") -> None:
        self.toolset = toolset

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """The resource's text (a binary one is described, not shown)."""
        return run_checked(self.input_schema, tool_input, self._read)

    def _read(self, args: dict[str, Any]) -> ToolResult:
        server, uri = args["server"], args["uri"]
        connections = self.toolset.resource_servers(server)
        if not connections:
            known = ", ".join(c.name for c in self.toolset.resource_servers(None)) or "none"
            return ToolResult(f"no connected MCP server {server!r} offers resources (those that do: {known})", True)
        connection = connections[0]
        try:
            result = connection.request(lambda client: client.read_resource(uri))
        except McpFailure as e:
            return ToolResult(str(e), is_error=True)
        text = "\n".join(resource_text(contents) for contents in result.contents) or "(empty)"
        return ToolResult(truncate(text), metadata={"mcp": {"server": server, "resource": uri}})


def _resource_line(server: str, resource: "types.Resource") -> str:
    about = {"server": server, "uri": str(resource.uri), "name": resource.name}
    if resource.mime_type:
        about["mimeType"] = resource.mime_type
    if resource.description:
        about["description"] = resource.description
    return json.dumps(about, ensure_ascii=False)
