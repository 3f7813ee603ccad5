"""`gitagent mcp serve`, exercised by the SDK's own client over stdio, as another agent would use it."""

import asyncio
import json
import sys
from pathlib import Path

from mcp import Client, StdioServerParameters

from tests.conftest import git, text, tool


async def _session(repo: Path) -> dict:
    params = StdioServerParameters(command=sys.executable, args=["-m", "gitagent", "mcp", "serve"], cwd=repo)
    async with Client(params) as client:
        tools = (await client.list_tools()).tools

        async def call(name: str, **arguments: object):
            return await client.call_tool(name, arguments)

        return {
            "instructions": client.instructions,
            "tools": {t.name: t.annotations.read_only_hint if t.annotations else None for t in tools},
            "list": await call("list_conversations"),
            "log": await call("log", conversation="greet"),
            "show": await call("show", turn="greet@1"),
            "diff": await call("diff", turn="greet"),
            "whole": await call("diff", turn="greet", since_base=True),
            "search": await call("search", query="FAREWELL"),
            "unknown": await call("show", turn="nope"),
        }


def test_another_agent_reads_conversations_through_the_sdks_client(repo: Path, cli, script) -> None:
    cli("run", "-c", "greet", "--model", script([tool("Write", file_path="hi.txt", content="hello\n")], [text("ok")]),
        "say hello")  # fmt: skip
    cli("run", "-c", "greet", "--model", script([tool("Write", file_path="hi.txt", content="bye\n")], [text("ok")]),
        "now say farewell")  # fmt: skip
    cli("run", "-c", "other", "--model", script([text("nothing to do")]), "just look")
    refs_before = git(repo, "for-each-ref")

    seen = asyncio.run(_session(repo))

    assert "gitagent conversations" in seen["instructions"]
    assert seen["tools"] == dict.fromkeys(["list_conversations", "log", "show", "diff", "search"], True)
    listed = seen["list"].structured_content["result"]
    assert sorted((c["name"], c["turns"]) for c in listed) == [("greet", 2), ("other", 1)]
    assert [(t["turn"], t["subject"]) for t in seen["log"].structured_content["result"]] == [
        (2, "now say farewell"), (1, "say hello"),
    ]  # fmt: skip
    shown = seen["show"].content[0].text
    assert shown.startswith("turn 1 of greet") and "> say hello" in shown and "Created 'hi.txt'" in shown
    assert "-hello\n+bye" in seen["diff"].content[0].text
    assert "+bye" in seen["whole"].content[0].text and "-hello" not in seen["whole"].content[0].text
    (hit,) = seen["search"].structured_content["result"]
    assert (hit["conversation"], hit["turn"], hit["in"]) == ("greet", 2, "prompt")
    assert seen["unknown"].is_error and "no conversation named 'nope'" in seen["unknown"].content[0].text
    assert git(repo, "for-each-ref") == refs_before  # read-only: no ref moved, none added
    assert json.loads(git(repo, "show", "refs/gitagent/conversations/greet:turn.json"))["turn"] == 2
