"""OpenAIChatModel with the real `openai` SDK against a fake Chat Completions API on 127.0.0.1."""

import pytest

from gitagent.models.base import ModelRequest, ModelResponse, TextDelta, Usage
from gitagent.models.errors import INVALID_TOOL_INPUT, AuthenticationFailed, ContextTooLong, ProviderUnavailable
from gitagent.models.openai import OpenAIChatModel, build_chat_params
from gitagent.models.retry import RetryPolicy
from tests.fakes.openai_server import API_KEY, FakeOpenAI, context_too_long, rate_limited
from tests.fakes.server import Fail, Reply

SYSTEM = "You are gitagent."
SCHEMA = {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}
TOOLS = [{"name": "Read", "description": "Read a file", "input_schema": SCHEMA}]


def prompt(text: str = "fix the bug") -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def collect(model: OpenAIChatModel, messages: list[dict]) -> tuple[list[str], ModelResponse]:
    events = list(model.stream(ModelRequest(system=SYSTEM, messages=messages, tools=TOOLS, max_tokens=1000)))
    assert isinstance(events[-1], ModelResponse)
    assert all(isinstance(e, TextDelta) for e in events[:-1])
    return [e.text for e in events[:-1]], events[-1]


def make(server: FakeOpenAI, policy: RetryPolicy, **kwargs) -> OpenAIChatModel:
    kwargs.setdefault("api_key", API_KEY)
    return OpenAIChatModel("gpt-test", base_url=server.base_url, retry=policy, **kwargs)


def test_multi_step_tool_exchange_sends_system_tools_and_results(openai_server, policy):
    read = {"type": "tool_use", "name": "Read", "input": {"file_path": "a.py"}}
    openai_server.push(
        Reply([{"type": "text", "text": "Reading both."}, read, {**read, "input": {"file_path": "b.py"}}]),
        Reply([{"type": "text", "text": "Both files are fine."}]),
    )
    model = make(openai_server, policy)
    history = [prompt()]
    deltas, first = collect(model, history)
    assert "".join(deltas) == "Reading both." and len(deltas) > 1
    assert first.stop_reason == "tool_use"
    assert [c["input"] for c in first.tool_calls] == [{"file_path": "a.py"}, {"file_path": "b.py"}]

    results = [
        {"type": "tool_result", "tool_use_id": c["id"], "content": f"contents {i}", "is_error": i == 1}
        for i, c in enumerate(first.tool_calls)
    ]
    history += [{"role": "assistant", "content": first.content}, {"role": "user", "content": results}]
    _, second = collect(model, history)
    assert second.text == "Both files are fine." and second.stop_reason == "end_turn"

    one, two = openai_server.bodies
    assert one["messages"][0] == {"role": "system", "content": SYSTEM}
    assert one["messages"][1] == {"role": "user", "content": "fix the bug"}
    assert one["tools"] == [
        {"type": "function", "function": {"name": "Read", "description": "Read a file", "parameters": SCHEMA}}
    ]
    assert one["stream"] is True and one["stream_options"] == {"include_usage": True} and one["max_tokens"] == 1000
    assistant, tool_a, tool_b = two["messages"][2:]
    assert assistant["role"] == "assistant" and assistant["content"] == "Reading both."
    ids = [c["id"] for c in first.tool_calls]
    assert [c["id"] for c in assistant["tool_calls"]] == ids
    assert assistant["tool_calls"][0]["function"] == {"name": "Read", "arguments": '{"file_path": "a.py"}'}
    assert tool_a == {"role": "tool", "tool_call_id": ids[0], "content": "contents 0"}
    assert tool_b == {"role": "tool", "tool_call_id": ids[1], "content": "Error: contents 1"}
    assert openai_server.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"


def test_usage_maps_cached_prompt_tokens(openai_server, policy):
    usage = {"input_tokens": 100, "cache_read_tokens": 900, "output_tokens": 7}
    openai_server.push(Reply([{"type": "text", "text": "hi"}], usage=usage))
    _, response = collect(make(openai_server, policy), [prompt()])
    assert response.usage == Usage(input_tokens=100, output_tokens=7, cache_read_tokens=900)


def test_minimal_compatible_server(policy):
    """No usage details, whole tool calls in one delta, and finish_reason "stop" after a tool call."""
    server = FakeOpenAI(compat=True)
    try:
        server.push(
            Reply([{"type": "tool_use", "name": "Read", "input": {"file_path": "c.py"}}], usage={"input_tokens": 40})
        )
        _, response = collect(make(server, policy), [prompt()])
    finally:
        server.close()
    assert response.stop_reason == "tool_use"
    assert response.tool_calls[0]["input"] == {"file_path": "c.py"} and response.tool_calls[0]["id"]
    assert response.usage == Usage(input_tokens=40, output_tokens=20)


def test_invalid_json_arguments_become_an_error_for_the_model(openai_server, policy):
    openai_server.push(Reply([{"type": "tool_use", "name": "Read", "partial_json": '{"file_path": "a.py",}'}]))
    _, response = collect(make(openai_server, policy), [prompt()])
    [call] = response.tool_calls
    assert response.stop_reason == "tool_use"
    assert "not valid JSON" in call["input"][INVALID_TOOL_INPUT]


def test_length_mid_tool_call_drops_the_partial_call(openai_server, policy):
    cut = {"type": "tool_use", "name": "Read", "partial_json": '{"file_pa'}
    openai_server.push(Reply([{"type": "text", "text": "Let me see."}, cut], stop_reason="max_tokens"))
    _, response = collect(make(openai_server, policy), [prompt()])
    assert response.stop_reason == "max_tokens" and response.tool_calls == []
    assert response.text.startswith("Let me see.") and "output limit" in response.text


def test_length_mid_text_keeps_the_text(openai_server, policy):
    openai_server.push(Reply([{"type": "text", "text": "Half of an ans"}], stop_reason="max_tokens"))
    _, response = collect(make(openai_server, policy), [prompt()])
    assert (response.text, response.stop_reason) == ("Half of an ans", "max_tokens")


def test_rejected_key_is_not_retried_and_not_quoted(openai_server, policy, sleeps):
    wrong = "sk-proj-WRONGkey0123456789abcdefWXYZ"
    with pytest.raises(AuthenticationFailed) as caught:
        collect(make(openai_server, policy, api_key=wrong), [prompt()])
    text = str(caught.value)
    assert "OPENAI_API_KEY" in text and "gitagent auth set openai" in text
    assert "WRONG" not in text and "WXYZ" not in text and API_KEY not in text
    assert len(openai_server.bodies) == 1 and sleeps == []


def test_context_length_exceeded_is_context_too_long(openai_server, policy, sleeps):
    openai_server.push(context_too_long())
    with pytest.raises(ContextTooLong, match="maximum context length"):
        collect(make(openai_server, policy), [prompt()])
    assert sleeps == []


def test_retries_honour_retry_after_ms_and_retry_after(openai_server, policy, sleeps):
    openai_server.push(
        Fail(429, "slow down", headers={"retry-after-ms": "1500", "retry-after": "9"}),
        rate_limited("2"),
        Fail(503, "Service unavailable"),
        Reply([{"type": "text", "text": "ok"}]),
    )
    progress = []
    _, response = collect(make(openai_server, policy, on_retry=lambda *a: progress.append(a)), [prompt()])
    assert response.text == "ok"
    assert sleeps == [1.5, 2.0, 4.0]
    assert [p[2] for p in progress] == ["rate limited (HTTP 429)", "rate limited (HTTP 429)", "server error (HTTP 503)"]


def test_quota_exhausted_is_not_retried(openai_server, policy, sleeps):
    openai_server.push(Fail(429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota"))
    with pytest.raises(ProviderUnavailable, match="quota"):
        collect(make(openai_server, policy), [prompt()])
    assert sleeps == []


@pytest.mark.parametrize("clean_eof", [False, True], ids=["connection-cut", "body-ended-early"])
def test_dropped_stream_is_retried(openai_server, policy, clean_eof):
    content = [{"type": "text", "text": "An answer long enough to be cut in the middle."}]
    openai_server.push(Reply(content, drop_after=3, clean_eof=clean_eof), Reply(content))
    progress = []
    _, response = collect(make(openai_server, policy, on_retry=lambda *a: progress.append(a)), [prompt()])
    assert response.text == content[0]["text"] and len(progress) == 1


def test_error_inside_the_stream_is_retried(openai_server, policy):
    openai_server.push(
        Reply([{"type": "text", "text": "abc"}], drop_after=2, stream_error={"message": "boom", "type": "server_error"})
    )
    progress = []
    _, response = collect(make(openai_server, policy, on_retry=lambda *a: progress.append(a)), [prompt()])
    assert response.text == "done." and progress[0][2] == "stream error: boom"


def test_slow_server_times_out_and_is_retried(openai_server, policy):
    openai_server.push(Reply([{"type": "text", "text": "late"}], delay=1.5))
    progress = []
    _, response = collect(make(openai_server, policy, timeout=0.3, on_retry=lambda *a: progress.append(a)), [prompt()])
    assert response.text == "done." and progress[0][2] == "request timed out"


def test_sdk_environment_variables_keep_working(openai_server, policy, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    _, response = collect(OpenAIChatModel("gpt-test", retry=policy), [prompt()])
    assert response.text == "done."


def test_no_key_on_openai_itself_is_an_authentication_failure(policy):
    with pytest.raises(AuthenticationFailed, match="no OpenAI API key"):
        collect(OpenAIChatModel("gpt-test", retry=policy), [prompt()])


def test_keyless_local_server_is_reached_and_named_in_errors(openai_server, policy):
    with pytest.raises(AuthenticationFailed, match=r"the server at http://127\.0\.0\.1"):
        collect(OpenAIChatModel("llama", base_url=openai_server.base_url, retry=policy), [prompt()])
    assert len(openai_server.bodies) == 1


def test_openai_itself_gets_max_completion_tokens():
    request = ModelRequest(system="", messages=[prompt()], tools=[], max_tokens=500)
    params = build_chat_params("gpt-test", request, 500, official=True)
    assert params["max_completion_tokens"] == 500 and "max_tokens" not in params
    assert "tools" not in params and params["messages"] == [{"role": "user", "content": "fix the bug"}]
