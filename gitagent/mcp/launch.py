"""Where and how a stdio MCP server process starts.

By default in a bubblewrap sandbox of its own, laid out like the agent's commands' (gitagent.sandbox.bwrap):
the host read-only, the user's home and secrets hidden, `.git` read-only, a private /tmp, no network, and
its working directory (the conversation's worktree) writable, or read-only with `"worktree": "read-only"`.
An entry opens more only by saying so: `"network": true`, `"readable": [paths]`, or `"sandbox": "none"` to
run on the host. Its environment is rebuilt from the sandbox's allow-list plus the entry's own `env`, passed
through bwrap's environment rather than its command line (where any process could read it); so the model's
API key and the user's tokens never reach it unless the entry names them.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gitagent.mcp.config import Resolved, ServerConfig
from gitagent.sandbox import unconfined
from gitagent.sandbox.env import sandbox_env
from gitagent.sandbox.limits import Limits
from gitagent.sandbox.process import Lifeline

UNCONFINED_ENV = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
"""What an unconfined server inherits besides its entry's `env` (the MCP SDK's own choice): no API keys."""
SERVER_LIMITS = Limits(cpu_seconds=7 * 24 * 3600)
"""A server lives as long as the session: the per-command CPU cap would stop a busy one mid-chat."""


@dataclass(frozen=True)
class Place:
    """Where stdio servers run: their working directory (a conversation's worktree, or the user's checkout
    mounted read-only), the repository's git dir, the user's sandbox choice (`none` unconfines them all) and the
    paths it hides besides gitagent's own directory (`gitagent.sandboxHide`)."""

    root: Path
    git_dir: Path
    read_only: bool = False
    sandbox: str = "bwrap"
    secrets: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Launch:
    """The process to start: program, arguments, environment and directory; and, when confined, the lifeline its
    sandbox reads (whoever starts the process owns it and closes it when the process is done)."""

    command: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    confined: bool
    lifeline: Lifeline | None = None


def stdio_launch(config: ServerConfig, resolved: Resolved, place: Place) -> Launch:
    """How to start `config`'s server at `place`: under bwrap unless the entry or the user opted out."""
    if config.sandbox == "none" or place.sandbox == "none":
        inherited = {name: os.environ[name] for name in UNCONFINED_ENV if name in os.environ}
        env = {**inherited, **resolved.env}
        argv, lifeline = unconfined.program_argv([resolved.command, *resolved.args], env)
        return Launch(argv[0], argv[1:], env, place.root, confined=False, lifeline=lifeline)
    from gitagent.sandbox.bwrap import BwrapSandbox

    readable = [Path(os.path.expanduser(p)) for p in config.readable] + _virtualenvs(resolved.command)
    sandbox = BwrapSandbox(
        place.root, place.git_dir, allow_network=config.network, extra_ro=readable, limits=SERVER_LIMITS,
        read_only=place.read_only or config.worktree == "read-only", secrets=list(place.secrets),
    )  # fmt: skip
    argv, lifeline = sandbox.program_argv([resolved.command, *resolved.args], place.root.resolve())
    env = {**sandbox_env(dict(os.environ)), **resolved.env}
    return Launch(argv[0], argv[1:], env, place.root, confined=True, lifeline=lifeline)


def _virtualenvs(command: str) -> list[Path]:
    """The virtualenv a command runs from (a pipx or uv tool under the hidden home, a project's `.venv` under
    the hidden /tmp), so it can start: `~/.local/bin/x` -> `~/.local/share/pipx/venvs/x`. Only a directory with
    `pyvenv.cfg` is bound: a plain `~/.local` would uncover what home hides."""
    found = shutil.which(command)
    if found is None:
        return []
    envs = []
    for path in dict.fromkeys([Path(os.path.abspath(found)), Path(found).resolve()]):
        prefix = path.parent.parent
        if path.parent.name == "bin" and (prefix / "pyvenv.cfg").is_file():
            envs.append(prefix)
    return envs
