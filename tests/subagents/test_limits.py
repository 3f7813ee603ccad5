"""The tree's limits: `--max-cost` covers the children, depth and parallelism are bounded."""

import json
from pathlib import Path

import pytest

import gitagent
from tests.conftest import conversation_head, git, text, tool
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply

CALL = {"input_tokens": 100_000, "output_tokens": 0}  # 0.30 USD a call at claude-sonnet-4-5's price


def test_max_cost_covers_the_children(repo: Path, anthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    anthropic.push(
        Reply([tool("Agent", description="Read", prompt="Read README.md")], usage=CALL),  # the parent: 0.30
        Reply([tool("Read", file_path="README.md")], usage=CALL),  # the child: 0.30, over what was left (0.20)
        *[Reply([tool("Read", file_path="README.md")], usage=CALL) for _ in range(3)],
    )
    repository = gitagent.open(repo, model="anthropic:claude-sonnet-4-5", base_url=anthropic.base_url)
    result = repository.conversation("m").turn("Delegate", max_cost=0.5)
    assert len(anthropic.bodies) == 2
    child = json.loads(conversation_head(repo, "m.agents/1").tree["turn.json"].data)
    assert child["status"] == "max_cost" and "the limit is 0.2 USD" in child["events"][-1]["message"]
    assert result.status == "max_cost"
    assert result.errors == ["stopped after spending 0.6000 USD (the limit is 0.5 USD)"]


def test_children_cannot_nest_past_the_depth_limit(repo: Path, family) -> None:
    git(repo, "config", "gitagent.maxAgentDepth", "1")
    model = family(
        [[tool("Agent", description="Child", prompt="Start a grandchild")], [text("Done.")]],
        {"grandchild": [[tool("Agent", description="Grandchild", prompt="Anything")], [text("Could not.")]]},
    )
    gitagent.open(repo, model=model).conversation("d").turn("Nest")
    child = json.loads(conversation_head(repo, "d.agents/1").tree["turn.json"].data)
    refused = next(e for e in child["events"] if e["type"] == "tool_result")
    assert refused["is_error"] and refused["content"].startswith("Unknown tool 'Agent'")
    assert "SendMessage" not in refused["content"] or "MergeAgent" in refused["content"]
    assert git(repo, "for-each-ref", "refs/gitagent/conversations/d.agents/1.agents") == ""


def test_max_agents_bounds_how_many_children_run_at_once(repo: Path, family) -> None:
    git(repo, "config", "gitagent.maxAgents", "1")
    model = family(
        [[tool("Agent", description=f"Slow {n}", prompt=f"Sleep as agent {n}", run_in_background=True)
          for n in (1, 2)], [text("Waiting.")], [text("Both finished.")]],
        {"sleep": [[tool("Bash", command="sleep 1", description="Wait")], [text("Slept.")]]},
    )  # fmt: skip
    result = gitagent.open(repo, model=model).conversation("x").turn("Run two")
    assert result.ok
    spans = sorted(
        (turn["started_at"], turn["ended_at"])
        for turn in (json.loads(conversation_head(repo, f"x.agents/{n}").tree["turn.json"].data) for n in (1, 2))
    )
    assert spans[0][1] <= spans[1][0]  # one after the other
