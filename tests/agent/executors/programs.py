"""The real Claude Code and Codex CLI for the executor tests: the pinned versions from the cache `./install.sh
--dev` fills (skipped where they are not installed), and a runner that drives `gitagent run --executor ...`
offline against the fake Anthropic and OpenAI servers."""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2
import pytest

from gitagent.agent.executors.programs import PROGRAMS
from gitagent.store import turns
from tests.conftest import Result, git, run_cli
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import API_KEY as OPENAI_KEY
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Reply

PINNED = {name: program.pinned for name, program in PROGRAMS.items()}
"""Where the pinned programs are, found once (some tests point HOME elsewhere)."""
CODEX_MODEL = "openai:gpt-5.5"
"""A model Codex 0.169.0 knows, so it offers its apply_patch tool."""
CODEX_QUIET = ("--executor-arg=--disable", "--executor-arg=plugins", "--executor-arg=-c",
               "--executor-arg=analytics.enabled=false")  # fmt: skip
"""Codex's own network traffic besides the model (plugin sync, analytics) off: tests reach only 127.0.0.1."""


def pinned_program(name: str) -> Path:
    """The pinned program of executor `name`, as `./install.sh --dev` installs it; skips when it is absent (the
    suite never needs Node or the network: the fixtures and the fake executor cover the rest)."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed (CI installs it: apt-get install bubblewrap)")
    if not PINNED[name].exists():
        program = PROGRAMS[name]
        pytest.skip(f"{program.package}@{program.version} is not installed: run ./install.sh --dev (needs npm)")
    return PINNED[name]


@dataclass
class ExecutorCli:
    """Runs `gitagent run --executor NAME` in `repo`, its model answering from `fake`'s script."""

    repo: Path
    executor: str
    fake: FakeAnthropic | FakeOpenAI
    args: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment gitagent runs with: the fake's key and server, and the executors' extra traffic off."""
        if isinstance(self.fake, FakeAnthropic):
            quiet = {"DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
            return {"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": self.fake.base_url, **quiet}
        return {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": self.fake.base_url}

    def argv(self, name: str, prompt: str | None, *extra: str) -> list[str]:
        """The command line of one turn (no prompt: `--resume`, `--discard`… in `extra`)."""
        argv = ["run", "-c", name, "--executor", self.executor, *self.args, *extra]
        return argv + ([prompt] if prompt is not None else [])

    def __call__(self, name: str, prompt: str | None, *replies: Reply, extra: tuple[str, ...] = (),
                 expect: int = 0) -> Result:  # fmt: skip
        """Run one turn with the model answering `replies` in order."""
        self.fake.push(*replies)
        result = run_cli(self.repo, *self.argv(name, prompt, *extra), env=self.env)
        assert result.code == expect, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
        return result


def claude_cli(repo: Path, fake: FakeAnthropic) -> ExecutorCli:
    """Claude Code, pinned, for conversations in `repo`."""
    git(repo, "config", "gitagent.claudeCodePath", str(pinned_program("claude-code")))
    return ExecutorCli(repo, "claude-code", fake)


def codex_cli(repo: Path, fake: FakeOpenAI) -> ExecutorCli:
    """Codex CLI, pinned, for conversations in `repo`."""
    git(repo, "config", "gitagent.codexPath", str(pinned_program("codex")))
    return ExecutorCli(repo, "codex", fake, ["--model", CODEX_MODEL, *CODEX_QUIET])


def texts(body: dict[str, Any]) -> str:
    """Everything a request to the model said in words (Messages or Responses), to check what it was shown."""
    parts: list[str] = []
    for message in body.get("messages") or body.get("input") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        for block in content or []:
            inner = block.get("content")
            parts.append(block.get("text") or (inner if isinstance(inner, str) else json.dumps(inner or "")))
            parts.append(json.dumps(block["input"]) if "input" in block else "")
        parts.append(str(message.get("output") or message.get("arguments") or message.get("input") or ""))
    return "\n".join(parts)


def tool_calls(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls a turn's events hold, as (name, input), in order."""
    return [(b["name"], b["input"]) for e in events if e["type"] == "assistant" for b in e["content"]
            if b["type"] == "tool_use"]  # fmt: skip


def recorded_calls(commit: pygit2.Commit) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls a turn commit records."""
    return tool_calls(turns.read_turn(commit)["events"])
