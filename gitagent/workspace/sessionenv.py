"""A conversation's session environment: the shell lines its SessionStart hooks leave for its commands.

As in Claude Code, a SessionStart hook (and a Setup, CwdChanged or FileChanged one) gets `CLAUDE_ENV_FILE`,
a file of its own (`<event>-hook-<n>.sh`, `n` its place among the event's hooks that matched) to append lines to
(`export PATH=...`); every Bash command of the session then runs those lines first, all files in order
(Setup, SessionStart, CwdChanged, FileChanged; then by `n`), in the same shell. Claude Code keeps them under
`~/.claude/session-env/<session id>/`; gitagent under `$GIT_DIR/gitagent/session-env/<conversation>/`, which
the sandbox mounts read-only: only hooks (on the host) write them, the agent cannot. gitagent reads them on
the host and puts their text in front of the command line, so the sandbox need not see the files. (With
`--sandbox none` the agent could write them, as it could write anything of yours: unconfined is unconfined.)

Lifetime, as Claude Code's session id: kept across the conversation's turns (each `run -c` is a resume whose
SessionStart hooks append again); emptied when a new conversation starts under the name (SessionStart
`startup`/`clear`); a fork starts with none (its name is new). The text is read once and again only after
hooks that get the file ran (so a change by anything else shows at the next session), as Claude Code does.
"""

import re
import shlex
import shutil
from pathlib import Path

import pygit2

from gitagent.store.repo import state_dir

ENV_FILE_EVENTS = ("Setup", "SessionStart", "CwdChanged", "FileChanged")
"""The hook events whose hooks get `CLAUDE_ENV_FILE` (Claude Code 2.1.328), in the order their files run."""

_FILE = re.compile(r"^(setup|sessionstart|cwdchanged|filechanged)-hook-(\d+)\.sh$")
_ORDER = {event.lower(): n for n, event in enumerate(ENV_FILE_EVENTS)}
INLINE_LIMIT = 64 * 1024
"""Bytes of text put on the command line at most: one argument may not pass 128 KiB (Linux's MAX_ARG_STRLEN)."""


def session_env_dir(repo: pygit2.Repository, name: str) -> Path:
    """Where conversation `name`'s session environment files live (never in a worktree or the checkout)."""
    return state_dir(repo) / "session-env" / name


def read_script(directory: Path) -> str:
    """The shell text a command runs first: the files' text, each trimmed, in run order ("" when there is
    none); when that is too long to go on a command line, lines that source the files (readable in the sandbox,
    which mounts `.git` read-only), where a syntax error no longer stops the command."""
    parts = []
    files = _files(directory)
    for path in files:
        try:
            text = path.read_text(errors="replace").strip()
        except (FileNotFoundError, IsADirectoryError):
            continue
        if text:
            parts.append(text)
    script = "\n".join(parts)
    if len(script.encode()) > INLINE_LIMIT:
        return "\n".join(f". {shlex.quote(str(path))}" for path in files)
    return script


def _files(directory: Path) -> list[Path]:
    try:
        found = [(m, entry) for entry in directory.iterdir() if (m := _FILE.match(entry.name))]
    except (FileNotFoundError, NotADirectoryError):
        return []
    found.sort(key=lambda pair: (_ORDER[pair[0][1]], int(pair[0][2])))
    return [path for _, path in found]


def with_session_env(script: str, command: str) -> str:
    """`command` run after the session environment `script`, in one shell (Claude Code's form: a line that
    fails does not stop the command; a syntax error in the script does, as there)."""
    if not script:
        return command
    return f"{script}\n: && eval {shlex.quote(command)}"


class SessionEnv:
    """The session environment of one conversation: its files for hooks, and its text for commands."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._script: str | None = None

    def file_for(self, event: str, index: int) -> Path:
        """The `CLAUDE_ENV_FILE` of the `index`-th hook that runs for `event` (its directory made, 0700: hooks
        may export secrets for the agent's commands)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.directory / f"{event.lower()}-hook-{index}.sh"

    def script(self) -> str:
        """The text every command runs first (read once, again after `changed`)."""
        if self._script is None:
            self._script = read_script(self.directory)
        return self._script

    def changed(self) -> None:
        """Hooks that get the file ran: read it again before the next command."""
        self._script = None

    def reset(self) -> None:
        """A new session under this name: forget what an earlier conversation of the same name left."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self._script = None
