"""The escape battery under each outside executor's sandbox: Claude Code and Codex CLI (the real programs), told
by their model to write `.git`, the user's checkout, `~/.ssh` and another conversation's worktree, and to leak
their API key into a file and their output. Every write is blocked, checked from outside; the key, which the
executor must hold, is in no git object afterwards."""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.agent.executors.programs import ExecutorCli, claude_cli, codex_cli
from tests.conftest import git, run_cli, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import API_KEY as OPENAI_KEY
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Reply

Record = Callable[[str, str, bool], None]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- ssh-secret-fixture\n")
    monkeypatch.setenv("HOME", str(home))
    return home


def attempts(repo: Path, home: Path, key_variable: str) -> dict[str, str]:
    """What the model tells the executor to run, by what it tries."""
    gd = (repo / ".git").resolve()
    other = worktree(repo, "other").resolve()
    return {
        "write .git/config": f"echo '[core] hooksPath = /tmp' >> {gd}/config",
        "move a ref with git": "git update-ref refs/heads/evil HEAD",
        "write the user's checkout": f"echo evil > {repo.resolve()}/README.md",
        "write and read ~/.ssh": f"echo evil >> {home}/.ssh/authorized_keys; cat {home}/.ssh/id_ed25519",
        "write another conversation's worktree": f"echo evil > {other}/evil.txt",
        "leak the API key": f"printenv {key_variable} > leaked.txt; printenv {key_variable}",
    }


def _battery(repo: Path, home: Path, run: ExecutorCli, command_call: Callable[[str], dict], key: str,
             record: Record) -> None:  # fmt: skip
    script = run_cli(repo, "run", "-c", "other", "--model", _script(repo), "make the other worktree")
    assert script.code == 0, script.err
    config = (repo / ".git" / "config").read_text()
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags")
    tried = attempts(repo, home, next(iter(run.env)))
    replies = [Reply([command_call(command)]) for command in tried.values()] + [Reply([text("tried it all")])]
    run("box", "break out", *replies)

    turn = git(repo, "show", "refs/gitagent/conversations/box:turn.json")
    outcomes = dict(zip(tried, _results(repo), strict=True))
    held = {
        "write .git/config": (repo / ".git" / "config").read_text() == config,
        "move a ref with git": git(repo, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags") == refs,
        "write the user's checkout": (repo / "README.md").read_text() == "# demo\n",
        "write and read ~/.ssh": not (home / ".ssh" / "authorized_keys").exists() and "ssh-secret-fixture" not in turn,
        "write another conversation's worktree": not (worktree(repo, "other") / "evil.txt").exists(),
        "leak the API key": key not in _everything_in_git(repo)
        and "[redacted by gitagent]" in git(repo, "show", "refs/gitagent/conversations/box:workspace/leaked.txt"),
    }
    for attempt, contained in held.items():
        record(f"{run.executor}: {attempt}", outcomes[attempt], contained)
    assert all(held.values()), {attempt: outcomes[attempt] for attempt, ok in held.items() if not ok}


def _script(repo: Path) -> str:
    path = repo.parent / "other.json"
    path.write_text('{"responses": [[{"type": "text", "text": "made"}]]}')
    return f"scripted:{path}"


def _results(repo: Path) -> list[str]:
    import json

    turn = json.loads(git(repo, "show", "refs/gitagent/conversations/box:turn.json"))
    return [" ".join(e["content"].split())[:80] or "(no output)" for e in turn["events"] if e["type"] == "tool_result"]


def _everything_in_git(repo: Path) -> str:
    batch = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True)
    return batch.stdout.decode(errors="replace")


def test_claude_code_is_confined(repo: Path, home: Path, anthropic: FakeAnthropic, record: Record) -> None:
    run = claude_cli(repo, anthropic)
    _battery(repo, home, run, lambda command: tool("Bash", command=command, description="try"), ANTHROPIC_KEY, record)


def test_codex_is_confined(repo: Path, home: Path, openai: FakeOpenAI, record: Record) -> None:
    run = codex_cli(repo, openai)
    _battery(repo, home, run, lambda command: tool("exec_command", cmd=command), OPENAI_KEY, record)
