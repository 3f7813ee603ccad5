"""Starting, resuming and discarding turns: the lock, the conversation's record and its worktree."""

import json
import re
from collections.abc import Collection

import pygit2

from gitagent.agent.attachments import Attachment
from gitagent.agent.events import EventSink, Notice, TurnOutcome
from gitagent.agent.record import TurnRecord, now_iso
from gitagent.agent.turn import Turn, TurnSettings
from gitagent.errors import GitagentError
from gitagent.store import inflight, locks, turns
from gitagent.store.conversations import check_new_name, present_base, unused_name
from gitagent.store.operations import abandon, ensure_recorded
from gitagent.store.refs import conversation_ref, read_ref, validate_name
from gitagent.store.repo import head_commit
from gitagent.testpoints import kill_point
from gitagent.tools.base import ToolResult
from gitagent.workspace import worktree as wt
from gitagent.workspace.filling import Filling

NAME_WORDS = 5


def new_conversation_name(repo: pygit2.Repository, prompt: str, taken: Collection[str] = ()) -> str:
    """A readable, unused name made from the prompt's first words (`fix-the-login-bug`, `-2` if taken)."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:NAME_WORDS]
    return unused_name(repo, "-".join(words)[:40].strip("-") or "conversation", taken)


def run_turn(
    repo: pygit2.Repository,
    name: str,
    prompt: str,
    settings: TurnSettings,
    attachments: list[Attachment] | None = None,
    base: pygit2.Oid | None = None,
) -> TurnOutcome:
    """Run a new turn of conversation `name` (created if it does not exist) and commit it; `attachments`
    (files mentioned, command output, a slash command's instructions) go with the prompt. A new conversation
    starts from `base` (default: the user's HEAD)."""
    validate_name(name)
    with inflight.hold_to_write(repo, name):
        kill_point("turn-locked")
        inflight.refuse_if_busy(repo, name)
        head_oid = read_ref(repo, conversation_ref(name))
        head = repo[head_oid].peel(pygit2.Commit) if head_oid else None
        if head is None:
            check_new_name(repo, name)
        conversation_blob = _conversation_blob(repo, name, head, settings.model_spec, base)
        worktree, filling = turn_worktree(repo, name, head, conversation_blob, settings.emit)
        try:
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
            turn = Turn(repo, state, record, conversation_blob, worktree, sandbox, head, settings, filling=filling)
            turn.start_hooks(resumed=False)
            kill_point("turn-hooks-run")
            turn.save()
            return turn.run(resumed=False)
        finally:
            if filling is not None:  # never leave the files being written once the lock is let go
                filling.join()


def resume_turn(repo: pygit2.Repository, name: str, settings: TurnSettings) -> TurnOutcome:
    """Finish the interrupted turn of conversation `name`."""
    validate_name(name)
    with inflight.hold_to_write(repo, name):
        turn = _reopen(repo, name, settings)
        turn.record.data["model"] = settings.model_spec
        turn.start_hooks(resumed=True)
        return turn.run(resumed=True)


def close_interrupted_turn(repo: pygit2.Repository, name: str, settings: TurnSettings) -> TurnOutcome:
    """Commit the interrupted turn of `name` as it stands, with status `interrupted`: what it did (its events and
    the worktree's files) is kept, and a tool call it cut off gets the result that says so, so the next prompt
    continues from there. The chat does this when a prompt is sent after Esc."""
    from gitagent.agent.loop import INTERRUPTED

    validate_name(name)
    with inflight.hold_to_write(repo, name):
        turn = _reopen(repo, name, settings)
        for call in turn.record.unanswered_tool_calls():
            turn.record.add_tool_result(call, ToolResult(INTERRUPTED, is_error=True), 0)
        return turn.commit("interrupted")


def _reopen(repo: pygit2.Repository, name: str, settings: TurnSettings) -> Turn:
    """The interrupted turn of `name`, ready to go on (the caller holds the conversation's lock)."""
    commit = _interrupted(repo, name)
    record = TurnRecord(turns.read_turn(commit), turns.read_context(commit))
    record.data["owner"] = inflight.owner()
    head = commit.parents[0] if commit.parents else None
    conversation_blob = commit.tree["conversation.json"].id
    worktree = _ready_worktree(repo, name, head, conversation_blob, settings.emit, move=False)
    sandbox = settings.make_sandbox(worktree)
    state = inflight.InFlight.resuming(name, commit)
    return Turn(repo, state, record, conversation_blob, worktree, sandbox, head, settings)


def discard_turn(repo: pygit2.Repository, name: str) -> int:
    """Drop the interrupted turn of `name`, restoring the worktree to the conversation's latest turn.

    The dropped in-flight commit stays reachable under `refs/gitagent/abandoned/` until `gitagent prune`.
    Returns the number of the discarded turn.
    """
    validate_name(name)
    with inflight.hold_to_write(repo, name):
        commit = _interrupted(repo, name)
        kill_point("discard-locked")
        head = read_ref(repo, conversation_ref(name))  # the turn's parent, unless a pull moved it on since
        worktree = wt.worktree_for(repo, name)
        if head is None:
            wt.remove(worktree)
        elif worktree.exists:
            wt.clear_index_lock(worktree)
            ensure_recorded(repo, worktree, None, "discard", force=True)
            wt.checkout(worktree, turns.workspace_tree(repo[head].peel(pygit2.Commit)))
        kill_point("discard-checked-out")
        abandon(repo, name, commit.id)
        kill_point("discard-abandoned")
        inflight.clear(repo, inflight.InFlight.resuming(name, commit))
        return int(turns.read_turn(commit)["turn"])


def _interrupted(repo: pygit2.Repository, name: str) -> pygit2.Commit:
    commit = inflight.load(repo, name)
    if commit is None:
        raise GitagentError(
            f"conversation {name!r} has no interrupted turn",
            "nothing to resume or discard: `gitagent conversations` shows each conversation's state",
        )
    return commit


def _conversation_blob(
    repo: pygit2.Repository, name: str, head: pygit2.Commit | None, model: str, base: pygit2.Oid | None
) -> pygit2.Oid:
    if head is None:
        info = {
            "schema": turns.SCHEMA,
            "name": name,
            "base": str(base if base is not None else head_commit(repo).id),
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
    """The conversation's worktree as it is, or, if it is not made (completely) yet, made at `head`'s workspace
    (the base commit's tree without a head), under the conversation's lock."""
    worktree = wt.worktree_for(repo, name)
    if worktree.exists:
        return worktree
    with locks.hold(repo, name):
        return _ready_worktree(repo, name, head, conversation_blob, lambda event: None, move=False)


def turn_worktree(
    repo: pygit2.Repository, name: str, head: pygit2.Commit | None, conversation_blob: pygit2.Oid, emit: EventSink
) -> tuple[wt.Worktree, Filling | None]:
    """The worktree for a new turn, and, if it had to be made, its making in the background.

    A conversation without a worktree yet (a new one, a subagent, a fork) gets one made (registered, then its
    files written) while the turn's first model request runs: a checkout of a large repository takes far
    longer than the request. The turn waits for it before anything reads the files (`Turn.files_ready`); the
    first prompt's code map reads git's objects instead (`Filling.tree`). The worktree counts as made only
    once complete (`workspace.worktree`), so a kill during the fill leaves it to be rebuilt.
    """
    worktree = wt.worktree_for(repo, name)
    if worktree.exists:
        return _ready_worktree(repo, name, head, conversation_blob, emit), None
    if worktree.path.exists():
        emit(Notice(f"{name}: rebuilt the worktree, which an interrupted command had left half-made"))
    base = _base(repo, conversation_blob)
    tree = _start_tree(repo, head, base)
    return worktree, Filling(lambda: wt.create(worktree, base, tree), f"cannot make {name}'s worktree", tree)


def _base(repo: pygit2.Repository, conversation_blob: pygit2.Oid) -> pygit2.Oid:
    return present_base(repo, json.loads(repo[conversation_blob].data))


def _start_tree(repo: pygit2.Repository, head: pygit2.Commit | None, base: pygit2.Oid) -> pygit2.Oid:
    """The files a turn starts from: `head`'s snapshot, or the base commit's tree for a conversation's first."""
    return turns.workspace_tree(head) if head else repo[base].peel(pygit2.Commit).tree_id


def _ready_worktree(
    repo: pygit2.Repository,
    name: str,
    head: pygit2.Commit | None,
    conversation_blob: pygit2.Oid,
    emit: EventSink,
    move: bool = True,
) -> wt.Worktree:
    """The conversation's worktree, made complete and at `head`'s snapshot (or the base commit's tree); with
    `move=False` (resuming) a made one is only repaired, never moved (`workspace.worktree.prepare`)."""
    worktree = wt.worktree_for(repo, name)
    base = _base(repo, conversation_blob)
    note = wt.prepare(worktree, base, _start_tree(repo, head, base), move)
    if note is not None:
        emit(Notice(f"{name}: {note}"))
    return worktree
