"""An outside agent (Claude Code, Codex CLI) running a turn on gitagent's substrate.

Before the run, the executor's own session as the head turn left it (`sessions`) is written into a private
home, and the turns it did not see are told in its prompt (`handover`). It runs in the conversation's
worktree inside the turn's sandbox: bubblewrap with the worktree writable, `.git` read-only, the private home
as HOME, the network shared (it must reach its model API) and an environment holding only the standard
allow-list, its key and its server. Its stream fills the turn's record as it comes (`Recorder`). After it,
Stop hooks may send it back to work; then its session is read back into the turn's `executor/` tree, and its
key is removed from any file it wrote (the record and the session were cleaned as they were read).
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pygit2

from gitagent.agent.events import Notice
from gitagent.agent.executors.handover import opening_prompt
from gitagent.agent.executors.process import ExecutorProcess
from gitagent.agent.executors.recorder import REDACTED, Recorder
from gitagent.agent.executors.sessions import SessionState, discard_home, private_home, read_state, write_state
from gitagent.errors import GitagentError
from gitagent.sandbox import unconfined
from gitagent.sandbox.bwrap import BwrapSandbox
from gitagent.sandbox.env import sandbox_env
from gitagent.sandbox.limits import Limits

if TYPE_CHECKING:
    from gitagent.agent.turn import Turn

EXECUTOR_LIMITS = Limits(cpu_seconds=7 * 24 * 3600)
"""An executor lives as long as its turn: the per-command CPU cap would stop it in a long one."""
SCRUB_LIMIT = 5 * 1024 * 1024
"""Files larger than this are not searched for the key (the snapshot leaves large untracked files out)."""


class ExecutorFailed(GitagentError):
    """The executor stopped without finishing its run (it failed, crashed or reported an error)."""


class Stream(Protocol):
    """Reads one run's output into the turn's record."""

    session_id: str | None
    version: str
    finished: bool
    failure: str | None

    def feed(self, event: dict[str, Any]) -> None:
        """Take one JSON line of the executor's output."""
        ...


class Kind(Protocol):
    """What differs between outside executors (`claude_code.ClaudeCode`, `codex.Codex`)."""

    name: str
    provider: str
    key_variables: tuple[str, ...]
    """The variables its key may come in, the usual one first."""
    passed_on: tuple[str, ...]
    """Its own settings (no secrets) that reach it from gitagent's environment when set there."""

    def argv(self, program: Path, session_id: str | None, model: str | None, args: list[str]) -> list[str]:
        """Its command line (the prompt goes to standard input)."""
        ...

    def fixed_env(self, base_url: str | None) -> dict[str, str]:
        """Variables it always gets besides its key (its server, when it takes it from one)."""
        ...

    def find_session(self, home: Path, session_id: str) -> Path | None:
        """Its session file in `home` after a run."""
        ...

    def stream(self, recorder: Recorder, home: Path) -> Stream:
        """A reader for one run's output."""
        ...


@dataclass
class ExternalExecutor:
    """Runs turns with an outside agent's program."""

    kind: Kind
    program: Path
    model: str | None
    env: dict[str, str]
    """Its key variable and server: all it gets beyond the sandbox's standard environment."""
    secrets: list[str]
    """Values never to record (its key): replaced in the record, its session and the files it wrote."""
    args: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """`claude-code` or `codex`."""
        return self.kind.name

    @property
    def spec(self) -> str:
        """The model as far as known before the run (the executor names it when it starts)."""
        return f"{self.kind.provider}:{self.model}" if self.model else self.kind.name

    def run(self, turn: "Turn", resumed: bool) -> None:
        """Run the executor until it answers (again while Stop hooks send it back), then keep its session."""
        turn.files_ready()  # the program works in the worktree from its first moment
        previous = read_state(turn.repo, turn.executor_tree, self.name)
        prompt = opening_prompt(turn.head, previous.turn if previous else None, turn.record.events, resumed)
        stored = previous.content(turn.repo) if previous else b""  # read once: restored now, compared after
        home = private_home(turn.repo, turn.state.name)
        try:
            session_id, version = self._restore(turn, previous, stored, home), previous.version if previous else ""
            while True:
                session_id, version = self._run_once(turn, home, prompt, session_id, version)
                instruction = turn.settings.guard.before_stop(turn.record)
                if instruction is None:
                    break
                turn.record.add_stop_feedback(instruction)
                turn.save()
                prompt = instruction
            turn.record.data["executor"] = {"name": self.name, "version": version, "session_id": session_id}
            turn.executor_tree = self._keep(turn, previous, stored, home, session_id, version)
            self._scrub_worktree(turn)
        finally:
            discard_home(turn.repo, home)

    def _run_once(self, turn: "Turn", home: Path, prompt: str, session_id: str | None, version: str) -> tuple[str, str]:
        recorder = Recorder(self.name, turn.record, turn.settings.emit, turn.save, self.secrets)
        stream = self.kind.stream(recorder, home)
        process = self._start(turn, home, prompt, session_id)
        if turn.next_snapshot is None:  # only now: the reading would hold up the program's start
            turn.prepare_snapshot()
        try:
            for event in process.events():
                stream.feed(event)
            code = process.wait()
            recorder.exited()
            if stream.failure is not None or not stream.finished or not stream.session_id:
                why = stream.failure or f"it exited with status {code} before it finished"
                detail = process.stderr_tail()
                raise ExecutorFailed(
                    f"{self.name} stopped: {why}" + (f"\n{detail}" if detail and not stream.failure else "")
                )
        finally:
            process.stop()
        return stream.session_id, stream.version or version

    def _start(self, turn: "Turn", home: Path, prompt: str, session_id: str | None) -> ExecutorProcess:
        argv = self.kind.argv(self.program, session_id, self.model, self.args)
        env = {**sandbox_env(dict(os.environ)), **self.env}
        cwd = turn.worktree.path.resolve()
        if not isinstance(turn.sandbox, BwrapSandbox):  # --sandbox none: a private home, a scrubbed environment
            env |= {"HOME": str(home), "GITAGENT_SANDBOX": "none"}
            argv, lifeline = unconfined.program_argv(argv, env)
        else:
            argv, lifeline = turn.sandbox.program_argv(argv, cwd)
        return ExecutorProcess(argv, cwd=cwd, env=env, prompt=prompt, lifeline=lifeline)

    def _restore(self, turn: "Turn", previous: SessionState | None, content: bytes, home: Path) -> str | None:
        if previous is None:
            return None
        path = home / previous.path
        path.parent.mkdir(parents=True, exist_ok=True)
        here = str(turn.worktree.path.resolve())
        if previous.worktree and previous.worktree != here:  # a fork: its session works in the fork's worktree
            content = content.replace(previous.worktree.encode(), here.encode())
        path.write_bytes(content)
        return previous.session_id

    def _keep(
        self, turn: "Turn", previous: SessionState | None, stored: bytes, home: Path, session_id: str, version: str
    ) -> pygit2.Oid | None:
        path = self.kind.find_session(home, session_id)
        if path is None:
            turn.settings.emit(Notice(f"{self.name} left no session file: its next turn starts a new session"))
            return turn.executor_tree
        data = path.read_bytes()
        for secret in self.secrets:
            data = data.replace(secret.encode(), REDACTED.encode())
        update = {
            "executor": self.name, "version": version, "session_id": session_id,
            "path": path.relative_to(home).as_posix(), "turn": turn.record.data["turn"],
            "worktree": str(turn.worktree.path.resolve()),
        }  # fmt: skip
        return write_state(turn.repo, turn.executor_tree, previous, update, data, stored)

    def _scrub_worktree(self, turn: "Turn") -> None:
        """Remove the executor's key from the files it changed, before the snapshot records them."""
        root = turn.worktree.path
        for path in pygit2.Repository(str(root)).status():
            file = root / path
            if not file.is_file() or file.is_symlink() or file.stat().st_size > SCRUB_LIMIT:
                continue
            data = file.read_bytes()
            cleaned = data
            for secret in self.secrets:
                cleaned = cleaned.replace(secret.encode(), REDACTED.encode())
            if cleaned != data:
                file.write_bytes(cleaned)
                turn.settings.emit(Notice(f"removed {self.name}'s API key from {path} (it must never reach git)"))
