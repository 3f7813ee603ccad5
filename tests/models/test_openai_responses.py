"""OpenAIResponsesModel with the real `openai` SDK against the fake Responses API on 127.0.0.1."""

import pytest

from gitagent.models.base import ModelRequest, ModelResponse, TextDelta, Usage
from gitagent.models.errors import AuthenticationFailed, ContextTooLong
from gitagent.models.openai_responses import OpenAIResponsesModel
from tests.fakes.openai_server import API_KEY, context_too_long
from tests.fakes.server import Reply

SYSTEM = "You are gitagent."
SCHEMA = {"type": "object", "properties": {"file_path": {"type": "string"}}}
TOOLS = [{"name": "Read", "description": "Read a file", "input_schema": SCHEMA}]


def prompt(text: str = "fix the bug") -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def collect(model, messages):
    events = list(model.stream(ModelRequest(system=SYSTEM, messages=messages, tools=TOOLS, max_tokens=800)))
    assert isinstance(events[-1], ModelResponse) and all(isinstance(e, TextDelta) for e in events[:-1])
    return [e.text for e in events[:-1]], events[-1]


def make(server, policy, **kwargs):
    kwargs.setdefault("api_key", API_KEY)
    return OpenAIResponsesModel("gpt-test", base_url=server.base_url, retry=policy, **kwargs)


def test_stateless_multi_step_tool_exchange(openai_server, policy):
    openai_server.push(
        Reply(
            [{"type": "text", "text": "Reading."}, {"type": "tool_use", "name": "Read", "input": {"file_path": "a"}}],
            usage={"input_tokens": 30, "cache_read_tokens": 70, "output_tokens": 9},
        ),
        Reply([{"type": "text", "text": "All good."}]),
    )
    model = make(openai_server, policy)
    deltas, first = collect(model, [prompt()])
    assert "".join(deltas) == "Reading." and len(deltas) > 1
    assert first.stop_reason == "tool_use" and first.tool_calls[0]["input"] == {"file_path": "a"}
    assert first.usage == Usage(input_tokens=30, output_tokens=9, cache_read_tokens=70)
    call = first.tool_calls[0]
    result = {"type": "tool_result", "tool_use_id": call["id"], "content": "text", "is_error": False}
    history = [prompt(), {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
    _, second = collect(model, history)
    assert second.text == "All good." and second.stop_reason == "end_turn"

    one, two = openai_server.bodies
    assert [r.path for r in openai_server.requests] == ["/v1/responses", "/v1/responses"]
    assert one["instructions"] == SYSTEM and one["store"] is False and one["max_output_tokens"] == 800
    assert one["tools"][0] == {
        "type": "function",
        "name": "Read",
        "description": "Read a file",
        "parameters": SCHEMA,
        "strict": False,
    }
    assert "previous_response_id" not in two
    assert two["input"] == [
        {"role": "user", "content": [{"type": "input_text", "text": "fix the bug"}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Reading."}]},
        {"type": "function_call", "call_id": call["id"], "name": "Read", "arguments": '{"file_path": "a"}'},
        {"type": "function_call_output", "call_id": call["id"], "output": "text"},
    ]


def test_incomplete_mid_call_drops_the_partial_call(openai_server, policy):
    cut = {"type": "tool_use", "name": "Read", "partial_json": '{"file_'}
    openai_server.push(Reply([{"type": "text", "text": "Looking."}, cut], stop_reason="max_tokens"))
    _, response = collect(make(openai_server, policy), [prompt()])
    assert response.stop_reason == "max_tokens" and response.tool_calls == []
    assert "output limit (800 tokens)" in response.text


def test_errors_inside_and_outside_the_stream(openai_server, policy, sleeps):
    error = {"code": "server_error", "message": "try again"}
    openai_server.push(
        Reply([{"type": "text", "text": "abc"}], drop_after=2, stream_error=error),
        Reply([{"type": "text", "text": "ok"}]),
    )
    _, response = collect(make(openai_server, policy), [prompt()])
    assert response.text == "ok" and len(sleeps) == 1
    openai_server.push(context_too_long())
    with pytest.raises(ContextTooLong):
        collect(make(openai_server, policy), [prompt()])
    with pytest.raises(AuthenticationFailed):
        collect(make(openai_server, policy, api_key="sk-wrong-key-000000"), [prompt()])
