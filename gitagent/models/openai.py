"""OpenAI Chat Completions through the `openai` SDK — what OpenAI and every compatible server speak.

Works against OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter) via `base_url`, so
it relies only on fields every server sends. `OPENAI_API_KEY` and `OPENAI_BASE_URL` keep working: the key and URL
are passed to the SDK only when given explicitly.
"""

import json
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import openai

from gitagent.errors import GitagentError
from gitagent.models.base import Block, Message, ModelRequest, ModelResponse, TextDelta, Usage, message_blocks
from gitagent.models.errors import AuthenticationFailed, ContextTooLong, ProviderUnavailable, auth_hint, redact
from gitagent.models.retry import (
    OnRetry,
    RetryPolicy,
    StreamIncomplete,
    Transient,
    classify_status,
    is_transport_error,
    retry_after_seconds,
    retry_stream,
)
from gitagent.models.toolcalls import cut_note, finish_tool_call

ENV_KEY = "OPENAI_API_KEY"
DEFAULT_MAX_TOKENS = 8192
_CONTEXT_WORDS = re.compile(
    r"context[ _]length|context window|maximum context|too many tokens|prompt is too long|input is too long", re.I
)
_FINISH = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


class OpenAIBase:
    """What the Chat Completions and Responses models share: construction, the client, error classification."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        on_retry: OnRetry | None = None,
        max_tokens: int | None = None,
        timeout: float = 300.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.spec = f"openai:{model}"
        self.model = model
        self.on_retry = on_retry
        self.max_tokens = max_tokens
        self.retry = retry or RetryPolicy()
        self._api_key = api_key
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.official = self.base_url is None or "api.openai.com" in self.base_url
        self.label = "OpenAI" if self.official else f"the server at {self.base_url}"
        options: dict[str, Any] = {"max_retries": 0, "timeout": timeout}
        if api_key is not None:
            options["api_key"] = api_key
        elif not os.environ.get(ENV_KEY) and not self.official:
            # Local servers (Ollama, vLLM, LM Studio) need no key, but the SDK refuses to start without one.
            options["api_key"] = "no-key-needed"
        if base_url is not None:
            options["base_url"] = base_url
        self._options = options
        self._sdk: openai.OpenAI | None = None

    def _client(self) -> openai.OpenAI:
        if self._sdk is None:
            try:
                self._sdk = openai.OpenAI(**self._options)
            except openai.OpenAIError as e:
                raise AuthenticationFailed(
                    "no OpenAI API key found", auth_hint(ENV_KEY, "openai"), provider="openai"
                ) from e
        return self._sdk

    def _classify(self, error: Exception) -> Transient | GitagentError | None:
        if isinstance(error, StreamIncomplete):
            return Transient(str(error))
        if isinstance(error, openai.APITimeoutError):
            return Transient("request timed out")
        if isinstance(error, openai.APIConnectionError) or is_transport_error(error):
            return Transient(f"connection failed ({type(error).__name__})")
        if not isinstance(error, openai.APIError):
            return None
        message = redact(_error_message(error), self._api_key)
        code = error.code or ""
        labels = {"provider": "openai", "label": self.label, "env_var": ENV_KEY}
        if not isinstance(error, openai.APIStatusError):  # an error sent inside a stream that had started well
            if code == "context_length_exceeded" or _CONTEXT_WORDS.search(message):
                return ContextTooLong(f"{self.label}: the request is too long: {message}", provider="openai")
            if error.type == "invalid_request_error":
                return classify_status(400, message, **labels)
            return Transient(f"stream error: {message[:200]}")
        if code == "insufficient_quota":
            return ProviderUnavailable(
                f"{self.label}: quota exceeded: {message}", "Check the account's plan and billing.", provider="openai"
            )
        status = error.status_code
        too_long = code == "context_length_exceeded" or (
            status in (400, 413, 422) and bool(_CONTEXT_WORDS.search(message))
        )
        retry_after = retry_after_seconds(error.response.headers, self.retry.now)
        return classify_status(status, message, retry_after=retry_after, context_too_long=too_long, **labels)


class OpenAIChatModel(OpenAIBase):
    """A model behind the Chat Completions API; `spec` is `openai:<model>`."""

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """Stream one answer: TextDelta pieces, then the ModelResponse. Retries transient failures."""
        max_tokens = self.max_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        params = build_chat_params(self.model, request, max_tokens, official=self.official)
        yield from retry_stream(
            lambda: self._attempt(params, max_tokens),
            self._classify,
            provider="openai",
            policy=self.retry,
            on_retry=self.on_retry,
        )

    def _attempt(self, params: dict[str, Any], max_tokens: int) -> Iterator[TextDelta | ModelResponse]:
        with self._client().chat.completions.create(**params) as chunks:
            yield from parse_chat_stream(chunks, max_tokens)


def build_chat_params(model: str, request: ModelRequest, max_tokens: int, *, official: bool) -> dict[str, Any]:
    """Chat Completions parameters for `request` (streaming, with usage in the last chunk)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}] if request.system else []
    messages += to_chat(request.messages)
    params: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        # OpenAI's reasoning models reject `max_tokens`; compatible servers do not all know the newer name.
        ("max_completion_tokens" if official else "max_tokens"): max_tokens,
    }
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t["name"],
                    "description": t.get("description", ""),
                    "parameters": t["input_schema"],
                },
            }
            for t in request.tools
        ]
    return params


def to_chat(messages: list[Message]) -> list[dict[str, Any]]:
    """Our Anthropic-shaped messages as Chat messages: tool_use -> assistant tool_calls, tool_result -> role tool."""
    out: list[dict[str, Any]] = []
    for message in messages:
        blocks = message_blocks(message)
        text = "\n\n".join(b["text"] for b in blocks if b.get("type") == "text" and b.get("text"))
        if message["role"] == "assistant":
            calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
            if calls:
                out.append({"role": "assistant", "content": text or None, "tool_calls": calls})
            elif text:
                out.append({"role": "assistant", "content": text})
            continue
        # Tool results first: they must directly follow the assistant message that made the calls.
        for block in blocks:
            if block.get("type") == "tool_result":
                out.append({"role": "tool", "tool_call_id": block["tool_use_id"], "content": _result_text(block)})
        if text:
            out.append({"role": "user", "content": text})
    return out


def _tool_call(block: Block) -> dict[str, Any]:
    arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
    return {"id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": arguments}}


def _result_text(block: Block) -> str:
    content = block.get("content", "")
    if not isinstance(content, str):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    # Chat has no is_error flag; say it in the text so the model still knows the call failed.
    return f"Error: {content}" if block.get("is_error") else content


def parse_chat_stream(chunks: Any, max_tokens: int) -> Iterator[TextDelta | ModelResponse]:
    """Turn Chat Completion chunks into TextDeltas and one final ModelResponse."""
    text: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    usage = Usage()
    finish: str | None = None
    for chunk in chunks:
        if getattr(chunk, "usage", None) is not None:
            _read_usage(usage, chunk.usage)
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) not in (0, None):
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                piece = getattr(delta, "content", None) or getattr(delta, "refusal", None)
                if piece:
                    text.append(piece)
                    yield TextDelta(piece)
                for call in getattr(delta, "tool_calls", None) or []:
                    _add_call_delta(calls, call)
            finish = getattr(choice, "finish_reason", None) or finish
    if finish is None:
        raise StreamIncomplete("the stream ended before the answer was complete")
    yield _response("".join(text), calls, finish, usage, max_tokens)


def _add_call_delta(calls: dict[int, dict[str, str]], delta: Any) -> None:
    index = getattr(delta, "index", None)
    index = len(calls) if index is None else index
    call_id = getattr(delta, "id", None)
    slot = calls.get(index)
    if slot is not None and call_id and slot["id"] and call_id != slot["id"]:
        # Some servers send every call with index 0; a new id means a new call.
        index = max(calls) + 1
        slot = None
    if slot is None:
        slot = calls[index] = {"id": "", "name": "", "json": ""}
    if call_id:
        slot["id"] = call_id
    function = getattr(delta, "function", None)
    if function is not None:
        if getattr(function, "name", None) and not slot["name"]:
            slot["name"] = function.name
        slot["json"] += getattr(function, "arguments", None) or ""


def _response(text: str, calls: dict[int, dict[str, str]], finish: str, usage: Usage, max_tokens: int) -> ModelResponse:
    content: list[Block] = [{"type": "text", "text": text}] if text else []
    stop_reason = _FINISH.get(finish, finish)
    last = max(calls) if calls else None
    for index in sorted(calls):
        slot = calls[index]
        call_id = slot["id"] or f"call_{uuid.uuid4().hex[:24]}"
        block = finish_tool_call(call_id, slot["name"], slot["json"], cut=stop_reason == "max_tokens" and index == last)
        content.append(block if block is not None else {"type": "text", "text": cut_note(slot["name"], max_tokens)})
    if stop_reason == "end_turn" and any(b["type"] == "tool_use" for b in content):
        stop_reason = "tool_use"  # some servers say "stop" after tool calls
    return ModelResponse(content, stop_reason, usage)


def _read_usage(usage: Usage, data: Any) -> None:
    prompt = getattr(data, "prompt_tokens", None) or 0
    details = getattr(data, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details is not None else 0
    # Our input_tokens exclude cache reads, as Anthropic counts them.
    usage.input_tokens = max(0, prompt - cached)
    usage.cache_read_tokens = cached
    usage.output_tokens = getattr(data, "completion_tokens", None) or 0


def _error_message(error: openai.APIError) -> str:
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return error.message
