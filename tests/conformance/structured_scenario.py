"""Typed turns, set up the same way for Claude Code (`--json-schema`, recorded) and gitagent
(`--output-schema`): a schema, and scripts that answer in prose, with an invalid answer, and a valid one."""

from typing import Any

PROMPT = "Name the project"
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "files": {"type": "array", "items": {"type": "string"}}},
    "required": ["name", "files"],
}
INVALID = {"name": 7, "files": ["README.md"]}
VALID = {"name": "demo", "files": ["README.md"]}


def call(value: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "tool_use", "name": "StructuredOutput", "input": value}]


SCENARIOS: dict[str, list[list[dict[str, Any]]]] = {
    "corrected": [[{"type": "text", "text": "It is called demo."}], call(INVALID), call(VALID)],
    "exhausted": [call(INVALID)] * 8,
}
"""Each scenario's model responses: a prose answer, then an invalid and a valid call; or invalid calls only."""


def followers(messages: list[dict[str, Any]]) -> str:
    """What a request's last user message is: the prompt, a reminder to call the tool, or a tool result."""
    content = [m for m in messages if m["role"] == "user"][-1]["content"]
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    result = next((b for b in blocks if b.get("type") == "tool_result"), None)
    if result is not None:
        return "tool_error" if result.get("is_error") else "tool_ok"
    text = " ".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    return "prompt" if PROMPT in text else "reminder"
