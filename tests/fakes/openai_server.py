"""A fake OpenAI API: Responses (`POST /v1/responses`, see responses.py) and Chat Completions
(`POST /v1/chat/completions`, streaming `chat.completion.chunk`s with
`tool_calls` deltas by index, a usage-only last chunk under `stream_options.include_usage`, then `data: [DONE]`).

`compat=True` answers like a minimal OpenAI-compatible server (an Ollama or an older vLLM): no usage details, no
`refusal`, each tool call whole in one delta, and `finish_reason: "stop"` even after tool calls.
Errors are `{"error": {"message", "type", "param", "code"}}` with the real status.
"""

import json
from typing import Any

from tests.fakes.responses import responses_events, validate_responses
from tests.fakes.server import Fail, FakeServer, Recorded, Reply, _Handler, pieces

API_KEY = "sk-proj-FAKEKEYdoNotLeak0123456789abcdef"
_FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length", "refusal": "content_filter"}


def rate_limited(retry_after: str = "2") -> Fail:
    """429 with Retry-After, as for a rate limit."""
    return Fail(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", {"retry-after": retry_after})


def context_too_long() -> Fail:
    """The 400 for a request past the context window."""
    message = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens."
    return Fail(400, message, "invalid_request_error", "context_length_exceeded")


class FakeOpenAI(FakeServer):
    """Serves scripted Replies and Fails; `base_url` is what to pass the SDK."""

    def __init__(self, api_key: str = API_KEY, *, compat: bool = False) -> None:
        super().__init__(api_key)
        self.compat = compat

    @property
    def base_url(self) -> str:
        """The SDK's base_url (with /v1)."""
        return f"{self.root}/v1"

    def handle(self, handler: _Handler, request: Recorded) -> None:
        if request.method == "GET" and request.path.startswith("/v1/models"):
            handler.send_json(200, {"object": "list", "data": [{"id": "gpt-fake", "object": "model", "owned_by": "x"}]})
            return
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            given = request.headers.get("authorization", "").removeprefix("Bearer ")
            masked = f"{given[:8]}{'*' * 20}{given[-4:]}"
            fail = Fail(401, f"Incorrect API key provided: {masked}.", "invalid_request_error", "invalid_api_key")
            return _error(handler, fail)
        if request.path not in ("/v1/chat/completions", "/v1/responses"):
            return _error(handler, Fail(404, f"Invalid URL (POST {request.path})", "invalid_request_error"))
        chat = request.path == "/v1/chat/completions"
        problem = validate_chat(request.body) if chat else validate_responses(request.body)
        if problem:
            return _error(handler, Fail(400, problem, "invalid_request_error"))
        step = self.next_step()
        if isinstance(step, Fail):
            return _error(handler, step)
        if not chat:
            error = step.stream_error or {"code": "server_error", "message": "The server had an error"}
            events = responses_events(step, request.body["model"], len(self.bodies))
            return handler.stream(events, step, ("error", {"type": "error", "param": None, **error}))
        usage = bool((request.body.get("stream_options") or {}).get("include_usage"))
        events = chat_events(step, request.body["model"], len(self.bodies), usage=usage, compat=self.compat)
        error = step.stream_error or {"message": "The server had an error", "type": "server_error"}
        handler.stream(events, step, (None, {"error": error}))


def _error(handler: _Handler, fail: Fail) -> None:
    body = {
        "error": {"message": fail.message, "type": fail.error_type or "server_error", "param": None, "code": fail.code}
    }
    handler.send_json(fail.status, body, {"x-request-id": "req_fake", **fail.headers})


def chat_events(reply: Reply, model: str, number: int, *, usage: bool, compat: bool) -> list[tuple[None, Any]]:
    """The SSE data lines of `reply` as Chat Completions chunks, ending with [DONE]."""
    base = {"id": f"chatcmpl-fake{number}", "object": "chat.completion.chunk", "created": 1700000000, "model": model}
    if not compat:
        base["system_fingerprint"] = "fp_fake"
    extra = {"usage": None} if usage and not compat else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return None, {**base, "choices": [choice], **extra}

    first: dict[str, Any] = {"role": "assistant", "content": ""}
    if not compat:
        first["refusal"] = None
    events = [chunk(first)]
    calls = 0
    for block in reply.content:
        if block["type"] == "text":
            events += [chunk({"content": p}) for p in pieces(block["text"])]
            continue
        call_id = f"call_fake{number}x{calls}"
        raw = block["partial_json"] if "partial_json" in block else json.dumps(block["input"])
        head = {"index": calls, "id": call_id, "type": "function", "function": {"name": block["name"]}}
        if compat:
            events.append(chunk({"tool_calls": [{**head, "function": {"name": block["name"], "arguments": raw}}]}))
        else:
            events.append(chunk({"tool_calls": [{**head, "function": {"name": block["name"], "arguments": ""}}]}))
            events += [chunk({"tool_calls": [{"index": calls, "function": {"arguments": p}}]}) for p in pieces(raw, 9)]
        calls += 1
    finish = _FINISH.get(reply.stop(), "stop")
    events.append(chunk({}, "stop" if compat and finish == "tool_calls" else finish))
    if usage:
        events.append((None, {**base, "choices": [], "usage": _usage(reply, compat)}))
    events.append((None, "[DONE]"))
    return events


def _usage(reply: Reply, compat: bool) -> dict[str, Any]:
    cached = reply.tokens("cache_read_tokens")
    prompt = reply.tokens("input_tokens") + cached
    output = reply.tokens("output_tokens")
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}
    if not compat:
        usage["prompt_tokens_details"] = {"cached_tokens": cached, "audio_tokens": 0}
        usage["completion_tokens_details"] = {"reasoning_tokens": 0, "audio_tokens": 0}
    return usage


def validate_chat(body: Any) -> str | None:
    """What the real API would reject in this Chat request (a subset of its checks), or None."""
    for key in ("model", "messages"):
        if key not in body:
            return f"Missing required parameter: '{key}'."
    waiting: list[str] = []
    for n, message in enumerate(body["messages"]):
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in waiting:
                return f"Invalid parameter: messages[{n}] with role 'tool' must be a response to a preceeding message with 'tool_calls'."  # noqa: E501
            waiting.remove(message["tool_call_id"])
            continue
        if waiting:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(waiting)}"
            )
        if role == "assistant" and message.get("tool_calls"):
            waiting = [c["id"] for c in message["tool_calls"]]
            for call in message["tool_calls"]:
                json.loads(call["function"]["arguments"])
        elif message.get("content") is None:
            return f"Invalid value for 'content': expected a string, got null (messages[{n}])."
    return None
