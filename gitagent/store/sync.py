"""Sharing conversations: `refs/gitagent/*` pushed to and fetched from a git remote."""

import os
import re
import subprocess
from dataclasses import dataclass

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import inflight, locks, turns
from gitagent.store.conversations import list_conversations
from gitagent.store.locate import without_location
from gitagent.store.repo import repo_options, workdir
from gitagent.testpoints import kill_point
from gitagent.workspace import worktree as wt
from gitagent.workspace.git import git_failure

SHARED = ("conversations", "abandoned", "reviews", "batches")


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


@dataclass(frozen=True)
class PushResult:
    """What a push did: refs sent (shown as `label` shows them), and those the remote rejected, with why."""

    pushed: list[str]
    rejected: list[tuple[str, str]]


def push(repo: pygit2.Repository, remote: str | None, force: bool = False) -> PushResult:
    """Push every conversation, kept abandoned tip and review. A conversation that diverged on the remote is
    rejected (reported, not overwritten) unless `force`; any other failure raises GitagentError."""
    name = default_remote(repo, remote)
    done = _git(repo, "push", "--porcelain", name, *_refspecs(force))
    pushed, rejected = [], []
    for line in done.stdout.splitlines():  # flag TAB from:to TAB summary (reason)
        flag, _, rest = line.partition("\t")
        refspec, _, summary = rest.partition("\t")
        target = refspec.rpartition(":")[2]
        if flag == "!":
            rejected.append((label(target), summary))
        elif flag in ("*", " ", "+", "-"):
            pushed.append(label(target))
    if done.returncode != 0 and not rejected:
        raise _git_failed("push to", name, done.stderr, done.returncode)
    return PushResult(pushed, rejected)


@dataclass(frozen=True)
class PullResult:
    """What a pull changed: conversations updated, worktrees moved along, and refs git would not overwrite."""

    updated: list[str]
    worktrees_moved: list[str]
    worktrees_kept: list[str]
    rejected: list[str]


def pull(repo: pygit2.Repository, remote: str | None, force: bool = False) -> PullResult:
    """Fetch conversations; a diverged one is rejected (not overwritten) unless `force`.

    The worktree of each conversation that moved is brought to its new latest turn, carrying changes no turn
    recorded, unless a turn of it is running or interrupted (that turn lands beside it when it commits) or
    those changes conflict: such a worktree is kept as it was, and its next turn moves it or says why not.
    """
    before = {c.name: c.head for c in list_conversations(repo)}
    rejected = _fetch(repo, default_remote(repo, remote), force)
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
    return PullResult(updated, moved, kept, rejected)


_FETCH_REJECTED = re.compile(r"^\s*!\s+\[[^\]]*\]\s+\S+\s+->\s+(\S+)", re.MULTILINE)


def _fetch(repo: pygit2.Repository, remote: str, force: bool) -> list[str]:
    """Fetch the shared refs; return the local ones git refused to move (they diverged)."""
    done = _git(repo, "fetch", remote, *_refspecs(force))
    rejected = [label(ref) for ref in _FETCH_REJECTED.findall(done.stderr)]  # git 2.39 has no fetch --porcelain
    if done.returncode != 0 and not rejected:
        raise _git_failed("fetch from", remote, done.stderr, done.returncode)
    return rejected


def _git(repo: pygit2.Repository, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git on `repo`, named explicitly; the rest of the user's environment (ssh, credentials) is kept."""
    argv = ["git", *repo_options(repo), *args]
    return subprocess.run(argv, cwd=workdir(repo), env=without_location(os.environ), capture_output=True, text=True)


def label(refname: str) -> str:
    """A shared ref as a person names it: a conversation's name, an abandoned tip, a review."""
    kind, _, rest = refname.removeprefix("refs/gitagent/").partition("/")
    if kind == "abandoned":
        name, _, oid = rest.rpartition("/")
        return f"{name} (abandoned {oid[:7]})"
    if kind == "reviews":
        key, _, head = rest.rpartition("/")
        return f"review {key} at {head[:7]}"
    return rest


def _git_failed(action: str, remote: str, stderr: str, returncode: int) -> GitagentError:
    return GitagentError(
        f"could not {action} {remote}: {git_failure(stderr, returncode)}",
        f"check the remote's URL and your access to it (`git remote -v`, `git ls-remote {remote}`)",
    )


def _move_worktree(repo: pygit2.Repository, name: str, worktree: wt.Worktree, tree: pygit2.Oid) -> bool:
    with locks.attempt(repo, name) as held:
        if not held or inflight.load(repo, name) is not None:
            return False
        try:
            wt.settle(worktree, tree)
        except GitagentError:
            return False
    return True
