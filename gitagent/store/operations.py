"""Fork, rewind, rm and prune: ref moves that never destroy a turn, plus the worktree work they imply."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import inflight, locks, turns
from gitagent.store.conversations import (
    Conversation,
    check_new_name,
    get_conversation,
    is_earlier_turn,
    resolve_rev,
)
from gitagent.store.refs import (
    ABANDONED,
    PREFIX,
    abandoned_ref,
    cas_delete,
    cas_update,
    conversation_ref,
    read_ref,
    validate_name,
)
from gitagent.store.repo import state_dir
from gitagent.testpoints import kill_point
from gitagent.workspace import worktree as wt
from gitagent.workspace.sessionenv import session_env_dir
from gitagent.workspace.snapshot import take_snapshot


def fork(repo: pygit2.Repository, at: pygit2.Commit, new_name: str) -> None:
    """Start conversation `new_name` at turn `at`: one new ref; its worktree is made at its next turn."""
    validate_name(new_name)
    if read_ref(repo, conversation_ref(new_name)) is not None:
        raise GitagentError(f"a conversation named {new_name!r} already exists", "pick another name")
    if inflight.load(repo, new_name) is not None:  # the ref would put turns under its in-flight first one
        raise GitagentError(
            f"a conversation named {new_name!r} already exists (its first turn is in flight)", "pick another name"
        )
    check_new_name(repo, new_name)
    cas_update(repo, conversation_ref(new_name), at.id, None, f"gitagent: fork at {at.id}")


def rewind(repo: pygit2.Repository, conversation: Conversation, rev: str, force: bool = False) -> pygit2.Commit:
    """Move `conversation` back to turn `rev`, code and dialogue together; the old tip stays reachable."""
    with inflight.hold_to_write(repo, conversation.name):
        kill_point("rewind-locked")
        inflight.refuse_if_busy(repo, conversation.name)
        conversation = get_conversation(repo, conversation.name)  # as it is now that nothing else can move it
        target = resolve_rev(repo, conversation, rev)
        if target.id == conversation.head.id:
            raise GitagentError(f"{conversation.name!r} is already at turn {turns.turn_number(target)}")
        if not is_earlier_turn(repo, conversation, target):
            raise GitagentError(
                f"commit {target.short_id} is not an earlier turn of {conversation.name!r}",
                f"to continue from it, fork it: `gitagent fork {target.short_id} NEW`",
            )
        worktree = _settled(repo, conversation, "rewind", force)
        abandon(repo, conversation.name, conversation.head.id)
        kill_point("rewind-abandoned")
        message = f"gitagent: rewind to turn {turns.turn_number(target)}"
        cas_update(repo, conversation_ref(conversation.name), target.id, conversation.head.id, message)
        kill_point("rewind-moved")
        if worktree.exists:
            wt.checkout(worktree, turns.workspace_tree(target))
        return target


def remove(repo: pygit2.Repository, name: str, force: bool = False) -> Conversation:
    """Delete conversation `name`, its worktree and its session environment; its turns stay reachable until
    `gitagent prune`."""
    get_conversation(repo, name)  # an unknown name, or a first turn still running, is refused without the lock
    with inflight.hold_to_write(repo, name):
        conversation = get_conversation(repo, name)
        inflight.refuse_if_busy(repo, name)
        worktree = _settled(repo, conversation, "remove", force)
        abandon(repo, name, conversation.head.id)
        kill_point("rm-abandoned")
        cas_delete(repo, conversation_ref(name), conversation.head.id)
        kill_point("rm-ref-deleted")
        wt.remove(worktree)
        # what its SessionStart hooks left for its commands: a conversation later given the name is another session
        shutil.rmtree(session_env_dir(repo, name), ignore_errors=True)
        return conversation


def _settled(repo: pygit2.Repository, conversation: Conversation, action: str, force: bool) -> wt.Worktree:
    """The conversation's worktree, brought to its head if a killed command left it elsewhere, and checked
    for changes no turn recorded (refused unless `force`)."""
    worktree = wt.worktree_for(repo, conversation.name)
    if worktree.exists:
        if force:
            wt.clear_index_lock(worktree)
        else:
            wt.settle(worktree, turns.workspace_tree(conversation.head))
        ensure_recorded(repo, worktree, conversation.head, action, force)
    return worktree


def ensure_recorded(
    repo: pygit2.Repository, worktree: wt.Worktree, head: pygit2.Commit | None, action: str, force: bool = False
) -> None:
    """Bring the worktree's current files into its index, refusing when no turn up to `head` recorded them.

    Syncing the index first is what lets a later checkout remove files created since the last snapshot.
    With `force` (or no `head`) the changes are not checked, only synced, so the checkout discards them.
    """
    current = take_snapshot(worktree).tree
    if force or head is None:
        return
    recorded = turns.workspace_tree(head)
    if current == recorded:
        return
    paths = sorted({d.new_file.path for d in repo.diff(repo[recorded], repo[current]).deltas})
    shown = ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
    raise GitagentError(
        f"the worktree has changes that no turn recorded: {shown}",
        f"they would be lost; run a turn to record them, or {action} with --force to discard them",
    )


def abandon(repo: pygit2.Repository, name: str, tip: pygit2.Oid) -> None:
    """Keep `tip` (a turn or an in-flight commit of `name`) reachable under `abandoned/` until `prune`."""
    refname = abandoned_ref(name, tip)
    if read_ref(repo, refname) is None:
        cas_update(repo, refname, tip, None, "gitagent: keep abandoned tip")


@dataclass(frozen=True)
class PruneReport:
    """What `prune` freed."""

    tips: int
    turns: int
    worktrees: list[str]
    worktree_bytes: int


def prune(repo: pygit2.Repository) -> PruneReport:
    """Drop abandoned tips and worktrees no conversation uses; say what that freed."""
    abandoned = [r for r in repo.references if r.startswith(ABANDONED)]
    kept = [repo.references[r].target for r in repo.references if r.startswith(PREFIX) and r not in abandoned]
    freed_turns = _count_unreachable(repo, [repo.references[r].target for r in abandoned], kept)
    for refname in abandoned:
        cas_delete(repo, refname, repo.references[refname].target)
    kill_point("prune-tips-dropped")
    removed, freed_bytes = [], 0
    for name, path in _worktree_dirs(state_dir(repo) / "worktrees"):
        with locks.attempt(repo, name) as held:  # a turn starting holds it before its worktree exists
            if held and read_ref(repo, conversation_ref(name)) is None and inflight.load(repo, name) is None:
                freed_bytes += wt.disk_usage(path)
                wt.remove(wt.worktree_for(repo, name))
                removed.append(name)
    return PruneReport(len(abandoned), freed_turns, removed, freed_bytes)


def _count_unreachable(repo: pygit2.Repository, tips: list[pygit2.Oid], kept: list[pygit2.Oid]) -> int:
    if not tips:
        return 0
    walker = repo.walk(tips[0], pygit2.enums.SortMode.NONE)
    for tip in tips[1:]:
        walker.push(tip)
    for oid in kept:
        walker.hide(oid)
    return sum(1 for _ in walker)


def _worktree_dirs(root: Path) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if ".git" in filenames or ".git" in dirnames:
            found.append((Path(dirpath).relative_to(root).as_posix(), Path(dirpath)))
            dirnames.clear()
    return found
