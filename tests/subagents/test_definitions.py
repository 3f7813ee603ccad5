"""Agent definitions as plain files: discovery, trust, `gitagent agents`, and a public Claude Code subagent."""

import json
import shutil
from pathlib import Path

import gitagent
from tests.conftest import conversation_head, git, run_cli, text, tool

FIXTURES = Path(__file__).parent / "fixtures"


def _install_qa_expert(repo: Path) -> None:
    (repo / ".claude/agents").mkdir(parents=True)
    shutil.copy(FIXTURES / "claude-agents/qa-expert.md", repo / ".claude/agents/qa-expert.md")
    git(repo, "add", ".claude")
    git(repo, "commit", "-qm", "add an agent")


def test_agents_list_and_show_name_every_source_and_what_needs_trust(repo: Path, tmp_path: Path) -> None:
    _install_qa_expert(repo)
    (repo / ".gitagent/agents").mkdir(parents=True)
    (repo / ".gitagent/agents/qa-expert.md").write_text(
        "---\nname: qa-expert\ndescription: Ours first.\n---\nBe ours.\n"
    )
    (repo / ".gitagent/agents/broken.md").write_text("no frontmatter here\n")
    user = tmp_path / "claude-home/agents"
    user.mkdir(parents=True)
    (user / "helper.md").write_text("---\nname: helper\ndescription: Helps.\ntools: [Read]\nmodel: haiku\n---\nHelp.\n")
    listed = run_cli(repo, "agents", "list")
    assert listed.code == 0, listed.err
    out = listed.out
    assert "qa-expert  (repo: .gitagent/agents/qa-expert.md, untrusted: `gitagent trust` to use it)" in out
    assert "shadowed: qa-expert  (repo: .claude/agents/qa-expert.md, untrusted" in out
    assert f"helper  (user: {user / 'helper.md'})" in out and "tools: Read   model: haiku" in out
    assert "general-purpose  (built-in)" in out and "explore  (built-in)" in out
    assert "tools: Read, Glob, Grep, RepoMap, FindSymbol, Outline" in out
    assert "skipped agent" in out and "broken.md: no `---` frontmatter" in out
    shown = run_cli(repo, "agents", "show", "explore")
    assert shown.code == 0 and "read-only exploration agent" in shown.out
    missing = run_cli(repo, "agents", "show", "nobody")
    assert missing.code == 1 and "no agent named 'nobody'" in missing.err and "gitagent agents list" in missing.err
    trust = run_cli(repo, "trust", "--list")
    assert "agent" in trust.out and "qa-expert (.claude/agents/qa-expert.md)" in trust.out


def test_an_untrusted_repository_agent_is_not_offered(repo: Path, family) -> None:
    _install_qa_expert(repo)
    model = family([[tool("Agent", description="QA", prompt="Plan tests", subagent_type="qa-expert")]], {})
    notes: list[str] = []
    result = (
        gitagent.open(repo, model=model)
        .conversation("u")
        .turn("Plan", on_event=lambda e: notes.append(getattr(e, "text", "")))
    )
    assert any("skipped untrusted repository agents: qa-expert" in n for n in notes)
    events = json.loads(conversation_head(repo, result.conversation).tree["turn.json"].data)["events"]
    refused = next(e for e in events if e["type"] == "tool_result")
    assert refused["is_error"] and refused["content"].startswith("Unknown subagent_type 'qa-expert'")


def test_a_public_claude_code_definition_restricts_tools_and_maps_its_model(repo: Path, family) -> None:
    _install_qa_expert(repo)
    model = family(
        [[tool("Agent", description="QA plan", prompt="Plan the tests for README.md", subagent_type="qa-expert")],
         [text("Got the plan.")]],
        {"qa-expert": [[tool("Write", file_path="plan.txt", content="x\n")],
                       [tool("Grep", pattern="demo")], [text("Plan: test the README.")]]},
    )  # fmt: skip
    result = gitagent.open(repo, model=model, trust_repo=True).conversation("q").turn("Plan QA")
    assert result.ok
    child = conversation_head(repo, "q.agents/1")
    turn = json.loads(child.tree["turn.json"].data)
    calls = [e for e in turn["events"] if e["type"] == "tool_result"]
    assert (
        calls[0]["is_error"] and calls[0]["content"] == "Unknown tool 'Write'. Available tools: Read, Glob, Grep, Bash"
    )
    assert not calls[1]["is_error"]
    assert "plan.txt" not in git(repo, "ls-tree", "-r", "--name-only", f"{child.id}:workspace")
    parent = json.loads(conversation_head(repo, "q").tree["turn.json"].data)["events"]
    started = next(e for e in parent if e["type"] == "tool_result" and e["name"] == "Agent")
    assert "model 'sonnet' (a Claude Code alias) is not available with scripted:" in started["content"]
    assert json.loads(child.parents[0].tree["conversation.json"].data)["agent"]["type"] == "qa-expert"
