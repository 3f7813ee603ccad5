"""Undoing a rewind from the chat: the turns a rewind left behind are kept as an abandoned tip, and moving the
conversation forward to that tip again (code and dialogue together) brings them back."""

import re

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.conversations import Conversation
from gitagent.store.operations import ensure_recorded
from gitagent.store.refs import ABANDONED, cas_delete, cas_update, conversation_ref
from gitagent.workspace import worktree as wt

_OID = re.compile(r"[0-9a-f]{40}")


def rewound_tip(repo: pygit2.Repository, conversation: Conversation) -> pygit2.Commit | None:
    """The latest tip a rewind of `conversation` left behind that still continues from its head."""
    prefix = f"{ABANDONED}{conversation.name}/"
    head = conversation.head.id
    found = []
    for refname in repo.references:
        oid = refname[len(prefix) :]
        if not (refname.startswith(prefix) and _OID.fullmatch(oid)):
            continue
        commit = repo[oid].peel(pygit2.Commit)
        if repo.descendant_of(commit.id, head):
            found.append(commit)
    return max(found, key=lambda c: c.commit_time, default=None)


def undo_rewind(repo: pygit2.Repository, conversation: Conversation) -> tuple[pygit2.Commit, int]:
    """Move `conversation` forward to the tip its last rewind left; the tip and how many turns came back."""
    tip = rewound_tip(repo, conversation)
    if tip is None:
        raise GitagentError(
            f"there is no rewind of {conversation.name!r} to undo",
            "a rewind followed by new turns cannot be undone; `gitagent log --all` shows the turns it left and "
            "`gitagent fork COMMIT NEW` continues from them",
        )
    worktree = wt.worktree_for(repo, conversation.name)
    if worktree.exists:
        ensure_recorded(repo, worktree, conversation.head, "undo the rewind")
    name, head = conversation.name, conversation.head
    cas_update(repo, conversation_ref(name), tip.id, head.id, f"gitagent: undo rewind to turn {turns.turn_number(tip)}")
    cas_delete(repo, f"{ABANDONED}{name}/{tip.id}", tip.id)
    if worktree.exists:
        wt.checkout(worktree, turns.workspace_tree(tip))
    return tip, turns.turn_number(tip) - turns.turn_number(head)
