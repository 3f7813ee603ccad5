"""What an outside executor is told that its own session does not hold: the turns other executors ran, and
the part of an interrupted turn it is asked to finish. Given as plain text ahead of the user's message: gitagent
does not forge entries in Claude Code's or Codex's session files, whose format is theirs and changes between
versions."""

import json
from typing import Any

import pygit2

from gitagent.agent.record import turn_messages, user_blocks
from gitagent.models.base import Message, message_blocks
from gitagent.store import turns
from gitagent.store.conversations import chain

RESULT_CHARS = 2000
"""Characters of each tool result the handover keeps (its head and tail)."""


def turns_since(head: pygit2.Commit | None, after: int) -> list[Message]:
    """The model messages of the turns after turn number `after`, up to `head`, oldest first."""
    commits = []
    for commit in chain(head) if head else []:
        if turns.turn_number(commit) <= after:
            break
        commits.append(commit)
    messages: list[Message] = []
    for commit in reversed(commits):
        turn_messages(turns.read_turn(commit)["events"], messages)
    return messages


def opening_prompt(
    head: pygit2.Commit | None, joined_after: int | None, events: list[dict[str, Any]], resumed: bool
) -> str:
    """The prompt an executor is started with for a turn whose record holds `events`.

    `joined_after`: the last turn the executor's own session holds (None: it has none). The turns after it are
    told as a transcript; for a `resumed` turn, so is what it did before it was interrupted.
    """
    parts = []
    earlier = turns_since(head, joined_after or 0)
    if earlier:
        who = "before you joined it" if joined_after is None else "while another agent ran it"
        parts.append(
            f"[gitagent] Earlier turns of this conversation ran {who}. The dialogue so far, for your context "
            f"(the files already hold its changes):\n\n{transcript(earlier)}\n\n[gitagent] The user's message:"
        )
    user = next((e for e in events if e["type"] == "user"), None)
    prompt = "\n\n".join(block["text"] for block in user_blocks(user)) if user else ""
    if resumed:
        done = turn_messages([e for e in events if e["type"] != "user"])
        errors = "; ".join(e["message"] for e in events if e["type"] == "error") or "stopped"
        what = transcript(done) if done else "(nothing was recorded)"
        parts.append(
            f"[gitagent] This turn was interrupted ({errors}) and is being resumed. What was done of it (the files "
            f"hold its changes; a command that was cut off may have run partly):\n\n{what}\n\n"
            "[gitagent] Finish the user's request:"
        )
    parts.append(prompt)
    return "\n\n".join(parts)


def transcript(messages: list[Message]) -> str:
    """Messages as plain text: who said what, each tool call with its input and (cut) result."""
    lines = []
    for message in messages:
        for block in message_blocks(message):
            lines.append(_block_text(message["role"], block))
    return "\n".join(line for line in lines if line)


def _block_text(role: str, block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "text":
        return f"{'User' if role == 'user' else 'Assistant'}: {block['text']}"
    if kind == "tool_use":
        return f"Assistant called {block['name']}: {json.dumps(block.get('input'), ensure_ascii=False)}"
    if kind == "tool_result":
        content = block.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        if len(text) > RESULT_CHARS:
            half = RESULT_CHARS // 2
            text = f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"
        return f"Tool result{' (error)' if block.get('is_error') else ''}: {text}"
    return ""
