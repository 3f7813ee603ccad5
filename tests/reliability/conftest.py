"""The crash-injection harness: a user's repository with work of their own, turns set up in-process, the
victim command run as a real `gitagent` process and killed at a named point (`GITAGENT_TEST_KILL_AT`),
and the checks that must hold after every kill."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2
import pytest

from gitagent.agent.session import resume_turn, run_turn
from gitagent.agent.turn import TurnSettings
from gitagent.models import load_model
from gitagent.sandbox.sessions import members
from gitagent.sandbox.unconfined import UnconfinedSandbox
from gitagent.store import operations
from gitagent.store.conversations import get_conversation, resolve_target
from tests.conftest import Result, git, text, tool


def _outlived_by(sid: int) -> None:
    """Wait until the processes a killed gitagent started (session `sid`) have ended: a git it ran, e.g. the
    `git worktree add` of a new conversation's worktree filled in the background, finishes its step after the
    kill (its placeholder HEAD reads as invalid to a `git fsck` run meanwhile); checks run after, as a user's would."""
    deadline = time.monotonic() + 30
    while members(sid):
        assert time.monotonic() < deadline, f"processes of killed gitagent {sid} still running: {members(sid)}"
        time.sleep(0.02)


def write(path: str, content: str) -> list[list[dict[str, Any]]]:
    """A scripted turn that writes one file, then answers."""
    return [[tool("Write", file_path=path, content=content)], [text(f"wrote {path}")]]


@dataclass
class Crash:
    """A user's repository and what a test needs to kill gitagent in it and check what is left."""

    repo: Path
    scripts: Path
    user_before: tuple[str, ...] = ()
    turns_before: set[str] = field(default_factory=set)
    count: int = 0

    def script(self, responses: list[list[dict[str, Any]]]) -> str:
        """A scripted-model spec replaying `responses`."""
        self.count += 1
        path = self.scripts / f"script-{self.count}.json"
        path.write_text(json.dumps({"responses": responses}))
        return f"scripted:{path}"

    def turn(self, name: str, responses: list[list[dict[str, Any]]], prompt: str = "set up") -> None:
        """Run one turn in-process (fast set-up; the victim command always runs as its own process)."""
        run_turn(pygit2.Repository(str(self.repo)), name, prompt, self._settings(responses))

    def fork(self, source: str, new: str) -> None:
        """`gitagent fork SOURCE NEW`, in-process."""
        repo = pygit2.Repository(str(self.repo))
        operations.fork(repo, resolve_target(repo, source)[1], new)

    def rewind(self, name: str, rev: str) -> None:
        """`gitagent rewind NAME REV`, in-process."""
        repo = pygit2.Repository(str(self.repo))
        operations.rewind(repo, get_conversation(repo, name), rev)

    def run(self, *args: str, kill_at: str | None = None, env: dict[str, str] | None = None) -> Result:
        """Run the real `gitagent` in the repository; `kill_at` names the point where it kills itself."""
        extra = dict(env or {})
        if kill_at:
            extra["GITAGENT_TEST_KILL_AT"] = kill_at
        proc = subprocess.Popen(
            [sys.executable, "-m", "gitagent", *args],
            cwd=self.repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **extra},
            start_new_session=True,
        )
        out, err = proc.communicate(timeout=120)
        if kill_at:
            _outlived_by(proc.pid)
        return Result(proc.returncode, out, err)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start the real `gitagent` in the repository without waiting for it."""
        return subprocess.Popen(
            [sys.executable, "-m", "gitagent", *args],
            cwd=self.repo,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def kill(self, *args: str, at: str, dropping_abandoned: bool = False) -> None:
        """Run a command that must die at point `at` (proving the point is reached), after noting the state.

        `dropping_abandoned`: the command (prune) drops abandoned tips by design; only conversations must keep
        every turn."""
        self.user_before = self.user_state()
        self.turns_before = self.turns(abandoned=not dropping_abandoned)
        result = self.run(*args, kill_at=at)
        assert result.code == -signal.SIGKILL, f"never reached kill point {at}: exit {result.code}\n{result.err}"

    def turns(self, abandoned: bool = True) -> set[str]:
        """Every committed turn reachable from a conversation (or an abandoned tip)."""
        globs = ["--glob=refs/gitagent/conversations"] + (["--glob=refs/gitagent/abandoned"] if abandoned else [])
        out = git(self.repo, "log", "--format=%H %(trailers:key=Gitagent-Turn,valueonly,separator=)", *globs)
        return {line.split()[0] for line in out.splitlines() if len(line.split()) == 2}

    def user_state(self) -> tuple[str, ...]:
        """The user's checkout and index as git reports them, and the bytes of the file they are editing."""
        return (
            git(self.repo, "status", "--porcelain=v1", "-uall"),
            git(self.repo, "ls-files", "--stage"),
            git(self.repo, "diff", "--cached"),
            git(self.repo, "diff"),
            (self.repo / "README.md").read_text(),
        )

    def check_intact(self) -> None:
        """After a kill: fsck clean, no committed turn lost, the user's checkout and index untouched."""
        fsck = subprocess.run(
            ["git", "fsck", "--strict", "--no-dangling"], cwd=self.repo, capture_output=True, text=True
        )
        assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
        lost = self.turns_before - self.turns()
        assert not lost, f"committed turns lost: {lost}"
        assert self.user_state() == self.user_before, "the user's checkout or index changed"

    def worktree(self, name: str) -> Path:
        """Where conversation `name`'s worktree lives."""
        return self.repo / ".git" / "gitagent" / "worktrees" / name

    def head(self, name: str) -> pygit2.Commit:
        """The head turn of conversation `name`."""
        repo = pygit2.Repository(str(self.repo))
        return repo.references[f"refs/gitagent/conversations/{name}"].peel(pygit2.Commit)

    def changed(self, name: str) -> list[str]:
        """The files the head turn of `name` changed (against the previous turn, or the base commit)."""
        head = f"refs/gitagent/conversations/{name}"
        parents = git(self.repo, "log", "-1", "--format=%P", head).split()
        if parents:
            before = f"{parents[0]}:workspace"
        else:
            before = json.loads(git(self.repo, "show", f"{head}:conversation.json"))["base"]
        return git(self.repo, "diff", "--name-only", before, f"{head}:workspace").split()

    def assert_worktree_at_head(self, name: str) -> None:
        """The worktree's files equal its head turn's `workspace/`, and its index records exactly that."""
        path = self.worktree(name)
        assert git(path, "diff", "--name-status") == ""  # its files equal its index…
        assert git(path, "ls-files", "--others", "--exclude-standard") == ""
        recorded = git(self.repo, "rev-parse", f"refs/gitagent/conversations/{name}:workspace").strip()
        assert git(path, "write-tree").strip() == recorded

    def next_turn(self, name: str, content: str = "next\n") -> None:
        """What a user does next: a new turn (as a real process), finishing an interrupted turn first if told to
        (in-process, to keep the suite fast). The new turn must record exactly its own change, and leave the
        worktree at its head."""
        result = self.run("run", "-c", name, "--model", self.script(write("next.txt", content)), "next")
        if result.code != 0:
            assert_named_fix(result)
            assert f"gitagent run --resume -c {name}" in result.err, result.err
            self.resume(name)
            self.assert_writes_recorded(name)
            self.turn(name, write("next.txt", content), "next")
        assert self.changed(name) == ["next.txt"]
        self.assert_worktree_at_head(name)
        self.check_intact()

    def assert_writes_recorded(self, name: str) -> None:
        """Every file the head turn of `name` wrote with the Write tool is in its snapshot, as written: a turn
        resumed after a kill keeps the work it had done."""
        turn = json.loads(git(self.repo, "show", f"refs/gitagent/conversations/{name}:turn.json"))
        done = {e["tool_use_id"] for e in turn["events"] if e["type"] == "tool_result" and not e["is_error"]}
        for event in turn["events"]:
            for block in event.get("content", []) if event["type"] == "assistant" else []:
                if block.get("type") == "tool_use" and block["name"] == "Write" and block["id"] in done:
                    path, content = block["input"]["file_path"], block["input"]["content"]
                    assert git(self.repo, "show", f"refs/gitagent/conversations/{name}:workspace/{path}") == content

    def resume(self, name: str) -> None:
        """`gitagent run --resume -c NAME`, in-process."""
        repo = pygit2.Repository(str(self.repo))
        resume_turn(repo, name, self._settings([[text("resumed")]]))

    def _settings(self, responses: list[list[dict[str, Any]]]) -> TurnSettings:
        model = load_model(self.script(responses))
        return TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox(), repo_map_tokens=0)


def assert_named_fix(result: Result) -> None:
    """A failed command printed one clean error with a hint, not a traceback."""
    assert "Traceback" not in result.err, result.err
    lines = result.err.strip().splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("gitagent: error: ")]
    assert errors, result.err
    assert len(lines) > errors[-1] + 1, f"no fix named: {result.err}"


@pytest.fixture
def crash(repo: Path, tmp_path: Path) -> Crash:
    """The test repository with more files, and a user mid-work: an edited file, a staged one, an untracked one."""
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('app')\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("# guide\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "more files")
    (repo / "README.md").write_text("# demo\nthe user's own edit\n")
    (repo / "staged.txt").write_text("staged by the user\n")
    git(repo, "add", "staged.txt")
    (repo / "notes.txt").write_text("untracked\n")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    found = Crash(repo, scripts)
    found.user_before = found.user_state()
    return found


@dataclass
class Hold:
    """A user-level SessionStart hook that holds the first turn to start until the test lets it go."""

    dir: Path

    def wait_started(self, timeout: float = 30) -> None:
        """Wait until a turn is held in its SessionStart hook."""
        wait_for(self.dir / "started", timeout)

    def release(self) -> None:
        """Let the held turn go on."""
        (self.dir / "go").touch()


def wait_for(path: Path, timeout: float = 30) -> None:
    """Wait until `path` exists."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture
def hold(tmp_path: Path) -> Hold:
    """A slow SessionStart hook (the user's own, in GITAGENT_HOME): the first turn waits in it for `release`."""
    held = Hold(tmp_path / "hold")
    held.dir.mkdir()
    hook = Path(os.environ["GITAGENT_HOME"]) / "hooks" / "SessionStart" / "hold"
    hook.parent.mkdir(parents=True)
    hook.write_text(
        "#!/bin/sh\n"
        f"if mkdir '{held.dir}/once' 2>/dev/null; then\n"
        f"  touch '{held.dir}/started'\n"
        f"  while [ ! -e '{held.dir}/go' ]; do sleep 0.02; done\n"
        "fi\n"
    )
    hook.chmod(0o755)
    return held
