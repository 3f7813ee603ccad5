"""A fake Anthropic Messages API (`POST /v1/messages`, streaming SSE) that checks requests as the real one does.

Event names and shapes follow the API: message_start, content_block_start / content_block_delta (text_delta,
input_json_delta, thinking_delta, signature_delta) / content_block_stop, ping, message_delta (stop_reason,
cumulative usage), message_stop, and `error` events inside a stream. Errors are `{"type": "error", "error":
{"type", "message"}}` with the real status. Like the API with thinking on, it refuses a tool result whose
assistant message does not start with the thinking blocks it was sent with.
"""

import json
from typing import Any

from tests.fakes.server import Fail, FakeServer, Recorded, Reply, _Handler, pieces

API_KEY = "sk-ant-api03-FAKE-KEY-do-not-leak-0123456789"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


THINKING_TYPES = ("thinking", "redacted_thinking")


def overloaded() -> Fail:
    """529, as the API answers when it is overloaded."""
    return Fail(529, "Overloaded", "overloaded_error")


def rate_limited(retry_after: str = "3") -> Fail:
    """429 with a Retry-After header."""
    return Fail(
        429, "Number of request tokens has exceeded your per-minute rate limit", headers={"retry-after": retry_after}
    )


def prompt_too_long() -> Fail:
    """The 400 the API gives when the prompt does not fit the context window."""
    return Fail(400, "prompt is too long: 215004 tokens > 200000 maximum", "invalid_request_error")


class FakeAnthropic(FakeServer):
    """Serves scripted Replies and Fails; `base_url` is what to pass the SDK."""

    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__(api_key)
        self.thinking: dict[str, list[dict[str, Any]]] = {}
        """The thinking blocks of each answer that called a tool, by the call's id."""

    def unreplayed_thinking(self, messages: list[dict[str, Any]]) -> str | None:
        """The API's complaint when the assistant message whose tool calls the request answers does not
        carry the thinking blocks it was sent with, whole and ahead of its calls (None if it does)."""
        for n, message in enumerate(messages):
            blocks = message["content"] if isinstance(message["content"], list) else []
            if any(b["type"] in THINKING_TYPES and "cache_control" in b for b in blocks):
                return f"messages.{n}: cache_control cannot be set on thinking blocks"
        if len(messages) < 2 or messages[-2]["role"] != "assistant":
            return None
        n = len(messages) - 2
        blocks = messages[n]["content"]
        calls = [b["id"] for b in blocks if b["type"] == "tool_use"]
        expected = self.thinking.get(calls[0], []) if calls else []
        sent = [{k: v for k, v in b.items() if k != "cache_control"} for b in blocks[: len(expected)]]
        if expected and sent != expected:
            return (
                f"messages.{n}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                f"`{blocks[0]['type']}`. When thinking is on, the assistant message answered by tool results must "
                "start with the thinking blocks it was sent with, unmodified"
            )
        return None

    @property
    def base_url(self) -> str:
        """The SDK's base_url (it appends /v1/messages)."""
        return self.root

    def handle(self, handler: _Handler, request: Recorded) -> None:
        if request.method == "GET" and request.path.startswith("/v1/models"):
            handler.send_json(200, {"data": [{"type": "model", "id": "claude-fake", "display_name": "Fake"}]})
            return
        if api_key(request.headers) != self.api_key:
            return _error(handler, Fail(401, "invalid x-api-key", "authentication_error"))
        problem = validate(request.body)
        if problem:
            return _error(handler, Fail(400, problem, "invalid_request_error"))
        problem = self.unreplayed_thinking(request.body["messages"])
        if problem:
            return _error(handler, Fail(400, problem, "invalid_request_error"))
        step = self.next_step()
        if isinstance(step, Fail):
            return _error(handler, step)
        number = len(self.bodies)
        if isinstance(step, Reply):
            thinking = [b for b in step.content if b["type"] in THINKING_TYPES]
            for index, block in enumerate(step.content):
                if block["type"] == "tool_use":
                    self.thinking[f"toolu_fake_{number}_{index}"] = thinking
        events = stream_events(step, request.body["model"], number)
        error = step.stream_error or {"type": "overloaded_error", "message": "Overloaded"}
        handler.stream(events, step, ("error", {"type": "error", "error": error}))


def api_key(headers: dict[str, str]) -> str | None:
    """The key a request carries: `x-api-key`, or a bearer token (what newer SDKs send)."""
    bearer = headers.get("authorization", "")
    return headers.get("x-api-key") or (bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else None)


def _error(handler: _Handler, fail: Fail) -> None:
    kind = fail.error_type or _ERROR_TYPES.get(fail.status, "api_error")
    body = {"type": "error", "error": {"type": kind, "message": fail.message}}
    handler.send_json(fail.status, body, {"request-id": "req_fake", **fail.headers})


def stream_events(reply: Reply, model: str, number: int) -> list[tuple[str, Any]]:
    """The SSE events of `reply`, as the Messages API streams them."""
    usage = {
        "input_tokens": reply.tokens("input_tokens"),
        "cache_creation_input_tokens": reply.tokens("cache_write_tokens"),
        "cache_read_input_tokens": reply.tokens("cache_read_tokens"),
        "output_tokens": 1,
    }
    message = {
        "id": f"msg_fake_{number}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": message})]
    for index, block in enumerate(reply.content):
        events += _block_events(index, block, number)
        if index == 0:
            events.append(("ping", {"type": "ping"}))
    delta = {"stop_reason": reply.stop(), "stop_sequence": None}
    final_usage = {"output_tokens": reply.tokens("output_tokens")}
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _block_events(index: int, block: dict[str, Any], number: int) -> list[tuple[str, Any]]:
    if block["type"] == "text":
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"])]
    elif block["type"] == "thinking":
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"])]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif block["type"] == "redacted_thinking":
        start = {"type": "redacted_thinking", "data": block["data"]}
        deltas = []
    else:
        start = {"type": "tool_use", "id": f"toolu_fake_{number}_{index}", "name": block["name"], "input": {}}
        raw = block["partial_json"] if "partial_json" in block else json.dumps(block["input"])
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces(raw, 9)]
    events: list[tuple[str, Any]] = [
        ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
    ]
    events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def validate(body: Any) -> str | None:
    """What the real API would reject in this request body (a subset of its checks), or None."""
    for key in ("model", "max_tokens", "messages"):
        if key not in body:
            return f"{key}: Field required"
    marks = json.dumps(body).count('"cache_control"')
    if marks > 4:
        return f"A maximum of 4 blocks with cache_control may be provided. Found {marks}."
    messages = body["messages"]
    if not messages or messages[0]["role"] != "user":
        return "messages: first message must use the user role"
    pending: set[str] = set()
    for n, message in enumerate(messages):
        blocks = message["content"] if isinstance(message["content"], list) else [{"type": "text", "text": "x"}]
        if not blocks:
            return f"messages.{n}: all messages must have non-empty content"
        for block in blocks:
            if block["type"] == "text" and not block["text"]:
                return f"messages.{n}: text content blocks must be non-empty"
        results = {b["tool_use_id"] for b in blocks if b["type"] == "tool_result"}
        if results - pending or (pending and pending - results):
            return f"messages.{n}: `tool_use` ids were found without `tool_result` blocks, or the reverse"
        pending = {b["id"] for b in blocks if b["type"] == "tool_use"}
    return None
