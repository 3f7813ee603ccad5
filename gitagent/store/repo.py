"""Finding and opening the user's repository, with the errors a user can act on."""

import os
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.locate import Location, bare_repository, git_options, locate

IDENTITY_FALLBACK = ("gitagent user", "user@localhost")


def open_repository(path: Path | None = None) -> pygit2.Repository:
    """The repository a command acts on, found as git finds it (`store.locate`): without `path`, `GIT_DIR` and
    `GIT_WORK_TREE` when set, else the one containing the current directory; with `path`, the one containing
    `path`. It must have a work tree."""
    return open_located(locate(path))


def open_located(where: Location) -> pygit2.Repository:
    """A pygit2 handle on the repository at `where`, its work tree that one (libgit2 reads neither `GIT_DIR` nor
    `GIT_WORK_TREE`, and would call a dotfiles repository bare)."""
    repo = pygit2.Repository(where.git_dir, pygit2.enums.RepositoryOpenFlag.NO_SEARCH)
    if where.work_tree is not None and (repo.workdir is None or Path(repo.workdir) != Path(where.work_tree)):
        repo.workdir = where.work_tree  # this handle's only: the repository's config is not written
    if repo.workdir is None:
        raise bare_repository(where.git_dir)
    return repo


def location(repo: pygit2.Repository) -> Location:
    """Where `repo` is, as `store.locate` names it: for a fresh handle (`open_located`) or a git command."""
    return Location(repo.path.rstrip("/"), str(workdir(repo)) if repo.workdir is not None else None)


def reopen(repo: pygit2.Repository) -> pygit2.Repository:
    """A fresh handle on `repo` with the same work tree (one per thread, or one that sees what others wrote)."""
    return open_located(location(repo))


def repo_options(repo: pygit2.Repository) -> list[str]:
    """`--git-dir` and `--work-tree` naming `repo` to git, whose environment (`without_location`) names none."""
    return git_options(location(repo))


def git_dir(repo: pygit2.Repository) -> Path:
    """The common git directory (shared by all worktrees)."""
    return common_dir(Path(repo.path))


def common_dir(path: Path) -> Path:
    """The common git directory of the git directory `path` (a linked worktree's names it in `commondir`)."""
    commondir = path / "commondir"
    if commondir.exists():
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
