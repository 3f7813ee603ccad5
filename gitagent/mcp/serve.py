"""`gitagent mcp serve`: this repository's conversations for other agents (Claude Code, Codex…) over MCP.

Five read-only tools on stdio: list the conversations, log one, show a turn, diff a turn, search them all.
Nothing here writes: no ref moves, no worktree, no turn. The repository is opened afresh for each call, so
turns committed while the server runs are seen.
"""

import json
import re
from pathlib import Path
from typing import Any

from gitagent import __version__
from gitagent.cli.browse import conversation_rows, log_entry, show_text
from gitagent.errors import GitagentError
from gitagent.store import turnmeta
from gitagent.store.gitread import Commit
from gitagent.store.locate import Location
from gitagent.store.reads import History
from gitagent.tools.base import truncate

INSTRUCTIONS = (
    "Read-only access to the gitagent conversations of one git repository: each conversation is a chain of turns "
    "(a prompt, the agent's tool calls and results, its answer, and a snapshot of its worktree). Turns are named "
    "NAME@N (turn N), NAME~K (K before the latest) or NAME (the latest)."
)
SEARCH_TURNS = 2000
"""Turns searched at most (newest first in each conversation), so a search of a huge history stays quick."""


def list_rows(path: "Path | Location") -> list[dict[str, Any]]:
    """Every conversation: name, turns, head commit, last activity, model, state."""
    with History(path) as history:
        return conversation_rows(history)


def log_rows(path: "Path | Location", conversation: str, limit: int) -> list[dict[str, Any]]:
    """The turns of a conversation, newest first: number, commit, prompt, tools, tokens, status, time."""
    if limit < 1:
        return []
    with History(path) as history:
        return [log_entry(commit) for commit in history.log(history.get(conversation), limit)]


def show_text_of(path: "Path | Location", target: str) -> str:
    """One turn, as `gitagent show` prints it."""
    with History(path) as history:
        return truncate(show_text(history, target))


def diff_text(path: "Path | Location", target: str, since_base: bool) -> str:
    """A turn's code change (or the whole conversation's up to it) as a unified diff."""
    with History(path) as history:
        _, commit = history.resolve(target)
        old = history.before(commit, since_base)
        patch = history.patch(old, f"{commit.id}:workspace")
    return truncate(patch or "(no change)")


def search_rows(path: "Path | Location", query: str, conversation: str | None, limit: int) -> list[dict[str, Any]]:
    """Turns whose prompt, answer, tool calls or results mention `query` (case-insensitive), with an excerpt."""
    found: list[dict[str, Any]] = []
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    with History(path) as history:
        heads = [history.get(conversation)] if conversation else history.conversations()
        budget = SEARCH_TURNS
        for each in heads:
            for commit in history.log(each, budget + 1):
                budget -= 1
                if budget < 0 or len(found) >= limit:
                    return found
                found += _matches(each.name, commit, history.read_turn(commit), pattern)[: limit - len(found)]
    return found


def _matches(name: str, commit: Commit, turn: dict[str, Any], pattern: re.Pattern[str]) -> list[dict[str, Any]]:
    out = []
    for where, text in _texts(turn):
        match = pattern.search(text)
        if match:
            start, end = max(0, match.start() - 80), match.end() + 80
            excerpt = ("…" if start else "") + text[start:end].replace("\n", " ") + ("…" if end < len(text) else "")
            out.append({"conversation": name, "turn": turnmeta.turn_number(commit), "commit": commit.id,
                        "in": where, "excerpt": excerpt})  # fmt: skip
    return out


def _texts(turn: dict[str, Any]) -> list[tuple[str, str]]:
    texts = []
    for event in turn.get("events", []):
        if event.get("type") == "user":
            texts.append(("prompt", event.get("text", "")))
        elif event.get("type") == "assistant":
            for block in event.get("content", []):
                if block.get("type") == "text":
                    texts.append(("answer", block.get("text", "")))
                elif block.get("type") == "tool_use":
                    texts.append((f"{block.get('name')} call", json.dumps(block.get("input", {}))))
        elif event.get("type") == "tool_result":
            texts.append((f"{event.get('name')} result", str(event.get("content", ""))))
    return texts


def build_server(path: "Path | Location") -> Any:
    """The MCP server (the SDK's MCPServer) over the repository at `path`."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    server = MCPServer("gitagent", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    read_only = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)

    @server.tool(annotations=read_only)
    def list_conversations() -> list[dict[str, Any]]:
        """List the repository's gitagent conversations, most recently active first."""
        return _answer(list_rows, path)

    @server.tool(annotations=read_only)
    def log(conversation: str, limit: int = 50) -> list[dict[str, Any]]:
        """The turns of a conversation, newest first: prompt (subject), tools used, tokens, status."""
        return _answer(log_rows, path, conversation, limit)

    @server.tool(annotations=read_only)
    def show(turn: str) -> str:
        """One turn in full: prompt, every tool call and result, hook verdicts, answer, files changed.
        `turn` is NAME (latest), NAME@N or NAME~K."""
        return _answer(show_text_of, path, turn)

    @server.tool(annotations=read_only)
    def diff(turn: str, since_base: bool = False) -> str:
        """The code change a turn made (a unified diff); with since_base, the whole conversation's up to it."""
        return _answer(diff_text, path, turn, since_base)

    @server.tool(annotations=read_only)
    def search(query: str, conversation: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Find turns whose prompt, answer, tool calls or results mention `query` (case-insensitive)."""
        return _answer(search_rows, path, query, conversation, limit)

    return server


def _answer(function: Any, *args: Any) -> Any:
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return function(*args)
    except GitagentError as e:  # the client sees a tool error with the message and its fix
        raise ToolError(str(e)) from None


def serve_stdio(path: "Path | Location") -> None:
    """Serve the conversations of the repository at `path` on standard input and output until the client
    leaves."""
    build_server(path).run("stdio")
