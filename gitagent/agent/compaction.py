"""Context compaction: when the next request would pass a share of the model's context window, the older
history is summarised by the model into a short context that replaces it for the rest of the conversation.

This module is the whole policy (swap it to change how gitagent compacts). The summary is stored in the
turn's commit as `context.json`; the full history stays in git untouched, so `gitagent show` and `git log`
still tell every turn as it happened.
"""

import json
from dataclasses import dataclass
from typing import Any

from gitagent.models.base import (
    COMPACTION_SYSTEM,
    Message,
    Model,
    ModelRequest,
    ModelResponse,
    without_earlier_thinking,
)
from gitagent.models.catalog import context_window

DEFAULT_SHARE = 0.8
RESULT_CHARS = 2000
SUMMARY_PREFIX = "Summary of the earlier conversation (compacted by gitagent; the full history is in git):\n\n"


@dataclass(frozen=True)
class Compactor:
    """Compacts when a request would pass `share` of the model's context window."""

    share: float = DEFAULT_SHARE

    def needed(self, model: Model, system: str, tools: list[dict[str, Any]], messages: list[Message]) -> bool:
        """Whether a request of this size is too close to the model's context window."""
        return estimate_tokens(system, tools, messages) > self.share * context_window(model.spec)

    def compact(self, model: Model, history: list[Message]) -> list[Message]:
        """A short replacement for `history`: the model's summary of it, as one user message."""
        return summarize(model, history)


def estimate_tokens(system: str, tools: list[dict[str, Any]], messages: list[Message]) -> int:
    """About four characters a token, over everything a request sends (earlier prompts' thinking is not)."""
    sent = without_earlier_thinking(messages)
    return (len(system) + len(json.dumps(tools)) + len(json.dumps(sent))) // 4


def summarize(model: Model, history: list[Message]) -> list[Message]:
    """Ask `model` to summarise `history`; return the messages that stand in for it."""
    request = ModelRequest(
        system=COMPACTION_SYSTEM,
        messages=[{"role": "user", "content": [{"type": "text", "text": transcript(history)}]}],
        tools=[],
    )
    response = next(event for event in model.stream(request) if isinstance(event, ModelResponse))
    return [{"role": "user", "content": [{"type": "text", "text": SUMMARY_PREFIX + response.text.strip()}]}]


def transcript(messages: list[Message]) -> str:
    """The conversation as plain text for the summariser, long tool results cut."""
    lines = []
    for message in messages:
        for block in message["content"]:
            kind = block.get("type")
            if kind == "text":
                lines.append(f"{message['role'].title()}: {block['text']}")
            elif kind == "tool_use":
                lines.append(f"Tool call {block['name']}: {json.dumps(block['input'], ensure_ascii=False)[:500]}")
            elif kind == "tool_result":
                content = str(block.get("content", ""))
                cut = f" [… {len(content) - RESULT_CHARS} characters cut]" if len(content) > RESULT_CHARS else ""
                lines.append(f"Tool result: {content[:RESULT_CHARS]}{cut}")
    return "\n".join(lines)
