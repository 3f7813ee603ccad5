"""`gitagent agents list|show`: the subagent definitions the Agent tool can start here."""

import textwrap
from pathlib import Path
from typing import Annotated

import typer

from gitagent.agent.trust import trusted_ids
from gitagent.cli.common import dispatch, fail, new_group, print_json, repository
from gitagent.errors import GitagentError
from gitagent.store.repo import workdir
from gitagent.subagents import AgentDefinition, discover_agents

SUMMARY = "List and show the subagent definitions (.gitagent/agents, .claude/agents, yours, built-in)."

app, agents_app = new_group("agents", SUMMARY)


@agents_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the agent definitions in effect, nearest first, with the ones they shadow."""
    repo = repository()
    root = workdir(repo)
    found = discover_agents(root)
    trusted = trusted_ids(repo)
    if as_json:
        rows = {"agents": found.agents, "shadowed": found.shadowed}
        print_json({key: [_row(a, root, trusted) for a in items] for key, items in rows.items()}
                   | {"problems": found.problems})  # fmt: skip
        return
    for problem in found.problems:
        print(f"warning: {problem}")
    for definition in found.agents:
        print(f"{definition.name}  ({_origin(definition, root, trusted)})")
        print(textwrap.fill(definition.description, 100, initial_indent="    ", subsequent_indent="    "))
        print(f"    tools: {', '.join(definition.tools) if definition.tools else 'all'}"
              f"   model: {definition.model or 'inherit'}")  # fmt: skip
    for hidden in found.shadowed:
        print(f"shadowed: {hidden.name}  ({_origin(hidden, root, trusted)})")


@agents_app.command()
def show(
    name: Annotated[str, typer.Argument(help="The agent's name (its `subagent_type`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one agent definition: where it comes from, its tools, its model and its system prompt."""
    repo = repository()
    root = workdir(repo)
    trusted = trusted_ids(repo)
    definition = discover_agents(root).get(name)
    if definition is None:
        fail(GitagentError(f"no agent named {name!r}", "see `gitagent agents list`"))
    if as_json:
        print_json({**_row(definition, root, trusted), "prompt": definition.prompt})
        return
    print(f"{definition.name}  ({_origin(definition, root, trusted)})")
    if definition.content_id:
        print(f"content id: {definition.content_id}")
    print(f"description: {definition.description}")
    print(f"tools: {', '.join(definition.tools) if definition.tools else 'all'}")
    print(f"model: {definition.model or 'inherit'}")
    print(f"\n{definition.prompt.rstrip()}")


def _origin(definition: AgentDefinition, root: Path, trusted: set[str]) -> str:
    if definition.path is None:
        return "built-in"
    where = definition.path.relative_to(root) if definition.path.is_relative_to(root) else definition.path
    state = "" if not definition.needs_trust else (", trusted" if definition.content_id in trusted else
                                                   ", untrusted: `gitagent trust` to use it")  # fmt: skip
    return f"{definition.source}: {where}{state}"


def _row(definition: AgentDefinition, root: Path, trusted: set[str]) -> dict[str, object]:
    return {
        "name": definition.name, "description": definition.description, "source": definition.source,
        "path": str(definition.path) if definition.path else None,
        "tools": list(definition.tools) if definition.tools else None, "model": definition.model,
        "trusted": not definition.needs_trust or definition.content_id in trusted,
    }  # fmt: skip


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
