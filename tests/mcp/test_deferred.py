"""200 tools from one server: deferred behind ToolSearch, so a request carries their names, not their schemas."""

import json
from pathlib import Path

from gitagent.mcp.toolset import DEFER_TOKENS
from tests.conftest import git, run_cli
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply
from tests.mcp.conftest import stdio, tool_results, turn_json

MODEL = "anthropic:claude-sonnet-4-5"


def _tokens(tools: list[dict]) -> int:
    return len(json.dumps(tools)) // 4


def _configure(tmp_path: Path) -> None:
    home = tmp_path / "gitagent-home"
    home.mkdir(exist_ok=True)
    entry = stdio("many.py", "200")
    args = ", ".join(json.dumps(arg) for arg in entry["args"])
    readable = ", ".join(json.dumps(path) for path in entry["readable"])  # a checkout under /tmp is hidden
    (home / "config.toml").write_text(
        f'[mcp_servers.many]\ncommand = "{entry["command"]}"\nargs = [{args}]\nreadable = [{readable}]\n'
        "startup_timeout_sec = 60\n"  # as write_mcp_json gives: a loaded CI machine starts it slowly
    )


def _mcp_tools(body: dict) -> list[dict]:
    return [t for t in body["tools"] if t["name"].startswith("mcp__") or t["name"] == "ToolSearch"]


def test_200_tools_are_deferred_and_a_turn_searches_loads_and_calls_one(
    repo: Path, anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    _configure(tmp_path)
    anthropic.push(
        Reply([{"type": "tool_use", "name": "ToolSearch", "input": {"query": "+create issues", "max_results": 2}}]),
        Reply([{"type": "tool_use", "name": "mcp__many__create_issues_20", "input": {"owner": "o", "repo": "r"}}]),
        Reply([{"type": "tool_use", "name": "ToolSearch", "input": {"query": "select:mcp__many__list_repos_2,nope"}}]),
        Reply([{"type": "text", "text": "Created."}]),
    )
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    result = run_cli(repo, "run", "-c", "many", "--model", MODEL, "file an issue", env=env)
    assert result.code == 0, result.err

    first, second, _, fourth = anthropic.bodies
    sent = _mcp_tools(first)
    assert [t["name"] for t in sent] == ["ToolSearch"]  # the names are in its description, the schemas are not
    assert sent[0]["description"].count("mcp__many__") == 200
    assert _tokens(sent) < DEFER_TOKENS
    loaded = ["mcp__many__create_issues_20", "mcp__many__create_issues_120"]  # in the server's order
    assert [t["name"] for t in _mcp_tools(second)] == ["ToolSearch", *loaded]
    assert _mcp_tools(second)[1]["input_schema"]["required"] == ["owner", "repo"]
    assert [t["name"] for t in _mcp_tools(fourth)] == ["ToolSearch", "mcp__many__list_repos_2", *loaded]

    search, call, select = tool_results(turn_json(repo, "many"))
    assert {json.loads(line)["name"] for line in search["content"].splitlines()[1:]} == set(loaded)
    assert call["content"] == "create issues #20: owner=o repo=r query= page=1" and not call["is_error"]
    assert '"name": "mcp__many__list_repos_2"' in select["content"] and "No tool named: nope" in select["content"]


def test_without_deferral_the_same_tools_cost_every_request_their_schemas(
    repo: Path, anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    _configure(tmp_path)
    git(repo, "config", "gitagent.mcpToolSearch", "never")
    anthropic.push(Reply([{"type": "text", "text": "Nothing to do."}]))
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    assert run_cli(repo, "run", "-c", "all", "--model", MODEL, "hello", env=env).code == 0
    (body,) = anthropic.bodies
    sent = _mcp_tools(body)
    assert len(sent) == 200 and _tokens(sent) > 2 * DEFER_TOKENS
