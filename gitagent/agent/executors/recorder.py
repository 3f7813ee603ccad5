"""Turning an outside executor's stream into the turn's record and live events, the way the built-in loop fills
them: each model response an `assistant` event (saved before its tool calls run), each tool call's result a
`tool_result` event, the run's totals an `executor_result` event. Every text is stripped of the secrets the
executor was given before it is recorded or shown."""

import time
from collections.abc import Callable
from typing import Any

from gitagent.agent.events import AssistantMessage, EventSink, ToolFinished, ToolStarted
from gitagent.agent.record import TurnRecord
from gitagent.models.base import Block, ModelResponse, TextDelta, Usage
from gitagent.tools.base import ToolResult

REDACTED = "[redacted by gitagent]"


def redact(value: Any, secrets: list[str]) -> Any:
    """`value` (text, or JSON-like data) with every secret in `secrets` replaced."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, secrets) for key, item in value.items()}
    return value


class Recorder:
    """Adds one executor run's responses and tool calls to `record`, emitting and saving as it goes."""

    def __init__(
        self, executor: str, record: TurnRecord, emit: EventSink, save: Callable[[], None], secrets: list[str]
    ) -> None:
        self.executor = executor
        self.record = record
        self.emit = emit
        self.save = save
        self.secrets = secrets
        self.model = record.data["model"]
        self.calls: dict[str, tuple[Block, float]] = {}
        self.usage = Usage()
        self.result: dict[str, Any] | None = None
        self.started = self.last = time.monotonic()

    def set_model(self, spec: str) -> None:
        """The model the executor says it runs: recorded for the turn and its later responses."""
        self.model = spec
        self.record.data["model"] = spec

    def assistant(self, content: list[Block], usage: Usage | None = None) -> None:
        """One model response (or the part of one the stream gave at once)."""
        content = redact(content, self.secrets)
        for block in content:
            if block.get("type") == "text" and block["text"]:
                self.emit(TextDelta(block["text"]))
        calls = [b for b in content if b.get("type") == "tool_use"]
        response = ModelResponse(content, "tool_use" if calls else "end_turn", usage or Usage())
        now = time.monotonic()
        self.record.add_assistant(response, self.model, int((now - self.last) * 1000), by=self.executor)
        self.last = now
        self.usage.add(response.usage)
        self.emit(AssistantMessage(self.record.steps, response))
        self.save()
        for call in calls:
            self.calls[call["id"]] = (call, now)
            self.emit(ToolStarted(call))

    def tool_result(self, call_id: str, output: str, is_error: bool) -> None:
        """What tool call `call_id` returned."""
        now = time.monotonic()
        call, started = self.calls.pop(call_id, ({"id": call_id, "name": "unknown", "input": {}}, now))
        result = ToolResult(redact(output, self.secrets), is_error)
        duration_ms = int((now - started) * 1000)
        self.record.add_tool_result(call, result, duration_ms)
        self.last = now
        self.emit(ToolFinished(call, result, duration_ms))
        self.save()

    def pending(self, call_id: str) -> bool:
        """Whether `call_id` was recorded as called and has no result yet."""
        return call_id in self.calls

    def finish(self, session_id: str, *, is_error: bool, subtype: str, usage: Usage, cost_usd: float | None) -> None:
        """The run's end as the executor reported it; tokens its stream did not assign to a response count too."""
        unattributed = Usage(
            max(0, usage.input_tokens - self.usage.input_tokens),
            max(0, usage.output_tokens - self.usage.output_tokens),
            max(0, usage.cache_read_tokens - self.usage.cache_read_tokens),
            max(0, usage.cache_write_tokens - self.usage.cache_write_tokens),
        )
        self.record.add_executor_result({
            "executor": self.executor, "model": self.model, "session_id": session_id, "is_error": is_error,
            "subtype": subtype, "usage": usage.to_json(), "unattributed_usage": unattributed.to_json(),
            "cost_usd": cost_usd, "duration_ms": int((time.monotonic() - self.started) * 1000),
        })  # fmt: skip
        self.result = self.record.events[-1]
        self.save()

    def exited(self) -> None:
        """The program has exited: its run lasted until then (it may still write its session after its result)."""
        if self.result is not None:
            self.result["duration_ms"] = int((time.monotonic() - self.started) * 1000)
