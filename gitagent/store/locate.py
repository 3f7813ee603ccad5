"""Which repository and work tree a command acts on, found the way git finds them (no pygit2 here: the read
commands use this too, and pygit2's import alone costs more than their whole work).

Without a path, that is the environment's: `GIT_DIR` when set (relative to the current directory), its work tree
from `GIT_WORK_TREE`, else `core.worktree`, else the current directory; otherwise discovery upwards from the
current directory (`GIT_WORK_TREE` still naming the work tree). `git rev-parse` itself decides, so every rule of
git's (`GIT_CEILING_DIRECTORIES`, `safe.directory`, a linked worktree's git directory, a `.git` file) holds as it
does for git. A path named by a program (`gitagent.open(path)`) is searched from there alone, as GitPython and
pygit2 do: the environment's `GIT_DIR` is not consulted then.

Once found, the repository is named explicitly (`git_options`) to every git gitagent runs on it, in an
environment without the variables that locate a repository (`without_location`), so no git process of gitagent's
re-reads them: a hook's `GIT_INDEX_FILE` or a dotfiles `GIT_DIR` never reaches the conversation's own worktrees.
"""

import os
import subprocess
from collections.abc import Mapping
from typing import NamedTuple

from gitagent.errors import GitagentError

LOCATION_ENV = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_SHALLOW_FILE",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
    }
)
"""The variables that tell git where a repository, its index or its objects are (`git rev-parse
--local-env-vars`, less the config ones, plus `GIT_NAMESPACE`): a git process gitagent starts never inherits them."""


class Location(NamedTuple):
    """A repository's git directory (a linked worktree's own, when the checkout is one) and its work tree
    (None where git sees none from here: run from inside the git directory). A NamedTuple, not a dataclass: the
    read commands would import `dataclasses` for it alone."""

    git_dir: str
    work_tree: str | None


def locate(path: str | os.PathLike[str] | None = None) -> Location:
    """The repository a command acts on: the environment's, as git finds it, or (given `path`) the one containing
    `path`. A bare repository, or none, is a GitagentError saying what to do."""
    env = dict(os.environ) if path is None else without_location(os.environ)
    cwd = os.getcwd() if path is None else os.fspath(path)
    argv = ["git", "rev-parse", "--absolute-git-dir", "--is-bare-repository", "--show-toplevel"]
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
    except (FileNotFoundError, NotADirectoryError):
        raise not_a_repository(cwd) from None
    lines = done.stdout.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 3:  # nothing found: rev-parse stops at the first line it cannot print
        raise _not_found(cwd, done.stderr.decode(errors="replace"), env.get("GIT_DIR"))
    git_dir, bare, top = lines[0], lines[1], lines[2] if len(lines) > 3 else ""
    if bare == "true":
        raise bare_repository(git_dir)
    return Location(git_dir, top or None)


def git_options(where: Location) -> list[str]:
    """`--git-dir` (and `--work-tree`) naming `where` to git, so no variable or search decides it again."""
    tree = [f"--work-tree={where.work_tree}"] if where.work_tree is not None else []
    return [f"--git-dir={where.git_dir}", *tree]


def without_location(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the variables that point git at a repository (see LOCATION_ENV)."""
    return {key: value for key, value in env.items() if key not in LOCATION_ENV}


def not_a_repository(path: str) -> GitagentError:
    """The error for a directory outside any git repository (the store's, too)."""
    return GitagentError(
        f"not a git repository (or any parent up to /): {path}",
        "run gitagent inside a git repository, or create one with `git init`",
    )


def bare_repository(git_dir: str) -> GitagentError:
    """The error for a repository without a work tree (the store's, too)."""
    return GitagentError(
        f"{git_dir} is a bare repository; gitagent needs a work tree",
        "name one as for `git --work-tree` (`GIT_DIR=<repo> GIT_WORK_TREE=<dir> gitagent …`), "
        "or clone it (`git clone <path>`) and run gitagent in the clone",
    )


def _not_found(cwd: str, stderr: str, git_dir: str | None) -> GitagentError:
    if "not a git repository" in stderr and git_dir is not None:
        return GitagentError(
            f"GIT_DIR={git_dir} is not a git repository", "point GIT_DIR at a repository's git directory, or unset it"
        )
    if "not a git repository" in stderr:
        return not_a_repository(os.path.realpath(cwd))
    reason = stderr.strip().splitlines()[-1] if stderr.strip() else "?"
    return GitagentError(f"git cannot read this repository: {reason}")
