"""Sharing conversations: `refs/gitagent/*` pushed to and fetched from a git remote."""

import subprocess
from dataclasses import dataclass

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import inflight, locks, turns
from gitagent.store.conversations import list_conversations
from gitagent.store.repo import workdir
from gitagent.testpoints import kill_point
from gitagent.workspace import worktree as wt

SHARED = ("conversations", "abandoned", "reviews")


def default_remote(repo: pygit2.Repository, remote: str | None) -> str:
    """`remote` if given and known, else `origin`, else the only remote; otherwise a clear error."""
    names = [r.name for r in repo.remotes]
    if remote is not None:
        if remote not in names:
            raise GitagentError(f"no remote named {remote!r}", f"remotes: {', '.join(names) or 'none'}")
        return remote
    if "origin" in names or len(names) == 1:
        return "origin" if "origin" in names else names[0]
    if not names:
        raise GitagentError("this repository has no remote", "add one with `git remote add origin URL`")
    raise GitagentError("several remotes and none is origin", f"name one: {', '.join(names)}")


def _refspecs(force: bool) -> list[str]:
    plus = "+" if force else ""
    return [f"{plus}refs/gitagent/{kind}/*:refs/gitagent/{kind}/*" for kind in SHARED]


def push(repo: pygit2.Repository, remote: str | None, force: bool = False) -> int:
    """Push every conversation, kept abandoned tip and review; git's report goes to stderr. Returns git's status."""
    return subprocess.call(["git", "push", default_remote(repo, remote), *_refspecs(force)], cwd=workdir(repo))


@dataclass(frozen=True)
class PullResult:
    """What a pull changed: conversations updated, worktrees moved along, and git's exit status."""

    updated: list[str]
    worktrees_moved: list[str]
    worktrees_kept: list[str]
    status: int


def pull(repo: pygit2.Repository, remote: str | None, force: bool = False) -> PullResult:
    """Fetch conversations; a diverged one is rejected (not overwritten) unless `force`.

    The worktree of each conversation that moved is brought to its new latest turn, carrying changes no turn
    recorded, unless a turn of it is running or interrupted (that turn lands beside it when it commits) or
    those changes conflict: such a worktree is kept as it was, and its next turn moves it or says why not.
    """
    before = {c.name: c.head for c in list_conversations(repo)}
    status = subprocess.call(["git", "fetch", default_remote(repo, remote), *_refspecs(force)], cwd=workdir(repo))
    kill_point("pull-fetched")
    updated, moved, kept = [], [], []
    for conversation in list_conversations(repo):
        old = before.get(conversation.name)
        if old is not None and old.id == conversation.head.id:
            continue
        updated.append(conversation.name)
        worktree = wt.worktree_for(repo, conversation.name)
        if old is None or not worktree.exists:
            continue
        if _move_worktree(repo, conversation.name, worktree, turns.workspace_tree(conversation.head)):
            moved.append(conversation.name)
        else:
            kept.append(conversation.name)
    return PullResult(updated, moved, kept, status)


def _move_worktree(repo: pygit2.Repository, name: str, worktree: wt.Worktree, tree: pygit2.Oid) -> bool:
    with locks.attempt(repo, name) as held:
        if not held or inflight.load(repo, name) is not None:
            return False
        try:
            wt.settle(worktree, tree)
        except GitagentError:
            return False
    return True
