"""`gitagent trust`: let this repository's own hooks, skills, MCP servers and config run (recorded by content
id)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from gitagent.agent.permissions import load_permissions, repository_rule_files
from gitagent.agent.trust import content_id, revoke, trust, trusted_ids
from gitagent.cli.common import dispatch, new_app, print_json, repository
from gitagent.commands import discover_commands
from gitagent.hooks import discover
from gitagent.mcp.sources import discover_servers
from gitagent.skills import discover_skills
from gitagent.store.repo import workdir
from gitagent.subagents import discover_agents

app = new_app()


@dataclass(frozen=True)
class Item:
    """A piece of repository code or config that needs trust before it runs."""

    kind: str
    label: str
    content_id: str


def repository_items(root: Path) -> list[Item]:
    """The repository's hooks, skills, agents, slash commands, MCP servers, `.gitagent/config.toml` and the Claude Code
    settings files that allow something, each with its content id."""
    items = [Item("hook", f"{h.event}: {h.label}", h.content_id) for h in discover(root, None).hooks if h.needs_trust]
    skills = discover_skills(root, root)
    items += [Item("skill", f"{s.name} ({s.path.relative_to(root)})", s.content_id)
              for s in skills.skills + skills.shadowed if s.source == "repo"]  # fmt: skip
    servers = discover_servers(root)
    items += [Item("mcp", f"{s.name} ({s.origin}: {_launch_summary(s.raw)})", s.content_id)
              for s in servers.servers + servers.shadowed if s.needs_trust]  # fmt: skip
    found = discover_agents(root)
    items += [Item("agent", f"{a.name} ({a.path.relative_to(root)})", a.content_id)
              for a in found.agents + found.shadowed if a.needs_trust and a.path is not None]  # fmt: skip
    commands = discover_commands(root)
    items += [Item("command", f"/{c.name} ({c.path.relative_to(root)})", c.content_id)
              for c in [*commands.commands.values(), *commands.shadowed] if c.needs_trust]  # fmt: skip
    for path in repository_rule_files(root):
        if path.is_file() and (path.suffix == ".toml" or load_permissions([(path, True)], None).allow):
            what = "its allow rules and mode" if path.suffix == ".toml" else "its allow rules"
            items.append(Item("config", f"{path.relative_to(root)} ({what})", content_id(path.read_bytes())))
    return items


def _launch_summary(entry: dict[str, object]) -> str:
    """What trusting a server lets run: its command line or its URL."""
    if isinstance(entry.get("url"), str) and "command" not in entry:
        return str(entry["url"])
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    return " ".join(str(part) for part in [entry.get("command", ""), *args])[:120]


@app.command(name="trust")
def trust_command(
    show_only: Annotated[bool, typer.Option("--list", help="Only show what is trusted and what is not.")] = False,
    forget: Annotated[bool, typer.Option("--revoke", help="Forget every trust given in this repository.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with --list).")] = False,
) -> None:
    """Trust this repository's hooks, skills, commands, MCP servers and config as they are now.

    A changed one needs trusting again."""
    repo = repository()
    if forget:
        print(f"forgot {revoke(repo)} trusted content ids")
        return
    items = repository_items(workdir(repo))
    known = trusted_ids(repo)
    if as_json:
        print_json([{**item.__dict__, "trusted": item.content_id in known} for item in items])
        return
    if not items:
        print("this repository has no hooks, skills, commands, MCP servers or config of its own")
        return
    if show_only:
        for item in items:
            print(f"{'trusted  ' if item.content_id in known else 'UNTRUSTED'}  {item.kind:<6}  {item.label}")
        return
    added = set(trust(repo, [item.content_id for item in items]))
    for item in items:
        print(f"{'trusted now' if item.content_id in added else 'already trusted'}: {item.kind} {item.label}")


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
