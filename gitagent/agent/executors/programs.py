"""Finding the outside executors' programs, and installing the pinned versions the tests run.

A program is found, in order, at `git config gitagent.claudeCodePath` / `gitagent.codexPath`, as `claude` /
`codex` on PATH, or in the cache `./install.sh --dev` fills (`python -m gitagent.agent.executors.install`):
`${XDG_CACHE_HOME:-~/.cache}/gitagent/executors/<name>-<version>`, one npm prefix per pinned version.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.repo import config_value


@dataclass(frozen=True)
class Program:
    """An executor's command line program: its npm package, the version gitagent is tested with, its command."""

    executor: str
    package: str
    version: str
    command: str
    config_key: str

    @property
    def prefix(self) -> Path:
        """The npm prefix the pinned version is installed into."""
        return cache_dir() / f"{self.executor}-{self.version}"

    @property
    def pinned(self) -> Path:
        """The pinned version's command, once installed."""
        return self.prefix / "node_modules" / ".bin" / self.command


PROGRAMS = {
    "claude-code": Program("claude-code", "@anthropic-ai/claude-code", "2.1.328", "claude", "gitagent.claudeCodePath"),
    "codex": Program("codex", "@openai/codex", "0.169.0", "codex", "gitagent.codexPath"),
}


def cache_dir() -> Path:
    """Where pinned executor programs are installed."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitagent" / "executors"


def find_program(repo: pygit2.Repository, executor: str) -> Path:
    """The program that runs `executor`, resolved to its real file; raises with the fix when there is none."""
    program = PROGRAMS[executor]
    configured = config_value(repo, program.config_key)
    if configured:
        path = Path(os.path.expanduser(configured))
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise GitagentError(
                f"{program.config_key} is {configured}, which is not an executable file",
                f"point it at the `{program.command}` program, or unset it: git config --unset {program.config_key}",
            )
        return path.resolve()
    found = shutil.which(program.command)
    if found:
        return Path(found).resolve()
    if program.pinned.exists():
        return program.pinned.resolve()
    raise GitagentError(
        f"--executor {executor} needs the `{program.command}` program, which is not installed",
        f"install it (npm install -g {program.package}) or point `git config {program.config_key}` at it",
    )


def install_root(program: Path) -> Path:
    """The directory the sandbox must be able to read for `program` to start: its npm prefix's `node_modules`
    (a package's wrapper script finds its platform binary beside it), else the program's own directory."""
    for parent in program.parents:
        if parent.name == "node_modules":
            return parent
    return program.parent


def install_pinned(names: list[str]) -> list[Path]:
    """Install the pinned versions of the executors `names` into the cache with npm (already there: kept)."""
    if shutil.which("npm") is None:
        raise GitagentError("npm is not installed", "install Node.js and npm (Debian: apt-get install -y nodejs npm)")
    installed = []
    for name in names:
        program = PROGRAMS[name]
        if not program.pinned.exists():
            program.prefix.mkdir(parents=True, exist_ok=True)
            spec = f"{program.package}@{program.version}"
            npm = ["npm", "install", "--prefix", str(program.prefix), "--no-audit", "--no-fund", "--loglevel=error"]
            subprocess.run([*npm, spec], check=True)
        installed.append(program.pinned)
    return installed
