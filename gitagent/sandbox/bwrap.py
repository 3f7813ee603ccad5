"""The bubblewrap sandbox: every agent command confined to its worktree (DESIGN §3).

Layout inside the sandbox, in mount order (later mounts cover earlier ones):

1. the host root, read-only; a fresh /dev and /proc (a new PID namespace: host processes are invisible);
2. a private, empty, writable /tmp (host /tmp and the sockets in it are gone; HOME lives here) and an empty
   /run (hides the D-Bus, keyring, gpg-agent and docker sockets, which a read-only mount does not protect:
   connecting to a socket is not a write);
3. the user's home, and other secret places, replaced by empty read-only tmpfs, with well-known toolchain
   directories (~/.local/bin, ~/.pyenv, ~/.cargo/bin…) bound back read-only so PATH keeps working;
4. the user's checkout and the repository's git dir, read-only (visible even when they live under home or /tmp);
5. the worktree, writable: bound after the git dir, so it stays writable although it lies inside it
   (read-only instead for a review, which must not change the code it reads); and, for a program that keeps
   state between runs (an executor's session), a host directory bound writable as its HOME;
6. secrets, wherever they live: gitagent's own directory (`$GITAGENT_HOME`, stored keys) and the paths the
   user configured (`gitagent.sandboxHide`): directories replaced by empty read-only ones, files by an empty
   one. Mounted last, so that no bind above (a checkout holding a secret) uncovers one; what they cover that
   must stay readable (a user skill's folder in gitagent's directory) is bound back after them.

All namespaces are new (network too, unless allowed), a new user namespace with every capability dropped and
no further user namespaces: as host root, bwrap otherwise keeps capabilities in the sandbox, enough to remount
a read-only bind mount writable. The environment comes from `sandbox_env`; limits from `limits`.

Nothing in the sandbox outlives gitagent. `--die-with-parent` alone leaves a window: bwrap arms it only after
it has cloned the sandbox, and the sandbox's init arms its own a moment after the command was forked, so a
gitagent killed while the sandbox starts would leave the command running unsupervised. Each command therefore
gets a lifeline, and so does each long-running program (an MCP server, an executor): the read end of a pipe whose
write end only gitagent holds, which reads as end-of-file exactly when gitagent is gone (whoever killed it, and
whichever of its threads started the command: the parent-death signal behind `--die-with-parent` follows the
thread that forked). The command waits for gitagent's go-ahead on that pipe, sent once
the sandbox exists, and does not start if end-of-file comes first; a watcher in the sandbox's PID namespace
then kills every process there the moment gitagent is gone.
"""

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from gitagent.errors import GitagentError
from gitagent.sandbox.base import CommandResult
from gitagent.sandbox.check import bwrap_features, bwrap_path, check_bwrap
from gitagent.sandbox.env import SANDBOX_HOME, sandbox_env
from gitagent.sandbox.limits import Limits, bound_pids, cgroup_needed, wrap_command
from gitagent.sandbox.process import Lifeline, run_process
from gitagent.userdir import user_config_dir

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
    lifeline: int | None = None,
    secret_dirs: list[Path] | None = None,
    secret_files: list[Path] | None = None,
) -> list[str]:
    """The full bwrap command line running `command` (pure: it reads no file system state).

    `hidden` are replaced by empty read-only directories; `readonly` are bound back read-only after that
    (toolchains under home, the user's checkout, extra paths); then `git_dir` read-only, `worktree` writable
    (read-only too with `read_only`); `home_dir`, a host directory, writable as `SANDBOX_HOME`; then
    `secret_dirs` and `secret_files` are covered (see the module docstring). Without `clear_env` the command
    inherits bwrap's own environment (which the caller builds) and `env` is added to it. `lifeline` is the file
    descriptor of the pipe that ends the sandbox when gitagent goes.
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
    argv += _secret_mounts(secret_dirs or [], secret_files or [], readonly)
    for path in [*hidden, *(secret_dirs or [])]:
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
    return argv + wrap_command(command, limits, "" if lifeline is None else lifeline_prologue(lifeline))


def _secret_mounts(dirs: list[Path], files: list[Path], readonly: list[Path]) -> list[str]:
    argv: list[str] = []
    for path in dirs:
        argv += ["--tmpfs", str(path)]
    uncovered = [path for path in readonly if any(path.is_relative_to(d) for d in dirs)]
    for path in uncovered:
        argv += ["--ro-bind-try", str(path), str(path)]
    for path in dirs:  # a secret inside a folder just bound back
        if any(path.is_relative_to(u) and path != u for u in uncovered):
            argv += ["--tmpfs", str(path)]
    for path in files:
        argv += ["--ro-bind", "/dev/null", str(path)]
    return argv


def lifeline_prologue(fd: int) -> str:
    """Shell lines run in the sandbox before the command, tying its life to the write end of pipe `fd`."""
    return (
        f"read -r -u {fd} _ || exit 137\n"  # gitagent's go-ahead, or end-of-file: it died while the sandbox started
        f"{{ read -r -u {fd} _; kill -KILL -1; }} </dev/null >/dev/null 2>&1 &\n"  # -1: all but init, in this PID ns
        f"exec {fd}<&-"
    )


class BwrapSandbox:
    """Runs commands under bubblewrap, confined to `worktree` (see the module docstring for the layout).

    `home` is the directory to hide (default: `Path.home()` at construction); `secrets` are more paths to hide
    besides gitagent's own directory (`gitagent.sandboxHide`); `read_only` mounts the worktree read-only too
    (review mode: commands may read and run, never change the code); `home_dir` is a host directory that
    becomes the sandbox's HOME, writable and kept after each command (instead of a fresh one in the private
    /tmp). Raises GitagentError with the fix when bwrap is missing or cannot create namespaces, or a secret path
    holds the repository; it never falls back to running unconfined.
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
        secrets: list[Path] | None = None,
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
        self.secrets = self._secrets([user_config_dir(), *(secrets or [])])
        self._bwrap = bwrap_path()
        self._features = bwrap_features()

    def _readonly(self, extra: list[Path]) -> list[Path]:
        tools = [self.home / sub for sub in HOME_TOOL_DIRS if (self.home / sub).is_dir()]
        checkout = self.git_dir.parent if self.git_dir.name == ".git" else None
        # A checkout that contains home (a dotfiles repo in ~) would uncover the secrets again.
        if checkout is not None and not self.home.is_relative_to(checkout):
            tools.append(checkout)
        return tools + extra

    def _secrets(self, paths: list[Path]) -> list[Path]:
        """The secret paths that need a mount of their own: not those already inside hidden home."""
        found = []
        for path in (Path(os.path.realpath(p.expanduser())) for p in paths):
            if self.git_dir.is_relative_to(path) or self.worktree.is_relative_to(path):
                raise GitagentError(
                    f"cannot hide {path} from the sandbox: the repository is inside it",
                    f"take it out of `git config gitagent.sandboxHide` (or move GITAGENT_HOME) so {path} "
                    "does not contain the repository",
                )
            covered = any(path.is_relative_to(h) for h in self.hidden)
            if not covered or any(path.is_relative_to(r) for r in self.readonly):
                found.append(path)
        return found

    def argv(self, command: str, cwd: Path, lifeline: int | None = None) -> list[str]:
        """The bwrap command line for `command` run in `cwd` (which should be inside the worktree)."""
        return bwrap_argv(
            command, cwd=cwd, worktree=self.worktree, git_dir=self.git_dir, hidden=self.hidden,
            readonly=self.readonly, env=sandbox_env(dict(os.environ)), limits=self.limits,
            allow_network=self.allow_network, read_only=self.read_only, bwrap=self._bwrap, features=self._features,
            home_dir=self.home_dir, lifeline=lifeline, **self._secret_mounts(),
        )  # fmt: skip

    def program_argv(self, program: list[str], cwd: Path) -> tuple[list[str], Lifeline]:
        """The bwrap command line for a long-running program (an MCP server, an executor) run in `cwd`, and the
        lifeline it reads: start it with `start_process`, close the lifeline once it is done. It inherits
        bwrap's environment, so the caller passes it through the process's environment, never on a command line."""
        lifeline = Lifeline()
        try:
            argv = bwrap_argv(
                shlex.join(program), cwd=cwd, worktree=self.worktree, git_dir=self.git_dir, hidden=self.hidden,
                readonly=self.readonly, env={}, limits=self.limits, allow_network=self.allow_network,
                read_only=self.read_only, bwrap=self._bwrap, features=self._features, clear_env=False,
                home_dir=self.home_dir, lifeline=lifeline.read_end, **self._secret_mounts(),
            )  # fmt: skip
        except BaseException:
            lifeline.close()
            raise
        return argv, lifeline

    def _secret_mounts(self) -> dict[str, list[Path]]:
        """The secrets as they are now (one may appear after start-up, `gitagent auth set` in another shell)."""
        return {
            "secret_dirs": [p for p in self.secrets if p.is_dir()],
            "secret_files": [p for p in self.secrets if p.exists() and not p.is_dir()],
        }

    def run(self, command: str, *, cwd: Path, timeout: float) -> CommandResult:
        """Run `command` with bash in `cwd`, confined; the whole sandbox is killed after `timeout` seconds, or
        as soon as this process is gone."""
        if cgroup_needed():
            bound_pids(self.limits.processes)
        lifeline = Lifeline()
        try:
            argv = self.argv(command, cwd.resolve(), lifeline=lifeline.read_end)
            env = sandbox_env(dict(os.environ))
            return run_process(argv, cwd=self.worktree, env=env, timeout=timeout, lifeline=lifeline)
        finally:
            lifeline.close()


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
