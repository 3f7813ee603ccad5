"""The scripted model: a deterministic model that replays responses from a JSON file.

Format (a public contract, documented in README): `{"responses": [[block, ...], ...]}`, each block
`{"type": "text", "text": "..."}` or `{"type": "tool_use", "name": "Write", "input": {...}}`.
Within a turn, the Nth model call gets response N; past the end of the script the model answers `done.`.
Every turn starts again from the first response. An optional `"agents"` object names the scripts of the
subagents a scripted conversation starts (`agent_script`). The position is counted from the request (assistant
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
        except UnicodeDecodeError as e:
            raise GitagentError(
                f"{path}: byte {e.start} is not UTF-8 (0x{e.object[e.start]:02x})", "save the script as UTF-8"
            ) from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise GitagentError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
        except RecursionError as e:
            raise GitagentError(
                f"{path}: JSON nested too deeply to read", 'a script is {"responses": [[block, ...], ...]}'
            ) from e
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


def agent_script(spec: str, agent_type: str, prompt: str) -> str | None:
    """The script a subagent of a scripted conversation runs, from the parent script's `"agents"` object.

    `{"responses": [...], "agents": {"explore": "explore.json", "count the files": "counter.json"}}`: a key
    equal to the agent's type (its definition's name, or `fork`) wins, else the first key found in the child's
    prompt; the value is a script path relative to the parent script's folder. None: no entry applies, the
    child runs the parent's script (from its first response).
    """
    path = Path(spec.removeprefix("scripted:"))
    try:
        mapping = json.loads(path.read_text(encoding="utf-8")).get("agents") or {}
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(mapping, dict):
        return None
    chosen = mapping.get(agent_type)
    if chosen is None:
        chosen = next((v for k, v in mapping.items() if k.lower() in prompt.lower()), None)
    return f"scripted:{path.parent / chosen}" if isinstance(chosen, str) else None
