"""The scripted model: a deterministic model that replays responses from a JSON file.

Format (a public contract, documented in README): `{"responses": [[block, ...], ...]}`, each block
`{"type": "text", "text": "..."}` or `{"type": "tool_use", "name": "Write", "input": {...}}`.
Within a turn, the Nth model call gets response N; past the end of the script the model answers `done.`.
Every turn starts again from the first response. The position is counted from the request (assistant
messages since the user's prompt: a Stop hook's feedback and a typed turn's reminder are not prompts), not
kept in the process, so a resumed turn carries on where it stopped.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitagent.errors import GitagentError
from gitagent.models.base import (
    COMPACTION_SYSTEM,
    FEEDBACK_PREFIXES,
    Block,
    ModelRequest,
    ModelResponse,
    TextDelta,
    Usage,
)

EXHAUSTED_TEXT = "done."


class ScriptedModel:
    """Replays a validated script; see the module docstring for the format."""

    def __init__(self, path: Path, responses: list[list[Block]]) -> None:
        self.spec = f"scripted:{path}"
        self.responses = responses

    @classmethod
    def from_file(cls, path: Path) -> "ScriptedModel":
        """Load and validate a script file, raising GitagentError that says what is wrong and where."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise GitagentError(f"cannot read script {path}: {e.strerror}") from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise GitagentError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
        return cls(path, _validate(data, str(path)))

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """Yield the next scripted response, its text in word-sized deltas."""
        if request.system == COMPACTION_SYSTEM:
            yield _summary(request)
            return
        index = _calls_this_turn(request.messages)
        if index < len(self.responses):
            content = [_with_id(b, index, i) for i, b in enumerate(self.responses[index])]
        else:
            content = [{"type": "text", "text": EXHAUSTED_TEXT}]
        for block in content:
            if block["type"] == "text":
                for piece in re.findall(r"\S+\s*|\s+", block["text"]):
                    yield TextDelta(piece)
        has_tools = any(b["type"] == "tool_use" for b in content)
        yield ModelResponse(
            content=content,
            stop_reason="tool_use" if has_tools else "end_turn",
            usage=Usage(input_tokens=_estimate_tokens(request), output_tokens=_estimate_tokens(content)),
        )


def _summary(request: ModelRequest) -> ModelResponse:
    """A deterministic summary for compaction requests, so compaction is testable offline."""
    transcript = request.messages[0]["content"][0]["text"]
    first = next((line for line in transcript.splitlines() if line.startswith("User: ")), "User: (none)")
    text = f"Scripted summary of {len(transcript.splitlines())} lines. First request: {first[6:][:200]}"
    return ModelResponse([{"type": "text", "text": text}], "end_turn", Usage(_estimate_tokens(request), 20))


def _calls_this_turn(messages: list[dict[str, Any]]) -> int:
    count = 0
    for message in reversed(messages):
        if message["role"] == "assistant":
            count += 1
        elif any(_is_prompt(block) for block in message["content"]):
            break
    return count


def _is_prompt(block: Block) -> bool:
    return block.get("type") == "text" and not block["text"].startswith(FEEDBACK_PREFIXES)


def _with_id(block: Block, response: int, position: int) -> Block:
    if block["type"] != "tool_use":
        return dict(block)
    return {"id": f"toolu_scripted_{response}_{position}", **block}


def _estimate_tokens(value: Any) -> int:
    """About four characters a token: scripted usage is an estimate, so cost views have something real."""
    return max(1, len(json.dumps(value, default=str)) // 4)


def _validate(data: Any, where: str) -> list[list[Block]]:
    if not isinstance(data, dict) or "responses" not in data:
        raise GitagentError(f'{where}: expected an object with a "responses" list')
    responses = data["responses"]
    if not isinstance(responses, list):
        raise GitagentError(f"{where}: responses: expected a list of responses")
    for r, response in enumerate(responses):
        if not isinstance(response, list):
            raise GitagentError(f"{where}: responses[{r}]: expected a list of blocks")
        for b, block in enumerate(response):
            _validate_block(block, f"{where}: responses[{r}][{b}]")
    return responses


def _validate_block(block: Any, where: str) -> None:
    if not isinstance(block, dict):
        raise GitagentError(f"{where}: expected an object")
    kind = block.get("type")
    if kind == "text":
        if not isinstance(block.get("text"), str):
            raise GitagentError(f'{where}: a text block needs a string "text"')
    elif kind == "tool_use":
        if not isinstance(block.get("name"), str) or not block["name"]:
            raise GitagentError(f'{where}: a tool_use block needs a string "name"')
        if not isinstance(block.get("input"), dict):
            raise GitagentError(f'{where}: a tool_use block needs an object "input"')
    else:
        raise GitagentError(f"{where}: unknown block type {kind!r} (expected 'text' or 'tool_use')")
