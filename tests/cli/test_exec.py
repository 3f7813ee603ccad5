"""`gitagent exec`: a command in a conversation's worktree, confined as the agent's own commands are."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import text, tool, worktree


@pytest.fixture
def conversation(repo: Path, cli, script) -> str:
    """A conversation whose agent wrote `agent.txt`."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    cli("run", "-c", "work", "-m", script([tool("Write", file_path="agent.txt", content="mine\n")], [text("ok")]), "w")
    return "work"


def test_exec_runs_in_the_worktree_and_passes_the_exit_status_through(repo: Path, cli, conversation: str) -> None:
    assert cli("exec", "-c", conversation, "--", "cat", "agent.txt").out == "mine\n"
    failed = cli("exec", "-c", conversation, "--", "sh -c 'echo out; echo err >&2; exit 7'", expect=7)
    assert failed.out == "out\n" and failed.err == "err\n"
    assert cli("exec", "-c", conversation, "--", "echo", "$HOME", "a b").out == "$HOME a b\n"  # argv, not a shell
    assert cli("exec", "-c", conversation, "--", "pwd").out.strip() == str(worktree(repo, conversation))


def test_exec_is_confined_like_the_agents_bash(repo: Path, cli, conversation: str, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-exec-canary")
    attempt = f"echo evil > {repo}/README.md; env | grep -c sk-ant-exec-canary; touch {repo}/.git/pwned"
    result = cli("exec", "-c", conversation, "--", attempt, expect=1)
    assert "Read-only file system" in result.err and result.out.strip() == "0"
    assert (repo / "README.md").read_text() == "# demo\n" and not (repo / ".git" / "pwned").exists()
    killed = cli("exec", "-c", conversation, "--timeout", "1", "--", "sleep 30", expect=124)
    assert "killed after 1 s" in killed.err


def test_exec_names_the_fix_for_an_unknown_conversation_or_a_missing_worktree(
    repo: Path, cli, conversation: str
) -> None:
    unknown = cli("exec", "-c", "nope", "--", "true", expect=1)
    assert (
        unknown.err.startswith("gitagent: error: no conversation named 'nope'")
        and "existing conversations: work" in unknown.err
    )
    assert "which conversation? give -c NAME" in cli("exec", "--", "true", expect=1).err
    shutil.rmtree(worktree(repo, conversation))
    gone = cli("exec", "-c", conversation, "--", "true", expect=1)
    assert "has no worktree" in gone.err and "gitagent run -c work PROMPT" in gone.err and "Traceback" not in gone.err
