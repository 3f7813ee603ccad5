"""Choosing the sandbox a conversation's commands run in: bwrap unless the user explicitly says `none`."""

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.sandbox import Limits, Sandbox, UnconfinedSandbox
from gitagent.store import inflight
from gitagent.store.conversations import list_conversations
from gitagent.store.refs import conversation_ref, read_ref, validate_name
from gitagent.store.repo import config_value, git_dir, workdir
from gitagent.workspace.worktree import Worktree, worktree_for

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


def start_bwrap_check(choice: str) -> Callable[[], None]:
    """Check that bwrap works (for `choice` bwrap) in the background while the rest of a turn's settings are read:
    the check starts two bwrap processes. The returned function waits for it and raises its error, with the fix."""
    if choice == "none":
        return lambda: None
    from gitagent.sandbox.check import check_bwrap

    def check_quietly() -> None:
        with contextlib.suppress(GitagentError):  # raised by the waiter, in the thread that reads the settings
            check_bwrap()

    thread = threading.Thread(target=check_quietly, name="gitagent-bwrap-check", daemon=True)
    thread.start()

    def verdict() -> None:
        thread.join()
        check_bwrap()  # the verdict the thread found (cached)

    return verdict


def sandbox_factory(
    repo: pygit2.Repository,
    choice: str,
    allow_network: bool,
    extra_ro: list[Path] | None = None,
    home_dir: Path | None = None,
    limits: Limits | None = None,
) -> Callable[[Worktree], Sandbox]:
    """A function making the sandbox for a conversation's worktree (with `extra_ro` readable, e.g. skill
    folders; `home_dir` as HOME, kept between commands, and `limits`, for an executor); bwrap is checked up
    front (`start_bwrap_check` has the check under way sooner)."""
    if choice == "none":
        return lambda worktree: UnconfinedSandbox()
    from gitagent.sandbox.bwrap import BwrapSandbox
    from gitagent.sandbox.check import check_bwrap

    check_bwrap()
    common = git_dir(repo)
    secrets = hidden_by_config(repo)
    return lambda worktree: BwrapSandbox(
        worktree.path, common, allow_network=allow_network, extra_ro=extra_ro, home_dir=home_dir, limits=limits,
        secrets=secrets,
    )  # fmt: skip


def hidden_by_config(repo: pygit2.Repository) -> list[Path]:
    """The paths `git config --add gitagent.sandboxHide PATH` hides from sandboxed commands (besides home and
    gitagent's own directory); `~` expands, a relative path is relative to the checkout."""
    try:
        values = list(repo.config.get_multivar(HIDE_KEY))
    except KeyError:
        return []
    return [workdir(repo) / Path(value).expanduser() for value in values if value]


def conversation_sandbox(repo: pygit2.Repository, name: str, allow_network: bool) -> tuple[Worktree, Sandbox]:
    """The worktree of conversation `name` (committed or in its first turn) and a bwrap sandbox over it,
    confined as its agent's commands are; `gitagent exec` runs in it, whatever `gitagent.sandbox` says."""
    validate_name(name)
    if read_ref(repo, conversation_ref(name)) is None and inflight.load(repo, name) is None:
        names = [c.name for c in list_conversations(repo)]
        hint = f"existing conversations: {', '.join(names)}" if names else "start one with `gitagent run PROMPT`"
        raise GitagentError(f"no conversation named {name!r}", hint)
    worktree = worktree_for(repo, name)
    if not worktree.exists:
        raise GitagentError(
            f"conversation {name!r} has no worktree (it was removed)",
            f"its next turn makes it again: gitagent run -c {name} PROMPT",
        )
    make = sandbox_factory(repo, "bwrap", network_allowed(repo, name, allow_network))
    return worktree, make(worktree)
