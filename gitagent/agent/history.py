"""Rebuilding the model's view of a conversation from its turn commits."""

import pygit2

from gitagent.agent.record import turn_messages
from gitagent.models.base import Message
from gitagent.store import turns
from gitagent.store.conversations import chain


def conversation_messages(head: pygit2.Commit | None) -> list[Message]:
    """The model's view of the conversation up to and including `head`, oldest first.

    Reading stops at the latest turn that compacted: its `context.json` stands in for everything before it,
    so rebuilding costs the turns since the last compaction, not the whole history.
    """
    since: list[pygit2.Commit] = []
    for commit in chain(head) if head else []:
        since.append(commit)
        if "context.json" in commit.tree:
            break
    messages: list[Message] = []
    for commit in reversed(since):
        messages = turns.read_context(commit) or messages
        turn_messages(turns.read_turn(commit)["events"], messages)
    return messages
