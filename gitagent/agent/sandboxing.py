"""Choosing the sandbox a conversation's commands run in: bwrap unless the user explicitly says `none`."""

from collections.abc import Callable
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.sandbox import Sandbox, UnconfinedSandbox
from gitagent.store.repo import config_value, git_dir, workdir
from gitagent.workspace.worktree import Worktree

CHOICES = ("bwrap", "none")
HIDE_KEY = "gitagent.sandboxHide"


def sandbox_choice(repo: pygit2.Repository, flag: str | None) -> str:
    """`--sandbox`, else `git config gitagent.sandbox`, else `bwrap`."""
    choice = flag or config_value(repo, "gitagent.sandbox") or "bwrap"
    if choice not in CHOICES:
        raise GitagentError(f"unknown sandbox {choice!r}", f"choose one of: {', '.join(CHOICES)}")
    return choice


def network_allowed(repo: pygit2.Repository, conversation: str, flag: bool) -> bool:
    """`--allow-network`, else `git config gitagent.<conversation>.allowNetwork`, else `gitagent.allowNetwork`."""
    for key in (f"gitagent.{conversation}.allowNetwork", "gitagent.allowNetwork"):
        value = config_value(repo, key)
        if value is not None:
            return flag or value.lower() in ("true", "yes", "on", "1")
    return flag


def sandbox_factory(
    repo: pygit2.Repository, choice: str, allow_network: bool, extra_ro: list[Path] | None = None
) -> Callable[[Worktree], Sandbox]:
    """A function making the sandbox for a conversation's worktree (with `extra_ro` readable, e.g. skill
    folders); bwrap is checked up front."""
    if choice == "none":
        return lambda worktree: UnconfinedSandbox()
    from gitagent.sandbox.bwrap import BwrapSandbox
    from gitagent.sandbox.check import check_bwrap

    check_bwrap()
    common = git_dir(repo)
    secrets = hidden_by_config(repo)
    return lambda worktree: BwrapSandbox(
        worktree.path, common, allow_network=allow_network, extra_ro=extra_ro, secrets=secrets
    )


def hidden_by_config(repo: pygit2.Repository) -> list[Path]:
    """The paths `git config --add gitagent.sandboxHide PATH` hides from sandboxed commands (besides home and
    gitagent's own directory); `~` expands, a relative path is relative to the checkout."""
    try:
        values = list(repo.config.get_multivar(HIDE_KEY))
    except KeyError:
        return []
    return [workdir(repo) / Path(value).expanduser() for value in values if value]
