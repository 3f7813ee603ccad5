"""The MCP servers a turn may start: configured, enabled, and (for a repository's own) trusted.

Reading the configuration imports nothing of the MCP SDK: a run without servers pays nothing for MCP.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pygit2

from gitagent.agent.sandboxing import hidden_by_config
from gitagent.agent.trust import trusted_ids
from gitagent.mcp.config import ServerConfig
from gitagent.mcp.sources import discover_servers
from gitagent.store.repo import config_value, git_dir, workdir

if TYPE_CHECKING:
    from gitagent.mcp.toolset import McpToolset


@dataclass(frozen=True)
class McpSetup:
    """The servers to start, and how: the git dir their sandbox shows read-only, the sandbox choice, whether
    tools are deferred (`gitagent.mcpToolSearch`), and the paths their sandbox hides (`gitagent.sandboxHide`)."""

    servers: list[ServerConfig]
    git_dir: Path
    sandbox: str = "bwrap"
    tool_search: str = "auto"
    secrets: tuple[Path, ...] = ()

    def start(self, root: Path, read_only: bool = False) -> "McpToolset":
        """Start (or reuse) the servers with `root` as their working directory; returns at once."""
        from gitagent.mcp.hub import hub
        from gitagent.mcp.launch import Place
        from gitagent.mcp.toolset import McpToolset

        place = Place(root.resolve(), self.git_dir, read_only, self.sandbox, self.secrets)
        return McpToolset(hub().attach(self.servers, place), self.tool_search)


def usable_servers(repo: pygit2.Repository, trust_repo: bool, notify: Callable[[str], None]) -> list[ServerConfig]:
    """The enabled servers that may start; problems and skipped untrusted servers are told to `notify`."""
    found = discover_servers(workdir(repo))
    for problem in found.problems:
        notify(problem)
    trusted = trusted_ids(repo)
    enabled = [server for server in found.servers if server.enabled]
    usable = [s for s in enabled if not s.needs_trust or trust_repo or s.content_id in trusted]
    skipped = [s.name for s in enabled if s not in usable]
    if skipped:
        notify(f"skipped untrusted repository MCP servers: {', '.join(skipped)} (trust them with `gitagent trust`)")
    return usable


def mcp_setup(
    repo: pygit2.Repository, trust_repo: bool, sandbox: str, notify: Callable[[str], None]
) -> McpSetup | None:
    """What a turn starts, or None when no server may start."""
    servers = usable_servers(repo, trust_repo, notify)
    if not servers:
        return None
    return repository_setup(repo, servers, sandbox)


def repository_setup(repo: pygit2.Repository, servers: list[ServerConfig], sandbox: str) -> McpSetup:
    """How `servers` start in `repo`: its git dir, `sandbox`, tool search and hidden paths as configured."""
    mode = config_value(repo, "gitagent.mcpToolSearch") or "auto"
    return McpSetup(servers, git_dir(repo), sandbox, mode, tuple(hidden_by_config(repo)))
