"""Anthropic's Messages API through the `anthropic` SDK: streaming, tool use, prompt caching, usage, retries.

Our message schema is already Anthropic-shaped; the edge only strips keys the API does not know, drops empty
text, merges same-role neighbours, and marks the stable prefix for caching. `ANTHROPIC_API_KEY` and
`ANTHROPIC_BASE_URL` keep working: the key and URL are passed to the SDK only when given explicitly.
"""

import re
from collections.abc import Iterable, Iterator
from typing import Any

from gitagent.errors import GitagentError
from gitagent.models import sdkproc
from gitagent.models.base import (
    THINKING_TYPES,
    Block,
    Message,
    ModelRequest,
    ModelResponse,
    TextDelta,
    Usage,
    message_blocks,
    without_earlier_thinking,
)
from gitagent.models.catalog import model_info
from gitagent.models.errors import AuthenticationFailed, auth_hint, redact
from gitagent.models.retry import (
    OnRetry,
    RetryPolicy,
    StreamIncomplete,
    Transient,
    classify_status,
    retry_after_seconds,
    retry_stream,
)
from gitagent.models.sdkproc import SdkError
from gitagent.models.toolcalls import cut_note, finish_tool_call

ENV_KEY = "ANTHROPIC_API_KEY"
CACHE = {"type": "ephemeral"}
CUT_REASONS = ("max_tokens", "model_context_window_exceeded")
_RETRYABLE_TYPES = {"overloaded_error": "overloaded", "api_error": "server error", "rate_limit_error": "rate limited"}
_BAD_ID = re.compile(r"[^A-Za-z0-9_-]")


class AnthropicModel:
    """A Claude model; `spec` is `anthropic:<model>`."""

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
        self.spec = f"anthropic:{model}"
        self.model = model
        self.on_retry = on_retry
        self.max_tokens = max_tokens
        self.retry = retry or RetryPolicy()
        self._api_key = api_key
        options: dict[str, Any] = {"max_retries": 0, "timeout": timeout}
        if api_key is not None:
            options["api_key"] = api_key
        if base_url is not None:
            options["base_url"] = base_url
        self._options = options
        sdkproc.prepare(options)  # the SDK loads in its own process meanwhile (see sdkproc)

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        """Stream one answer: TextDelta pieces, then the ModelResponse. Retries transient failures."""
        params = build_params(self.model, request, self._output_budget(request))
        yield from retry_stream(
            lambda: self._attempt(params),
            self._classify,
            provider="anthropic",
            policy=self.retry,
            on_retry=self.on_retry,
        )

    def _output_budget(self, request: ModelRequest) -> int:
        """The `max_tokens` to send: the user's, else the larger of the request's and the catalogue's (a
        thinking model spends part of it thinking, so its answers need more room than 8k)."""
        info = model_info(self.spec)
        return self.max_tokens or max(request.max_tokens, info.max_tokens if info else 0)

    def _attempt(self, params: dict[str, Any]) -> Iterator[TextDelta | ModelResponse]:
        yield from parse_stream(sdkproc.stream(self._options, params), params["max_tokens"])

    def _classify(self, error: Exception) -> Transient | GitagentError | None:
        if isinstance(error, StreamIncomplete):
            return Transient(str(error))
        if not isinstance(error, SdkError):
            return None
        info = error.info
        if info["kind"] == "timeout":
            return Transient("request timed out")
        if info["kind"] == "connection":
            return Transient(f"connection failed ({info['name']})")
        if info["kind"] == "credentials":
            return AuthenticationFailed(
                "no Anthropic API key found", auth_hint(ENV_KEY, "anthropic"), provider="anthropic"
            )
        if info["kind"] != "status":
            return None
        kind, message = _error_fields(info["body"])
        message = redact(message or info["message"], self._api_key)
        if info["status"] < 400:  # an `error` event inside a stream that had started well
            if kind in _RETRYABLE_TYPES:
                return Transient(f"{_RETRYABLE_TYPES[kind]} (stream error)")
            return classify_status(400, message, **self._labels())
        too_long = info["status"] == 400 and "prompt is too long" in message.lower()
        retry_after = retry_after_seconds(info["headers"], self.retry.now)
        return classify_status(
            info["status"], message, retry_after=retry_after, context_too_long=too_long, **self._labels()
        )

    def _labels(self) -> dict[str, str]:
        return {"provider": "anthropic", "label": "Anthropic", "env_var": ENV_KEY}


def build_params(model: str, request: ModelRequest, max_tokens: int) -> dict[str, Any]:
    """The Messages API parameters for `request`, with cache breakpoints on the stable prefix."""
    params: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": to_anthropic(request.messages)}
    if request.system:
        params["system"] = [{"type": "text", "text": request.system, "cache_control": CACHE}]
    if request.tools:
        tools = [{k: t[k] for k in ("name", "description", "input_schema") if k in t} for t in request.tools]
        tools[-1]["cache_control"] = CACHE
        params["tools"] = tools
    _mark_conversation(params["messages"])
    return params


def to_anthropic(messages: list[Message]) -> list[Message]:
    """Our messages as the API accepts them: known keys only, no empty text, same-role neighbours merged,
    thinking only from the last prompt's tool-use cycle (`without_earlier_thinking`)."""
    out: list[Message] = []
    for message in without_earlier_thinking(messages):
        content = [b for b in (_clean_block(b) for b in message_blocks(message)) if b is not None]
        if not content:
            continue
        if out and out[-1]["role"] == message["role"]:
            out[-1]["content"].extend(content)
        else:
            out.append({"role": message["role"], "content": content})
    return out


def _clean_block(block: Block) -> Block | None:
    kind = block.get("type")
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.get("thinking", ""), "signature": block.get("signature", "")}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.get("data", "")}
    if kind == "text":
        return {"type": "text", "text": block["text"]} if block.get("text") else None
    if kind == "tool_use":
        return {
            "type": "tool_use",
            "id": _safe_id(block["id"]),
            "name": block["name"],
            "input": block.get("input") or {},
        }
    if kind == "tool_result":
        content = block.get("content", "")
        if not isinstance(content, str):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        result = {"type": "tool_result", "tool_use_id": _safe_id(block["tool_use_id"]), "content": content}
        if block.get("is_error"):
            result["is_error"] = True
        return result
    return None


def _safe_id(value: str) -> str:
    # Ids written by other providers may hold characters Anthropic's id pattern rejects.
    return _BAD_ID.sub("_", value) or "toolu_missing"


def _mark_conversation(messages: list[Message]) -> None:
    """Breakpoints on the last block so far, and where the previous step put its last one (a sure cache hit)."""
    if not messages:
        return
    messages[-1]["content"][-1]["cache_control"] = CACHE
    earlier_users = [m for m in messages[:-1] if m["role"] == "user"]
    if messages[-1]["role"] == "user" and earlier_users:
        earlier_users[-1]["content"][-1]["cache_control"] = CACHE


def parse_stream(events: Iterable[dict[str, Any]], max_tokens: int) -> Iterator[TextDelta | ModelResponse]:
    """Turn Messages stream events (as dictionaries) into TextDeltas and one final ModelResponse."""
    blocks: dict[int, dict[str, Any]] = {}
    usage = Usage()
    stop_reason: str | None = None
    finished = False
    for event in events:
        kind = event["type"]
        if kind == "message_start":
            _read_usage(usage, event["message"].get("usage"))
        elif kind == "content_block_start":
            block = _start_block(event["content_block"])
            if block is not None:
                blocks[event["index"]] = block
        elif kind == "content_block_delta" and event["index"] in blocks:
            delta = event["delta"]
            block = blocks[event["index"]]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
                yield TextDelta(delta["text"])
            elif delta["type"] == "input_json_delta":
                block["json"] += delta["partial_json"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
        elif kind == "message_delta":
            stop_reason = event["delta"].get("stop_reason") or stop_reason
            _read_usage(usage, event.get("usage"))
        elif kind == "message_stop":
            finished = True
    if not finished:
        raise StreamIncomplete("the stream ended before the message was complete")
    stop_reason = stop_reason or "end_turn"
    yield ModelResponse(_finish(blocks, stop_reason, max_tokens), stop_reason, usage)


def _start_block(block: dict[str, Any]) -> dict[str, Any] | None:
    if block["type"] == "text":
        return {"type": "text", "text": block.get("text") or ""}
    if block["type"] == "tool_use":
        return {"type": "tool_use", "id": block["id"], "name": block["name"], "json": ""}
    if block["type"] == "thinking":
        return {"type": "thinking", "thinking": block.get("thinking") or "", "signature": block.get("signature") or ""}
    if block["type"] == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block["data"]}
    return None


def _finish(blocks: dict[int, dict[str, Any]], stop_reason: str, max_tokens: int) -> list[Block]:
    content: list[Block] = []
    ordered = [blocks[i] for i in sorted(blocks)]
    for position, block in enumerate(ordered):
        if block["type"] in THINKING_TYPES:
            content.append(block)  # kept whole: the next request of this tool-use cycle sends it back as it is
            continue
        if block["type"] == "text":
            if block["text"]:
                content.append(block)
            continue
        cut = stop_reason in CUT_REASONS and position == len(ordered) - 1
        call = finish_tool_call(block["id"], block["name"], block["json"], cut=cut)
        if call is None:
            content.append({"type": "text", "text": cut_note(block["name"], max_tokens)})
        else:
            content.append(call)
    return content


def _read_usage(usage: Usage, data: dict[str, Any] | None) -> None:
    # message_delta counts are cumulative, so a later value replaces an earlier one.
    if not data:
        return
    for ours, theirs in (
        ("input_tokens", "input_tokens"),
        ("output_tokens", "output_tokens"),
        ("cache_read_tokens", "cache_read_input_tokens"),
        ("cache_write_tokens", "cache_creation_input_tokens"),
    ):
        value = data.get(theirs)
        if value is not None:
            setattr(usage, ours, value)


def _error_fields(body: object) -> tuple[str, str]:
    """(error.type, error.message) from an Anthropic error body, or empty strings."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("type") or ""), str(error.get("message") or "")
    return "", ""
