"""Where a run's instructions come from: the user's checkout, as hooks and skills do, never the agent's worktree."""

import json
from pathlib import Path

from tests.conftest import git, run_cli
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply


def _system(body: dict) -> str:
    return json.dumps(body["system"])


def test_instructions_are_read_from_the_checkout_not_the_worktree(repo: Path, anthropic: FakeAnthropic) -> None:
    (repo / "AGENTS.md").write_text("COMMITTED RULE\n")
    git(repo, "add", "AGENTS.md")
    git(repo, "commit", "-qm", "rules")
    (repo / "AGENTS.md").write_text("UNCOMMITTED RULE\n")  # the user's edit, not yet committed
    agent_writes = {"file_path": "CLAUDE.md", "content": "AGENT-WRITTEN RULE\n"}
    anthropic.push(Reply([{"type": "tool_use", "name": "Write", "input": agent_writes}]), Reply([{"type": "text",
                   "text": "ok"}]), Reply([{"type": "text", "text": "again"}]))  # fmt: skip
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    for prompt in ("write it", "once more"):
        result = run_cli(repo, "run", "-c", "i", "--model", "anthropic:claude-sonnet-4-5", prompt, env=env)
        assert result.code == 0, result.err
    systems = [_system(body) for body in anthropic.bodies]
    assert len(systems) == 3 and all("UNCOMMITTED RULE" in s for s in systems)
    assert not any("COMMITTED RULE" in s.replace("UNCOMMITTED RULE", "") for s in systems)
    assert not any("AGENT-WRITTEN RULE" in s for s in systems)  # what the agent wrote never steers it


def test_a_refused_import_is_a_notice_in_the_run(repo: Path) -> None:
    (repo / "CLAUDE.md").write_text("Rules.\n@/etc/passwd\n")
    script = repo.parent / "s.json"
    script.write_text(json.dumps({"responses": [[{"type": "text", "text": "fine"}]]}))
    result = run_cli(repo, "run", "--model", f"scripted:{script}", "hello")
    assert result.code == 0, result.err
    assert "instructions: CLAUDE.md:2: @/etc/passwd not imported" in result.err
