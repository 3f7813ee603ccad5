"""Looking at configured servers outside a turn (`gitagent mcp list | get | test`, `doctor`, the chat's `/mcp`):
their settings with secrets masked, and their state after connecting.

Outside a conversation, stdio servers run in the user's checkout mounted read-only: checking a server must
not change anything.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.agent.sandboxing import sandbox_choice
from gitagent.agent.trust import trusted_ids
from gitagent.mcp.config import ServerConfig
from gitagent.mcp.setup import McpSetup, repository_setup
from gitagent.store.repo import workdir

if TYPE_CHECKING:
    from gitagent.mcp.connection import Connection
    from gitagent.mcp.toolset import McpToolset

_ONE_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")


@dataclass(frozen=True)
class Status:
    """A server's configuration and, if it was started, what happened."""

    server: ServerConfig
    trusted: bool
    state: str
    """connected, failed, untrusted, disabled or not checked."""
    detail: str = ""
    tools: int = 0

    def to_json(self) -> dict[str, Any]:
        """For `--json`: the settings (secrets masked) and the state."""
        return {**describe(self.server), "trusted": self.trusted, "state": self.state, "detail": self.detail,
                "tools": self.tools}  # fmt: skip


def is_trusted(repo: pygit2.Repository, server: ServerConfig, trust_repo: bool = False) -> bool:
    """Whether `server` may start: not from the repository, or trusted as it is now."""
    return not server.needs_trust or trust_repo or server.content_id in trusted_ids(repo)


def checkout_setup(repo: pygit2.Repository, servers: list[ServerConfig]) -> McpSetup:
    """How to start servers outside a conversation: the sandbox the user chose, tool search as configured."""
    return repository_setup(repo, servers, sandbox_choice(repo, None))


def connect(repo: pygit2.Repository, servers: list[ServerConfig]) -> "McpToolset":
    """Start `servers` (in parallel) in the checkout, read-only, and wait until each is up or has failed."""
    toolset = checkout_setup(repo, servers).start(workdir(repo), read_only=True)
    toolset.ready()
    return toolset


def check(repo: pygit2.Repository, servers: list[ServerConfig]) -> "McpToolset | None":
    """The trusted, enabled servers started and waited for (None when there are none)."""
    startable = [s for s in servers if s.enabled and is_trusted(repo, s)]
    return connect(repo, startable) if startable else None


def statuses(repo: pygit2.Repository, servers: list[ServerConfig], toolset: "McpToolset | None") -> list[Status]:
    """Each server's state: what happened to it in `toolset` (see `check`), or why it was not started."""
    trusted = {s.name: is_trusted(repo, s) for s in servers}
    live: dict[str, Connection] = {c.name: c for c in toolset.connections} if toolset else {}
    out = []
    for server in servers:
        if not server.enabled:
            out.append(Status(server, trusted[server.name], "disabled"))
        elif not trusted[server.name]:
            out.append(Status(server, False, "untrusted", "run `gitagent trust` to let it start"))
        elif server.name in live:
            c = live[server.name]
            out.append(Status(server, True, c.state, c.error or "", len(c.tools)))
        else:
            out.append(Status(server, True, "not checked"))
    return out


def describe(server: ServerConfig) -> dict[str, Any]:
    """The settings a person may see: env and header values masked unless they only name a variable."""
    about: dict[str, Any] = {"name": server.name, "scope": server.source, "file": server.origin,
                             "transport": server.transport}  # fmt: skip
    if server.transport == "stdio":
        about |= {"command": server.command, "args": list(server.args), "sandbox": server.sandbox}
        if server.sandbox != "none":
            about |= {"network": server.network, "worktree": server.worktree, "readable": list(server.readable)}
    else:
        about |= {"url": server.url, "headers": {k: mask(v) for k, v in server.headers.items()}}
        if server.bearer_token_env_var:
            about["bearer_token_env_var"] = server.bearer_token_env_var
    about["env"] = {key: mask(value) for key, value in server.env.items()}
    about |= {"startup_timeout_sec": server.startup_timeout, "tool_timeout_sec": server.tool_timeout,
              "enabled": server.enabled}  # fmt: skip
    if server.enabled_tools is not None:
        about["enabled_tools"] = list(server.enabled_tools)
    if server.disabled_tools:
        about["disabled_tools"] = list(server.disabled_tools)
    return about


def mask(value: str) -> str:
    """`${VAR}` as it is; anything else (it may be a literal token) as `***`."""
    return value if _ONE_REFERENCE.match(value) else "***"


def target(server: ServerConfig) -> str:
    """What the server runs or reaches, in one short line."""
    if server.transport != "stdio":
        return server.url
    return " ".join([server.command, *server.args])[:60]


def doctor_summary(repo: pygit2.Repository) -> str:
    """`gitagent doctor`'s line: the servers, how many connect, and what their tool schemas cost a request."""
    from gitagent.mcp.sources import discover_servers
    from gitagent.mcp.toolset import DEFER_TOKENS, DEFER_TOOLS, schema_tokens

    servers = discover_servers(workdir(repo)).servers
    if not servers:
        return "no servers configured (gitagent mcp add)"
    toolset = check(repo, servers)
    counts: dict[str, int] = {}
    for row in statuses(repo, servers, toolset):
        counts[row.state] = counts.get(row.state, 0) + 1
    states = ", ".join(f"{n} {state}" for state, n in counts.items())
    count = f"{len(servers)} server{'s' if len(servers) != 1 else ''}"
    if toolset is None:
        return f"{count}: {states}"
    tools = toolset.all_tools()
    how = (
        f"deferred behind ToolSearch: a request sends ~{schema_tokens(toolset.visible()):,}"
        if toolset.deferring
        else f"all sent (deferred past {DEFER_TOOLS} tools or {DEFER_TOKENS:,} tokens)"
    )
    return f"{count}: {states}; {len(tools)} tools, schemas ~{schema_tokens(tools):,} tokens, {how}"
