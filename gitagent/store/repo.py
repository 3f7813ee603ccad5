"""Finding and opening the user's repository, with the errors a user can act on."""

import os
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.gitread import bare_repository, not_a_repository

IDENTITY_FALLBACK = ("gitagent user", "user@localhost")


def open_repository(path: Path | None = None) -> pygit2.Repository:
    """Open the repository containing `path` (default: the current directory); it must have a work tree."""
    start = Path(path or Path.cwd()).resolve()
    found = pygit2.discover_repository(str(start))
    if found is None:
        raise not_a_repository(str(start))
    repo = pygit2.Repository(found)
    if repo.is_bare:
        raise bare_repository(repo.path.rstrip("/"))
    return repo


def git_dir(repo: pygit2.Repository) -> Path:
    """The common git directory (shared by all worktrees)."""
    path = Path(repo.path)
    commondir = path / "commondir"
    if commondir.exists():  # `repo` was opened from a linked worktree
        return (path / commondir.read_text().strip()).resolve()
    return path.resolve()


def state_dir(repo: pygit2.Repository) -> Path:
    """`$GIT_DIR/gitagent`: worktrees, snapshot indexes and caches live here, never in the work tree."""
    return git_dir(repo) / "gitagent"


def workdir(repo: pygit2.Repository) -> Path:
    """The user's checkout."""
    return Path(repo.workdir).resolve()


def head_commit(repo: pygit2.Repository) -> pygit2.Commit:
    """The user's HEAD commit; a repository with no commits gets a clear error."""
    if repo.head_is_unborn:
        raise GitagentError(
            "this repository has no commits yet; a conversation starts from a commit",
            'make one first, e.g. `git commit --allow-empty -m "initial commit"`',
        )
    return repo.head.peel(pygit2.Commit)


def user_identity(repo: pygit2.Repository) -> tuple[str, str]:
    """The prompting person's name and email from git config, like `git commit` would use."""
    config = repo.config
    name = os.environ.get("GIT_AUTHOR_NAME") or _config_value(config, "user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or _config_value(config, "user.email")
    return name or IDENTITY_FALLBACK[0], email or IDENTITY_FALLBACK[1]


def _config_value(config: pygit2.Config, key: str) -> str | None:
    try:
        return config[key]
    except KeyError:
        return None


def config_value(repo: pygit2.Repository, key: str) -> str | None:
    """A git config value (local, global and system layered), or None."""
    return _config_value(repo.config, key)
