"""`gitagent mcp test NAME`: connect to one server, show its tools with their schemas, and call one."""

import json
from dataclasses import dataclass
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.mcp.inspect import connect, is_trusted
from gitagent.mcp.sources import discover_servers
from gitagent.mcp.tools import McpTool
from gitagent.store.repo import workdir


@dataclass(frozen=True)
class Report:
    """What the test showed, and whether the server connected and the call succeeded."""

    text: str
    ok: bool


def probe(repo: pygit2.Repository, name: str, tool: str | None, arguments: dict[str, Any], trust_repo: bool) -> Report:
    """Start server `name` in the checkout (read-only), list its tools, call `tool` (or one needing no input)."""
    server = discover_servers(workdir(repo)).get(name)
    if not server.enabled:
        raise GitagentError(f"MCP server {name!r} is disabled (`enabled = false` in {server.origin})")
    if not is_trusted(repo, server, trust_repo):
        raise GitagentError(
            f"MCP server {name!r} comes from the repository ({server.origin}) and is not trusted: not started",
            "trust it with `gitagent trust` (or pass --trust-repo to try it once)",
        )
    toolset = connect(repo, [server])
    connection = toolset.connections[0]
    if connection.state != "connected":
        return Report(f"{name}: {connection.state}: {connection.error}", ok=False)
    tools = toolset.all_tools()
    lines = [f"{name}: connected ({connection.server_info}); {len(tools)} tools"]
    for each in tools:
        lines += [f"\n{each.name}", f"  {each.description.splitlines()[0] if each.description else ''}"]
        lines += ["  " + line for line in json.dumps(each.input_schema, indent=2).splitlines()]
    if connection.prompts:
        lines.append(f"\nprompts: {', '.join(p.name for p in connection.prompts)}")
    if connection.has_resources:
        lines.append("resources: yes (ListMcpResourcesTool lists them)")
    chosen = _choose(tools, tool)
    if chosen is None:
        lines.append(f"\nno tool needs no input; call one: gitagent mcp test {name} TOOL --input JSON")
        return Report("\n".join(lines), ok=tool is None)
    result = chosen.call(arguments)
    lines += [f"\ncall {chosen.name} {json.dumps(arguments)}:", result.output]
    return Report("\n".join(lines), ok=not result.is_error)


def _choose(tools: list[McpTool], wanted: str | None) -> McpTool | None:
    if wanted is not None:
        for tool in tools:
            if wanted in (tool.tool, tool.name):
                return tool
        raise GitagentError(f"no tool {wanted!r}", f"the server has: {', '.join(t.tool for t in tools) or 'none'}")
    return next((t for t in tools if not t.input_schema.get("required")), None)
