"""Shared fixtures: real git repositories in temp dirs, scripted-model scripts, and the real CLI."""

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygit2
import pytest

from gitagent.store.locate import LOCATION_ENV

if TYPE_CHECKING:
    from tests.fakes.anthropic_server import FakeAnthropic
    from tests.fakes.openai_server import FakeOpenAI

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


PROVIDER_ENV = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "GITAGENT_MODEL",
)  # fmt: skip


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's git config, gitagent and Claude Code settings, provider keys and warm SDK server out of
    every test."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in LOCATION_ENV:  # a suite run from a git hook: its GIT_DIR would point every command at this checkout
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITAGENT_HOME", str(tmp_path / "gitagent-home"))
    monkeypatch.setenv("GITAGENT_SDK_SERVER", "0")  # each command's own SDK process; tests that want it shared say so
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude-home"))
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "anthropic-config"))


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run git in `cwd` and return its stdout."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit (README.md, a .gitignore ignoring *.log) and a configured user."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Ada Tester")
    git(path, "config", "user.email", "ada@example.com")
    (path / "README.md").write_text("# demo\n")
    (path / ".gitignore").write_text("*.log\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "initial commit")
    return path


@pytest.fixture
def script(tmp_path: Path):
    """Write a scripted-model file from a list of responses; returns the `--model` spec."""
    counter = iter(range(1000))

    def make(*responses: list[dict[str, Any]]) -> str:
        path = tmp_path / f"script-{next(counter)}.json"
        path.write_text(json.dumps({"responses": list(responses)}))
        return f"scripted:{path}"

    return make


def text(value: str) -> dict[str, Any]:
    """A text block."""
    return {"type": "text", "text": value}


def tool(name: str, /, **tool_input: Any) -> dict[str, Any]:
    """A tool_use block."""
    return {"type": "tool_use", "name": name, "input": tool_input}


@dataclass
class Result:
    """What a CLI run printed and how it exited."""

    code: int
    out: str
    err: str


def run_cli(cwd: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the real `gitagent` command line in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitagent", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def default_sigint() -> None:
    """A `preexec_fn` for a gitagent that Ctrl-C must reach: a suite started in the background of a script
    inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt; this gives the process the
    disposition a terminal's foreground job has."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def anthropic() -> Iterator["FakeAnthropic"]:
    """The fake Anthropic API on 127.0.0.1."""
    from tests.fakes.anthropic_server import FakeAnthropic

    server = FakeAnthropic()
    yield server
    server.close()


@pytest.fixture
def openai() -> Iterator["FakeOpenAI"]:
    """The fake OpenAI API on 127.0.0.1."""
    from tests.fakes.openai_server import FakeOpenAI

    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture
def cli(repo: Path):
    """Run gitagent in `repo`, asserting success unless `expect` says otherwise."""

    def call(*args: str, expect: int = 0, cwd: Path | None = None, input: str | None = None) -> Result:
        result = run_cli(cwd or repo, *args, input=input)
        assert result.code == expect, (
            f"exit {result.code}, expected {expect}\nstdout: {result.out}\nstderr: {result.err}"
        )
        return result

    return call


def conversation_head(repo: Path, name: str) -> pygit2.Commit:
    """The head turn commit of a conversation."""
    r = pygit2.Repository(str(repo))
    return r.references[f"refs/gitagent/conversations/{name}"].peel(pygit2.Commit)


def worktree(repo: Path, name: str) -> Path:
    """Where a conversation's worktree lives."""
    return repo / ".git" / "gitagent" / "worktrees" / name


ESCAPE_ROWS = "escape-battery.jsonl"
"""tests/security appends one row per escape attempt here, under each worker's temp dir; under xdist those dirs
sit inside the controller's, and only this top-level conftest is loaded there, so the table is printed here."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    base = terminalreporter.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    rows = [
        json.loads(line) for path in sorted(base.glob(f"**/{ESCAPE_ROWS}")) for line in path.read_text().splitlines()
    ]
    if not rows:
        return
    rows.sort(key=lambda row: row["attempt"])
    width = max(len(row["attempt"]) for row in rows)
    terminalreporter.section("sandbox escape battery")
    terminalreporter.write_line(f"{'attempt':<{width}}  {'verdict':<9}  outcome")
    for row in rows:
        verdict = "contained" if row["contained"] else "ESCAPED"
        terminalreporter.write_line(f"{row['attempt']:<{width}}  {verdict:<9}  {row['outcome']}")
    held = sum(row["contained"] for row in rows)
    terminalreporter.write_line(f"{held}/{len(rows)} attempts contained")


SANDBOX_GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip


@dataclass
class Layout:
    """A repository with a conversation worktree inside its git dir, and a fake HOME holding secrets."""

    checkout: Path
    git_dir: Path
    worktree: Path
    home: Path


def layout_git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **SANDBOX_GIT_ENV}).stdout  # fmt: skip


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed (CI installs it: apt-get install bubblewrap)")
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- ssh-secret-fixture\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\naws_secret_access_key = aws-secret-fixture\n")
    monkeypatch.setenv("HOME", str(home))
    checkout = tmp_path / "repo"
    checkout.mkdir()
    layout_git("init", "-q", "-b", "main", cwd=checkout)
    (checkout / "README.md").write_text("hello\n")
    layout_git("add", "README.md", cwd=checkout)
    layout_git("commit", "-q", "-m", "init", cwd=checkout)
    worktree = checkout / ".git" / "gitagent" / "worktrees" / "demo"
    layout_git("worktree", "add", "-q", "--detach", str(worktree), cwd=checkout)
    return Layout(checkout.resolve(), (checkout / ".git").resolve(), worktree.resolve(), home.resolve())
