"""Starting, resuming and discarding turns: the lock, the conversation's record and its worktree."""

import json
import re
from collections.abc import Collection

import pygit2

from gitagent.agent.attachments import Attachment
from gitagent.agent.events import TurnOutcome
from gitagent.agent.record import TurnRecord, now_iso
from gitagent.agent.turn import Turn, TurnSettings
from gitagent.errors import GitagentError
from gitagent.store import inflight, turns
from gitagent.store.operations import ensure_recorded
from gitagent.store.refs import (
    ConcurrentUpdate,
    abandoned_ref,
    cas_update,
    conversation_ref,
    read_ref,
    validate_name,
)
from gitagent.store.repo import head_commit
from gitagent.workspace import worktree as wt

NAME_WORDS = 5


def new_conversation_name(repo: pygit2.Repository, prompt: str, taken: Collection[str] = ()) -> str:
    """A readable, unused name made from the prompt's first words (`fix-the-login-bug`, `-2` if taken)."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:NAME_WORDS]
    return unused_name(repo, "-".join(words)[:40].strip("-") or "conversation", taken)


def unused_name(repo: pygit2.Repository, stem: str, taken: Collection[str] = ()) -> str:
    """`stem`, or `stem-2`, `stem-3`… whichever no conversation (committed or in flight) has yet, nor `taken`."""
    name, n = stem, 1
    while name in taken or read_ref(repo, conversation_ref(name)) or read_ref(repo, inflight.inflight_ref(name)):
        n += 1
        name = f"{stem}-{n}"
    return name


def run_turn(
    repo: pygit2.Repository,
    name: str,
    prompt: str,
    settings: TurnSettings,
    attachments: list[Attachment] | None = None,
) -> TurnOutcome:
    """Run a new turn of conversation `name` (created if it does not exist) and commit it; `attachments`
    (files mentioned, command output, a slash command's instructions) go with the prompt."""
    validate_name(name)
    inflight.refuse_if_busy(repo, name)
    head_oid = read_ref(repo, conversation_ref(name))
    head = repo[head_oid].peel(pygit2.Commit) if head_oid else None
    conversation_blob = _conversation_blob(repo, name, head, settings.model_spec)
    worktree = ensure_worktree(repo, name, head, conversation_blob)
    sandbox = settings.make_sandbox(worktree)
    record = TurnRecord.start(
        conversation=name,
        turn=(turns.turn_number(head) + 1) if head else 1,
        model=settings.model_spec,
        prompt=prompt,
        owner=inflight.owner(),
        sandbox=sandbox.name,
        attachments=attachments,
    )
    state = inflight.InFlight(name, head_oid)
    turn = Turn(repo, state, record, conversation_blob, worktree, sandbox, head, settings)
    turn.start_hooks(resumed=False)
    try:
        turn.save()
    except ConcurrentUpdate as e:
        raise GitagentError(f"conversation {name!r} is being written by another process") from e
    return turn.run(resumed=False)


def resume_turn(repo: pygit2.Repository, name: str, settings: TurnSettings) -> TurnOutcome:
    """Finish the interrupted turn of conversation `name`."""
    commit = _interrupted(repo, name)
    record = TurnRecord(turns.read_turn(commit), turns.read_context(commit))
    record.data["owner"] = inflight.owner()
    record.data["model"] = settings.model_spec
    head = commit.parents[0] if commit.parents else None
    worktree = wt.worktree_for(repo, name)
    conversation_blob = commit.tree["conversation.json"].id
    if not worktree.exists:
        ensure_worktree(repo, name, head, conversation_blob)
    sandbox = settings.make_sandbox(worktree)
    state = inflight.InFlight.resuming(name, commit)
    turn = Turn(repo, state, record, conversation_blob, worktree, sandbox, head, settings)
    turn.start_hooks(resumed=True)
    return turn.run(resumed=True)


def discard_turn(repo: pygit2.Repository, name: str) -> int:
    """Drop the interrupted turn of `name`, restoring the worktree to the last committed turn.

    The dropped in-flight commit stays reachable under `refs/gitagent/abandoned/` until `gitagent prune`.
    Returns the number of the discarded turn.
    """
    commit = _interrupted(repo, name)
    head = commit.parents[0] if commit.parents else None
    worktree = wt.worktree_for(repo, name)
    if head is None:
        wt.remove(worktree)
    elif worktree.exists:
        ensure_recorded(repo, worktree, head, "discard", force=True)
        wt.checkout(worktree, turns.workspace_tree(head))
    cas_update(repo, abandoned_ref(name, commit.id), commit.id, None, "gitagent: discard interrupted turn")
    inflight.clear(repo, inflight.InFlight.resuming(name, commit))
    return int(turns.read_turn(commit)["turn"])


def _interrupted(repo: pygit2.Repository, name: str) -> pygit2.Commit:
    validate_name(name)
    commit = inflight.load(repo, name)
    if commit is None:
        raise GitagentError(f"conversation {name!r} has no interrupted turn")
    who = turns.read_turn(commit).get("owner", {})
    if inflight.is_alive(who):
        raise GitagentError(f"conversation {name!r} is being written by another process (pid {who['pid']})")
    return commit


def _conversation_blob(repo: pygit2.Repository, name: str, head: pygit2.Commit | None, model: str) -> pygit2.Oid:
    if head is None:
        info = {
            "schema": turns.SCHEMA,
            "name": name,
            "base": str(head_commit(repo).id),
            "created_at": now_iso(),
            "model": model,
        }
        return turns.write_blob_json(repo, info)
    info = turns.read_conversation(head)
    if info["name"] == name:
        return head.tree["conversation.json"].id
    forked = {
        **info,
        "name": name,
        "forked_from": {"name": info["name"], "commit": str(head.id)},
        "created_at": now_iso(),
    }
    return turns.write_blob_json(repo, forked)


def ensure_worktree(
    repo: pygit2.Repository, name: str, head: pygit2.Commit | None, conversation_blob: pygit2.Oid
) -> wt.Worktree:
    """The conversation's worktree, checked out at `head`'s workspace (the base commit's tree without a
    head) if it does not exist yet."""
    worktree = wt.worktree_for(repo, name)
    if not worktree.exists:
        base = pygit2.Oid(hex=json.loads(repo[conversation_blob].data)["base"])
        wt.create(worktree, base, turns.workspace_tree(head) if head else None)
    return worktree
