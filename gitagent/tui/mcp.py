"""The chat's MCP commands: `/mcp` lists the servers and their state, and each server prompt is a slash
command, `/mcp__<server>__<prompt> ARGS…`, whose text is sent as the next prompt.

The servers are the ones the turns start (gitagent.mcp.hub); before the first turn a prompt command starts
them in the conversation's worktree, or in the checkout mounted read-only when it has none yet.
"""

import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitagent.errors import GitagentError
from gitagent.mcp.config import mcp_tool_name
from gitagent.store.repo import workdir
from gitagent.workspace.worktree import worktree_for

if TYPE_CHECKING:
    from gitagent.mcp.connection import Connection
    from gitagent.tui.session import ChatSession

PREFIX = "/mcp__"


def _live() -> list["Connection"]:
    # Only connections a turn (or a prompt command) started: checking must not load the SDK or start servers.
    hub_module = sys.modules.get("gitagent.mcp.hub")
    return hub_module.hub().live() if hub_module is not None else []


def servers_text(session: "ChatSession") -> str:
    """The `/mcp` listing: each configured server, where from, its state, tools and prompt commands."""
    from gitagent.mcp.inspect import is_trusted, target
    from gitagent.mcp.sources import discover_servers

    repo = session.repo
    found = discover_servers(workdir(repo))
    if not found.servers:
        return "No MCP servers configured. Add one with `gitagent mcp add NAME -- COMMAND [ARGS...]`."
    live = {c.name: c for c in _live()}
    lines = []
    for server in found.servers:
        connection = live.get(server.name)
        if not server.enabled:
            state = "disabled"
        elif not is_trusted(repo, server, session.options.trust_repo):
            state = "untrusted: `gitagent trust` lets it start"
        elif connection is None:
            state = "not started yet (it starts with the next turn)"
        elif connection.state == "connected":
            state = f"connected: {len(connection.tools)} tools, {len(connection.prompts)} prompts"
        else:
            state = f"{connection.state}" + (f": {connection.error}" if connection.error else "")
        lines.append(f"{server.name}  ({server.source}, {server.transport} {target(server)})  {state}")
        if connection is not None:
            lines += [f"    {_command(connection, p.name)} {_usage(p)}".rstrip() for p in connection.prompts]
    lines += [f"warning: {problem}" for problem in found.problems]
    return "\n".join(lines)


def prompt_commands() -> list[str]:
    """The slash commands of the live servers' prompts (for completion)."""
    return [_command(c, p.name) for c in _live() if c.state == "connected" for p in c.prompts]


def expand_prompt(session: "ChatSession", text: str, notify: Callable[[str], None]) -> str:
    """The text of prompt command `text` (`/mcp__server__prompt ARGS…`), asked of its server (blocking). The
    arguments fill the prompt's in order, quoted as in a shell; extra words go to the last one."""
    from gitagent.mcp.connection import McpFailure

    try:
        name, *words = shlex.split(text[1:])
    except ValueError:  # an unbalanced quote: take the words as they are
        name, *words = text[1:].split()
    connection, prompt = _find(session, "/" + name, notify)
    arguments = _arguments(prompt, words, "/" + name)
    try:
        result = connection.request(lambda client: client.get_prompt(prompt.name, arguments))
    except McpFailure as e:
        raise GitagentError(str(e)) from None
    parts = []
    for message in result.messages:
        content = message.content
        parts.append(content.text if getattr(content, "type", "") == "text" else f"[{content.type} content]")
    return "\n\n".join(part for part in parts if part).strip() or f"(the prompt {prompt.name} is empty)"


def _find(session: "ChatSession", command: str, notify: Callable[[str], None]) -> tuple["Connection", Any]:
    for attempt in range(2):
        for connection in _live():
            for prompt in connection.prompts if connection.state == "connected" else []:
                if _command(connection, prompt.name) == command:
                    return connection, prompt
        if attempt == 0:
            _start(session, notify)
    raise GitagentError(f"unknown command {command}", "/mcp lists the MCP servers' prompts")


def _start(session: "ChatSession", notify: Callable[[str], None]) -> None:
    from gitagent.agent.sandboxing import sandbox_choice
    from gitagent.mcp.setup import mcp_setup

    repo = session.repo
    setup = mcp_setup(repo, session.options.trust_repo, sandbox_choice(repo, session.options.sandbox), notify)
    if setup is None:
        return
    worktree = worktree_for(repo, session.name) if session.name else None
    if worktree is not None and worktree.exists:
        setup.start(worktree.path).ready(notify)
    else:
        setup.start(workdir(repo), read_only=True).ready(notify)


def _arguments(prompt: Any, words: list[str], command: str) -> dict[str, str]:
    declared = list(prompt.arguments or [])
    if len(words) > len(declared) and declared:
        words = [*words[: len(declared) - 1], " ".join(words[len(declared) - 1 :])]
    arguments = {arg.name: word for arg, word in zip(declared, words, strict=False)}
    missing = [arg.name for arg in declared if arg.required and arg.name not in arguments]
    if missing:
        raise GitagentError(f"{command} needs {', '.join(missing)}", f"usage: {command} {_usage(prompt)}")
    return arguments


def _command(connection: "Connection", prompt: str) -> str:
    return "/" + mcp_tool_name(connection.name, prompt)


def _usage(prompt: Any) -> str:
    return " ".join(arg.name.upper() if arg.required else f"[{arg.name.upper()}]" for arg in prompt.arguments or [])
