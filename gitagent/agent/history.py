"""Rebuilding the model's view of a conversation from its turn commits."""

import pygit2

from gitagent.agent.record import turn_messages
from gitagent.models.base import Message
from gitagent.store import turns
from gitagent.store.conversations import chain


def conversation_messages(head: pygit2.Commit | None) -> list[Message]:
    """Every message of the conversation up to and including `head`, oldest first."""
    messages: list[Message] = []
    for commit in reversed(chain(head) if head else []):
        turn_messages(turns.read_turn(commit)["events"], messages)
    return messages
