"""Turn commits: one user message and everything the agent did until it answered (DESIGN §2).

A turn commit's tree holds `turn.json` (the events), `conversation.json` (the same blob every turn),
`workspace/` (the worktree's tree at the end of the turn) and, once an outside executor has run in the
conversation, `executor/` (the executors' own state, opaque here, carried forward by every later turn).
Subject = the prompt, body = the start of the answer, trailers = turn number, model, tokens, tools; author =
the prompting person, committer = gitagent.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygit2

from gitagent.store import turnmeta

# The rules of what a turn commit says are pure (`turnmeta`), shared with the git-plumbing reader.
trailers = turnmeta.trailers
turn_number = turnmeta.turn_number
number_trailer = turnmeta.number_trailer
tokens_trailer = turnmeta.tokens_trailer
parse_tokens_trailer = turnmeta.parse_tokens_trailer

SCHEMA = 1
COMMITTER = ("gitagent", "gitagent@localhost")
SUBJECT_LIMIT = 72
BODY_LIMIT = 600


@dataclass(frozen=True)
class TurnContent:
    """What goes into one turn commit."""

    turn: dict[str, Any]
    conversation_blob: pygit2.Oid
    workspace_tree: pygit2.Oid | None
    trailers: list[tuple[str, str]]
    prompt: str
    answer: str
    context: list[dict[str, Any]] | None = None
    """Compacted history that stands in for the turns before this one (written as `context.json`)."""
    executor: pygit2.Oid | None = None
    """The executors' session state after this turn (written as `executor/`)."""


def encode_json(data: Any, compact: bool = False) -> bytes:
    """The on-disk JSON form: indented for `git show` (or compact, for in-flight saves: several times faster
    to encode), UTF-8, newline-terminated."""
    text = (
        json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(data, indent=1, ensure_ascii=False)
    )
    # A lone surrogate (from a model's "\\ud800" escape, say) cannot be UTF-8: written as the JSON escape it
    # came from, it reads back the same and never fails the turn's save.
    return (text + "\n").encode("utf-8", "backslashreplace")


def write_blob_json(repo: pygit2.Repository, data: Any, compact: bool = False) -> pygit2.Oid:
    """Store `data` as a JSON blob."""
    return repo.create_blob(encode_json(data, compact))


def write_turn_commit(
    repo: pygit2.Repository, content: TurnContent, parent: pygit2.Oid | None, author: tuple[str, str]
) -> pygit2.Oid:
    """Create the commit object of a finished turn (no ref is moved here) and return its id."""
    builder = repo.TreeBuilder()
    builder.insert("turn.json", write_blob_json(repo, content.turn), pygit2.GIT_FILEMODE_BLOB)
    if content.workspace_tree is not None:
        builder.insert("workspace", content.workspace_tree, pygit2.GIT_FILEMODE_TREE)
    if content.executor is not None:
        builder.insert("executor", content.executor, pygit2.GIT_FILEMODE_TREE)
    return write_commit(repo, builder, content, parent, author, content.prompt)


def write_commit(
    repo: pygit2.Repository,
    builder: pygit2.TreeBuilder,
    content: TurnContent,
    parent: pygit2.Oid | None,
    author: tuple[str, str],
    subject: str,
) -> pygit2.Oid:
    """Add the conversation (and any compacted context) to a turn's tree and commit it."""
    builder.insert("conversation.json", content.conversation_blob, pygit2.GIT_FILEMODE_BLOB)
    if content.context is not None:
        context = write_blob_json(repo, {"schema": SCHEMA, "messages": content.context})
        builder.insert("context.json", context, pygit2.GIT_FILEMODE_BLOB)
    now = int(time.time())
    offset = time.localtime(now).tm_gmtoff // 60
    return repo.create_commit(
        None,
        pygit2.Signature(author[0], author[1], now, offset),
        pygit2.Signature(COMMITTER[0], COMMITTER[1], now, offset),
        commit_message(subject, content.answer, content.trailers),
        builder.write(),
        [parent] if parent is not None else [],
    )


def commit_message(prompt: str, answer: str, trailers: list[tuple[str, str]]) -> str:
    """Subject from the prompt's first line (cut to 72), body from the answer's start, then trailers."""
    subject = next((line.strip() for line in prompt.splitlines() if line.strip()), "(empty prompt)")
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - 1].rstrip() + "…"
    parts = [subject]
    body = _body(answer)
    if body:
        parts.append(body)
    parts.append("\n".join(f"{key}: {value}" for key, value in trailers))
    return "\n\n".join(parts) + "\n"


def _body(answer: str) -> str:
    text = answer.strip()
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT].rstrip() + " …"
    return "\n".join(line.rstrip() for line in text.splitlines())


def read_json(commit: pygit2.Commit, path: str) -> dict[str, Any]:
    """Parse a JSON file from a turn commit's tree."""
    blob = commit.tree[path]
    return json.loads(blob.data)


def read_turn(commit: pygit2.Commit) -> dict[str, Any]:
    """The `turn.json` of a turn commit (an in-flight commit keeps its events beside it, one blob each)."""
    turn = read_json(commit, "turn.json")
    entries = event_entries(commit)
    if entries:
        turn["events"] = [json.loads(entry.data) for entry in entries]
    return turn


def event_name(index: int) -> str:
    """The tree entry of an in-flight commit holding event `index`."""
    return f"{turnmeta.EVENT_PREFIX}{index:06d}.json"


def event_entries(commit: pygit2.Commit) -> list[pygit2.Blob]:
    """An in-flight commit's event blobs, in order (none for a finished turn)."""
    return [commit.tree[name] for name in turnmeta.event_names(e.name for e in commit.tree)]


def read_context(commit: pygit2.Commit) -> list[dict[str, Any]] | None:
    """The compacted history a turn commit carries, if it compacted."""
    return read_json(commit, "context.json")["messages"] if "context.json" in commit.tree else None


def read_conversation(commit: pygit2.Commit) -> dict[str, Any]:
    """The `conversation.json` of a turn commit."""
    return read_json(commit, "conversation.json")


def turn_trailers(
    repo: pygit2.Repository, turn: dict[str, Any], usage: dict[str, int], tools: list[str], parent: pygit2.Commit | None
) -> list[tuple[str, str]]:
    """The trailers of a turn commit: number, model, tokens, tools, status, sandbox, and the jump pointer."""
    found = [
        ("Gitagent-Turn", str(turn["turn"])),
        ("Gitagent-Model", turn["model"]),
        ("Gitagent-Tokens", tokens_trailer(usage)),
        ("Gitagent-Tools", ", ".join(tools) or "none"),
        ("Gitagent-Status", turn["status"]),
        ("Gitagent-Sandbox", turn["sandbox"]),
    ]
    if turn.get("cost_usd") is not None:
        found.append(("Gitagent-Cost", f"{turn['cost_usd']:.6f} USD"))
    if parent is not None:
        found.append(("Gitagent-Jump", str(jump_for_child(repo, parent))))
    return found


def jump_for_child(repo: pygit2.Repository, parent: pygit2.Commit) -> pygit2.Oid:
    """The `Gitagent-Jump` of a new turn on top of `parent`: a pointer to an earlier turn.

    Myers' skew-binary jump pointers: each turn points either at its parent or further back, chosen so
    that `turn_at` reaches any earlier turn in O(log n) hops while writing a turn reads only two commits.
    """
    jump = turnmeta.jump_of(_loader(repo), parent)
    further = turnmeta.jump_of(_loader(repo), jump)
    if turn_number(parent) - turn_number(jump) == turn_number(jump) - turn_number(further):
        return further.id
    return parent.id


def turn_at(repo: pygit2.Repository, head: pygit2.Commit, number: int) -> pygit2.Commit:
    """The ancestor of `head` (or `head` itself) that is turn `number`, in O(log n) hops along jumps."""
    return turnmeta.turn_at(_loader(repo), head, number)


def _loader(repo: pygit2.Repository) -> Callable[[Any], pygit2.Commit]:
    return lambda oid: repo[oid].peel(pygit2.Commit)


def executor_tree(commit: pygit2.Commit | None) -> pygit2.Oid | None:
    """The id of the executors' session state a turn commit carries, if any."""
    return commit.tree["executor"].id if commit is not None and "executor" in commit.tree else None


def workspace_tree(commit: pygit2.Commit) -> pygit2.Oid:
    """The id of the worktree snapshot a turn commit holds."""
    return commit.tree["workspace"].id
