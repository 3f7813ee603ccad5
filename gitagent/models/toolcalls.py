"""Finishing a streamed tool call: parse its JSON arguments, and recover when the answer was cut mid-call."""

import json

from gitagent.models.base import Block
from gitagent.models.errors import INVALID_TOOL_INPUT


def finish_tool_call(call_id: str, name: str, raw: str, *, cut: bool) -> Block | None:
    """The tool_use block for streamed arguments `raw`, or None when `cut` (the output limit hit) left it partial.

    Arguments that are not a JSON object become `{INVALID_TOOL_INPUT: <what went wrong>}` so the call still gets
    a result the model can learn from, instead of crashing the turn.
    """
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as e:
        if cut:
            return None
        value = {INVALID_TOOL_INPUT: f"the arguments were not valid JSON ({e.msg} at position {e.pos}): {raw[:500]}"}
    else:
        if cut and not raw.strip():
            return None
        if not isinstance(value, dict):
            value = {
                INVALID_TOOL_INPUT: f"the arguments must be a JSON object, not {type(value).__name__}: {raw[:500]}"
            }
    return {"type": "tool_use", "id": call_id, "name": name, "input": value}


def cut_note(tool: str, max_tokens: int) -> str:
    """The text that replaces a tool call dropped because the answer hit the output limit."""
    return (
        f"\n[gitagent: the answer reached the output limit ({max_tokens} tokens) in the middle of a call to {tool}; "
        "the incomplete call was dropped. Split the work into smaller steps, e.g. write a large file in parts.]"
    )
