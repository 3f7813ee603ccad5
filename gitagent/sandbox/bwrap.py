"""The bubblewrap sandbox: every agent command confined to its worktree (DESIGN §3).

Layout inside the sandbox, in mount order (later mounts cover earlier ones):

1. the host root, read-only; a fresh /dev and /proc (a new PID namespace: host processes are invisible);
2. a private, empty, writable /tmp (host /tmp and the sockets in it are gone; HOME lives here) and an empty
   /run (hides the D-Bus, keyring, gpg-agent and docker sockets, which a read-only mount does not protect:
   connecting to a socket is not a write);
3. the user's home, and other secret places, replaced by empty read-only tmpfs, with well-known toolchain
   directories (~/.local/bin, ~/.pyenv, ~/.cargo/bin…) bound back read-only so PATH keeps working;
4. the user's checkout and the repository's git dir, read-only (visible even when they live under home or /tmp);
5. the worktree, writable: bound last, so it stays writable although it lies inside the read-only git dir
   (read-only instead for a review, which must not change the code it reads); and, for a program that keeps
   state between runs (an executor's session), a host directory bound writable as its HOME.

All namespaces are new (network too, unless allowed), a new user namespace with every capability dropped and
no further user namespaces: as host root, bwrap otherwise keeps capabilities in the sandbox, enough to remount
a read-only bind mount writable. The environment comes from `sandbox_env`; limits from `limits`.
"""

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from gitagent.sandbox.base import CommandResult
from gitagent.sandbox.check import bwrap_features, bwrap_path, check_bwrap
from gitagent.sandbox.env import SANDBOX_HOME, sandbox_env
from gitagent.sandbox.limits import Limits, bound_pids, cgroup_needed, wrap_command
from gitagent.sandbox.process import run_process

HOME_TOOL_DIRS = (
    ".local/bin",
    ".cargo/bin",
    ".rustup",
    ".pyenv",
    ".nvm",
    ".volta",
    ".bun/bin",
    ".deno/bin",
    "go/bin",
    ".sdkman/candidates",
)
"""Home subdirectories holding toolchains but no credentials (unlike ~/.cargo itself), visible read-only."""

_RUN_KEEP = ("/run/current-system", "/run/booted-system")  # NixOS puts the system PATH here.
TMP_SIZE = 4 << 30


def bwrap_argv(
    command: str,
    *,
    cwd: Path,
    worktree: Path,
    git_dir: Path,
    hidden: list[Path],
    readonly: list[Path],
    env: dict[str, str],
    limits: Limits,
    allow_network: bool = False,
    read_only: bool = False,
    bwrap: str = "bwrap",
    features: frozenset[str] = frozenset({"--disable-userns"}),
    clear_env: bool = True,
    home_dir: Path | None = None,
) -> list[str]:
    """The full bwrap command line running `command` (pure: it reads no file system state).

    `hidden` are replaced by empty read-only directories; `readonly` are bound back read-only after that
    (toolchains under home, the user's checkout, extra paths); then `git_dir` read-only, `worktree` writable
    (read-only too with `read_only`); `home_dir`, a host directory, writable as `SANDBOX_HOME`. Without
    `clear_env` the command inherits bwrap's own environment (which the caller builds) and `env` is added to it.
    """
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if "--size" in features:
        argv += ["--size", str(TMP_SIZE)]
    argv += ["--tmpfs", "/tmp", "--dir", SANDBOX_HOME, "--tmpfs", "/run"]
    for keep in _RUN_KEEP:
        argv += ["--ro-bind-try", keep, keep]
    if allow_network:
        argv += ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
    for path in hidden:
        argv += ["--tmpfs", str(path)]
    for path in readonly:
        argv += ["--ro-bind-try", str(path), str(path)]
    argv += ["--ro-bind", str(git_dir), str(git_dir)]
    argv += ["--ro-bind" if read_only else "--bind", str(worktree), str(worktree)]
    if home_dir is not None:
        argv += ["--bind", str(home_dir), SANDBOX_HOME]
    for path in hidden:
        argv += ["--remount-ro", str(path)]
    argv += ["--unshare-all", "--unshare-user", "--cap-drop", "ALL"]
    if "--disable-userns" in features:
        argv.append("--disable-userns")
    if allow_network:
        argv.append("--share-net")
    argv += ["--die-with-parent", "--new-session"] + (["--clearenv"] if clear_env else [])
    for name, value in env.items():
        argv += ["--setenv", name, value]
    argv += ["--chdir", str(cwd), "--"]
    return argv + wrap_command(command, limits)


class BwrapSandbox:
    """Runs commands under bubblewrap, confined to `worktree` (see the module docstring for the layout).

    `home` is the directory to hide (default: `Path.home()` at construction); `read_only` mounts the worktree
    read-only too (review mode: commands may read and run, never change the code); `home_dir` is a host
    directory that becomes the sandbox's HOME, writable and kept after each command (instead of a fresh one in
    the private /tmp). Raises GitagentError with the fix when bwrap is missing or cannot create namespaces; it
    never falls back to running unconfined.
    """

    name = "bwrap"

    def __init__(
        self,
        worktree: Path,
        git_dir: Path,
        *,
        allow_network: bool = False,
        extra_ro: list[Path] | None = None,
        home: Path | None = None,
        limits: Limits | None = None,
        read_only: bool = False,
        home_dir: Path | None = None,
    ) -> None:
        check_bwrap()
        self.worktree = worktree.resolve()
        self.git_dir = git_dir.resolve()
        self.allow_network = allow_network
        self.read_only = read_only
        self.home_dir = home_dir
        # recorded in each turn's trailers
        self.name = "bwrap" + ("+network" if allow_network else "") + ("+read-only" if read_only else "")
        self.limits = limits or Limits()
        self.home = (home or Path.home()).resolve()
        self.hidden = hidden_paths(self.home, os.environ)
        self.readonly = self._readonly([p.resolve() for p in extra_ro or []])
        self._bwrap = bwrap_path()
        self._features = bwrap_features()

    def _readonly(self, extra: list[Path]) -> list[Path]:
        tools = [self.home / sub for sub in HOME_TOOL_DIRS if (self.home / sub).is_dir()]
        checkout = self.git_dir.parent if self.git_dir.name == ".git" else None
        # A checkout that contains home (a dotfiles repo in ~) would uncover the secrets again.
        if checkout is not None and not self.home.is_relative_to(checkout):
            tools.append(checkout)
        return tools + extra

    def argv(self, command: str, cwd: Path) -> list[str]:
        """The bwrap command line for `command` run in `cwd` (which should be inside the worktree)."""
        return bwrap_argv(
            command, cwd=cwd, worktree=self.worktree, git_dir=self.git_dir, hidden=self.hidden,
            readonly=self.readonly, env=sandbox_env(dict(os.environ)), limits=self.limits,
            allow_network=self.allow_network, read_only=self.read_only, bwrap=self._bwrap, features=self._features,
            home_dir=self.home_dir,
        )  # fmt: skip

    def program_argv(self, program: list[str], cwd: Path) -> list[str]:
        """The bwrap command line for a long-running program (an MCP server) run in `cwd`. It inherits bwrap's
        environment, so the caller passes it through the process's environment and never on a command line."""
        return bwrap_argv(
            shlex.join(program), cwd=cwd, worktree=self.worktree, git_dir=self.git_dir, hidden=self.hidden,
            readonly=self.readonly, env={}, limits=self.limits, allow_network=self.allow_network,
            read_only=self.read_only, bwrap=self._bwrap, features=self._features, clear_env=False,
            home_dir=self.home_dir,
        )  # fmt: skip

    def run(self, command: str, *, cwd: Path, timeout: float) -> CommandResult:
        """Run `command` with bash in `cwd`, confined; the whole sandbox is killed after `timeout` seconds."""
        if cgroup_needed():
            bound_pids(self.limits.processes)
        argv = self.argv(command, cwd.resolve())
        return run_process(argv, cwd=self.worktree, env=sandbox_env(dict(os.environ)), timeout=timeout)


def hidden_paths(home: Path, host_env: Mapping[str, str]) -> list[Path]:
    """Directories replaced by empty ones: home, and XDG config/data dirs that live outside it."""
    hidden = [home] if home != Path("/") else []
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        value = host_env.get(name)
        if value and Path(value).is_absolute() and Path(value).is_dir():
            path = Path(value).resolve()
            if not path.is_relative_to(home) and path != Path("/"):
                hidden.append(path)
    return hidden
