"""`gitagent mcp list | get | add | remove | test | serve`: the MCP servers the agent can use, and gitagent's own."""

import json
from typing import Annotated, Any

import typer

from gitagent.cli.common import dispatch, fail, new_group, print_json, print_table, repository
from gitagent.errors import GitagentError

SUMMARY = "Configure, check and try MCP servers, or serve this repository's conversations over MCP."

app, mcp_app = new_group("mcp", SUMMARY)
Scope = Annotated[str, typer.Option("--scope", "-s", help="local (just you, this repository), project or user.")]


@mcp_app.command("list")
def list_servers(
    check: Annotated[bool, typer.Option("--check/--no-check", help="Start trusted servers to see they work.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the configured MCP servers, where each comes from, and whether it connects."""
    from gitagent.mcp.inspect import check as start_servers
    from gitagent.mcp.inspect import statuses, target
    from gitagent.mcp.sources import discover_servers
    from gitagent.store.repo import workdir

    repo = repository()
    found = discover_servers(workdir(repo))
    rows = statuses(repo, found.servers, start_servers(repo, found.servers) if check else None)
    if as_json:
        print_json({"servers": [row.to_json() for row in rows], "disabled": found.disabled, "problems": found.problems})
        return
    for problem in found.problems:
        print(f"warning: {problem}")
    if not rows and not found.disabled:
        print("No MCP servers configured. Add one with: gitagent mcp add NAME -- COMMAND [ARGS...]")
        return
    table = [("NAME", "SCOPE", "TRANSPORT", "TARGET", "STATUS")]
    for row in rows:
        status = f"{row.state}: {row.tools} tools" if row.state == "connected" else row.state
        table.append((row.server.name, row.server.source, row.server.transport, target(row.server), status))
    if rows:
        print_table(table)
    for row in rows:
        if row.detail:
            print(f"{row.server.name}: {row.detail}")
    for name, path in found.disabled.items():
        print(f"{name}: disabled (disabledMcpjsonServers in {path})")


@mcp_app.command("get")
def get_server(name: Annotated[str, typer.Argument(help="The server's name.")]) -> None:
    """Show one server's settings (secret values masked) and whether it is trusted."""
    from gitagent.mcp.inspect import describe, is_trusted
    from gitagent.mcp.sources import discover_servers
    from gitagent.store.repo import workdir

    repo = repository()
    server = discover_servers(workdir(repo)).get(name)
    about = describe(server)
    about["trusted"] = is_trusted(repo, server)
    for key, value in about.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        print(f"{key + ':':<20} {shown}")


@mcp_app.command("add", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def add_server(
    name: Annotated[str, typer.Argument(help="A name for the server (its tools are mcp__NAME__TOOL).")],
    target: Annotated[str, typer.Argument(help="The command to run (stdio), or the URL (http, sse).")],
    args: Annotated[list[str] | None, typer.Argument(help="The command's arguments (after --).")] = None,
    scope: Scope = "local",
    transport: Annotated[str, typer.Option("--transport", "-t", help="stdio, http or sse.")] = "stdio",
    env: Annotated[list[str] | None, typer.Option("--env", "-e", help="KEY=VALUE for the server.")] = None,
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="'Name: value' for HTTP.")] = None,
    no_sandbox: Annotated[bool, typer.Option("--no-sandbox", help="Run the server unconfined.")] = False,
    network: Annotated[bool, typer.Option("--network", help="Let the sandboxed server use the network.")] = False,
) -> None:
    """Add an MCP server (`gitagent mcp add NAME -- COMMAND ARGS...`, or `-t http NAME URL`)."""
    from gitagent.mcp.sources import add_server as add
    from gitagent.store.repo import workdir

    entry: dict[str, Any] = {"type": transport}
    if transport == "stdio":
        entry |= {"command": target, "args": list(args or [])}
        entry |= {"sandbox": "none"} if no_sandbox else ({"network": True} if network else {})
    else:
        entry["url"] = target
        if args:
            fail(f"an {transport} server takes a URL and no arguments (got: {' '.join(args)})")
    if env:
        entry["env"] = dict(_pair(item, "=", "--env KEY=VALUE") for item in env)
    if header:
        entry["headers"] = dict(_pair(item, ":", "--header 'Name: value'") for item in header)
    path = add(scope, workdir(repository()), name, entry)
    print(f"added MCP server {name!r} to {path} ({scope} scope)")
    if scope == "project":
        print("it is code from the repository: it starts once trusted (`gitagent trust`), for you and for others")


@mcp_app.command("remove")
def remove_server(name: Annotated[str, typer.Argument(help="The server's name.")], scope: Scope = "") -> None:
    """Remove an MCP server (from the one scope that has it, or from `--scope`)."""
    from gitagent.mcp.sources import SCOPES, discover_servers, remove_server
    from gitagent.store.repo import workdir

    checkout = workdir(repository())
    if not scope:
        found = discover_servers(checkout)
        scopes = [s.source for s in found.servers + found.shadowed if s.name == name]
        if not scopes:
            found.get(name)  # raises: names the configured servers
        if "repo-config" in scopes and len(scopes) == 1:
            fail(f"{name!r} is in .gitagent/config.toml", "remove its [mcp_servers] table there by hand")
        scopes = [s for s in scopes if s in SCOPES]
        if len(scopes) > 1:
            fail(f"{name!r} is configured in several scopes: {', '.join(scopes)}", "choose one with --scope")
        scope = scopes[0]
    path = remove_server(scope, checkout, name)
    print(f"removed MCP server {name!r} from {path}")


@mcp_app.command("test")
def test_server(
    name: Annotated[str, typer.Argument(help="The server's name.")],
    tool: Annotated[str | None, typer.Argument(help="The tool to call (default: one that needs no input).")] = None,
    tool_input: Annotated[str, typer.Option("--input", help="The tool's input, as a JSON object.")] = "{}",
    trust_repo: Annotated[bool, typer.Option("--trust-repo", help="Start it even if it is not trusted.")] = False,
) -> None:
    """Connect to a server, list its tools with their schemas, and call one."""
    from gitagent.mcp.probe import probe

    try:
        arguments = json.loads(tool_input)
    except json.JSONDecodeError as e:
        fail(f"--input is not JSON: {e.msg}", 'e.g. --input \'{"timezone": "UTC"}\'')
    if not isinstance(arguments, dict):
        fail("--input must be a JSON object")
    report = probe(repository(), name, tool, arguments, trust_repo)
    print(report.text)
    if not report.ok:
        raise typer.Exit(1)


@mcp_app.command("serve")
def serve() -> None:
    """Serve this repository's conversations to other agents over MCP (stdio, read-only)."""
    from gitagent.mcp.serve import serve_stdio
    from gitagent.store.repo import location

    serve_stdio(location(repository()))


def _pair(item: str, separator: str, usage: str) -> tuple[str, str]:
    key, found, value = item.partition(separator)
    if not found or not key.strip():
        raise GitagentError(f"cannot read {item!r}", f"write {usage}")
    return key.strip(), value.strip() if separator == ":" else value


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
