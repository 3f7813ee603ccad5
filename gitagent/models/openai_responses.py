"""OpenAI's Responses API through the `openai` SDK, for OpenAI's own endpoint.

Stateless: every call sends the whole conversation as input items, with `store: false` and no
`previous_response_id`, so history stays in git (provider-neutral) and a conversation can switch providers.
"""

import json
import uuid
from collections.abc import Iterator
from typing import Any

from gitagent.errors import GitagentError
from gitagent.models.base import Block, Message, ModelRequest, ModelResponse, TextDelta, Usage, message_blocks
from gitagent.models.errors import ContextTooLong
from gitagent.models.openai import DEFAULT_MAX_TOKENS, OpenAIBase
from gitagent.models.retry import StreamIncomplete, Transient, classify_status, retry_stream
from gitagent.models.toolcalls import cut_note, finish_tool_call

_RETRYABLE_CODES = ("server_error", "rate_limit_exceeded", "overloaded", "internal_error")


class ResponseFailed(Exception):
    """A `response.failed` or `error` event inside the stream."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class OpenAIResponsesModel(OpenAIBase):
    """A model behind the Responses API; `spec` is `openai:<model>` (the same model as over Chat Completions)."""

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """Stream one answer: TextDelta pieces, then the ModelResponse. Retries transient failures."""
        max_tokens = self.max_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        params = build_responses_params(self.model, request, max_tokens)
        yield from retry_stream(
            lambda: self._attempt(params, max_tokens),
            self._classify,
            provider="openai",
            policy=self.retry,
            on_retry=self.on_retry,
        )

    def _attempt(self, params: dict[str, Any], max_tokens: int) -> Iterator[TextDelta | ModelResponse]:
        with self._client().responses.create(**params) as events:
            yield from parse_responses_stream(events, max_tokens)

    def _classify(self, error: Exception) -> Transient | GitagentError | None:
        if not isinstance(error, ResponseFailed):
            return super()._classify(error)
        if error.code == "context_length_exceeded":
            return ContextTooLong(f"{self.label}: the request is too long: {error.message}", provider="openai")
        if error.code in _RETRYABLE_CODES:
            return Transient(f"stream error: {error.message[:200]}")
        return classify_status(400, error.message, provider="openai", label=self.label, env_var="OPENAI_API_KEY")


def build_responses_params(model: str, request: ModelRequest, max_tokens: int) -> dict[str, Any]:
    """Responses API parameters for `request`: the full input every time, nothing stored server-side."""
    params: dict[str, Any] = {
        "model": model,
        "input": to_input_items(request.messages),
        "stream": True,
        "store": False,
        "max_output_tokens": max_tokens,
    }
    if request.system:
        params["instructions"] = request.system
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "name": t["name"],
                "description": t.get("description", ""),
                "parameters": t["input_schema"],
                "strict": False,
            }
            for t in request.tools
        ]
    return params


def to_input_items(messages: list[Message]) -> list[dict[str, Any]]:
    """Our messages as Responses input items: messages, function_call and function_call_output items."""
    items: list[dict[str, Any]] = []
    for message in messages:
        blocks = message_blocks(message)
        role = message["role"]
        for block in blocks:
            kind = block.get("type")
            if kind == "text" and block.get("text"):
                part = "output_text" if role == "assistant" else "input_text"
                items.append({"role": role, "content": [{"type": part, "text": block["text"]}]})
            elif kind == "tool_use":
                arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
                items.append(
                    {"type": "function_call", "call_id": block["id"], "name": block["name"], "arguments": arguments}
                )
            elif kind == "tool_result":
                output = block.get("content", "")
                if not isinstance(output, str):
                    output = "".join(p.get("text", "") for p in output if isinstance(p, dict))
                output = f"Error: {output}" if block.get("is_error") else output
                items.append({"type": "function_call_output", "call_id": block["tool_use_id"], "output": output})
    return items


def parse_responses_stream(events: Any, max_tokens: int) -> Iterator[TextDelta | ModelResponse]:
    """Turn Responses stream events into TextDeltas and one final ModelResponse."""
    text: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    final: Any = None
    for event in events:
        kind = getattr(event, "type", "")
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            text.append(event.delta)
            yield TextDelta(event.delta)
        elif kind in ("response.output_item.added", "response.output_item.done"):
            item = event.item
            if getattr(item, "type", "") == "function_call":
                slot = calls.setdefault(event.output_index, {"id": "", "name": "", "json": ""})
                slot["id"] = getattr(item, "call_id", None) or slot["id"]
                slot["name"] = getattr(item, "name", None) or slot["name"]
                if kind.endswith("done") or getattr(item, "arguments", None):
                    slot["json"] = getattr(item, "arguments", None) or slot["json"]
        elif kind == "response.function_call_arguments.delta":
            calls.setdefault(event.output_index, {"id": "", "name": "", "json": ""})["json"] += event.delta
        elif kind in ("response.completed", "response.incomplete"):
            final = event.response
        elif kind == "response.failed":
            error = getattr(event.response, "error", None)
            raise ResponseFailed(getattr(error, "code", "") or "failed", getattr(error, "message", "") or "failed")
        elif kind == "error":
            raise ResponseFailed(getattr(event, "code", None) or "error", getattr(event, "message", None) or "error")
    if final is None:
        raise StreamIncomplete("the stream ended before the response was complete")
    yield _response("".join(text), calls, final, max_tokens)


def _response(text: str, calls: dict[int, dict[str, str]], final: Any, max_tokens: int) -> ModelResponse:
    details = getattr(final, "incomplete_details", None)
    reason = getattr(details, "reason", None) if getattr(final, "status", "") == "incomplete" else None
    stop_reason = {"max_output_tokens": "max_tokens", "content_filter": "refusal"}.get(reason or "", "end_turn")
    content: list[Block] = [{"type": "text", "text": text}] if text else []
    last = max(calls) if calls else None
    for index in sorted(calls):
        slot = calls[index]
        call_id = slot["id"] or f"call_{uuid.uuid4().hex[:24]}"
        block = finish_tool_call(call_id, slot["name"], slot["json"], cut=stop_reason == "max_tokens" and index == last)
        content.append(block if block is not None else {"type": "text", "text": cut_note(slot["name"], max_tokens)})
    if stop_reason == "end_turn" and any(b["type"] == "tool_use" for b in content):
        stop_reason = "tool_use"
    return ModelResponse(content, stop_reason, _usage(getattr(final, "usage", None)))


def _usage(data: Any) -> Usage:
    if data is None:
        return Usage()
    details = getattr(data, "input_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details is not None else 0
    total_in = getattr(data, "input_tokens", None) or 0
    return Usage(
        input_tokens=max(0, total_in - cached),
        output_tokens=getattr(data, "output_tokens", None) or 0,
        cache_read_tokens=cached,
    )
