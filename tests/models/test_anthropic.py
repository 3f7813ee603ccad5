"""AnthropicModel with the real `anthropic` SDK against a fake Messages API on 127.0.0.1."""

import pytest

from gitagent.models.anthropic import AnthropicModel
from gitagent.models.base import ModelRequest, ModelResponse, TextDelta, Usage
from gitagent.models.errors import AuthenticationFailed, BadRequest, ContextTooLong, ProviderUnavailable
from gitagent.models.retry import RetryPolicy
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic, api_key, overloaded, prompt_too_long, rate_limited
from tests.fakes.server import Fail, Reply

SYSTEM = "You are gitagent."
TOOLS = [
    {"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {}}},
    {"name": "Write", "description": "Write a file", "input_schema": {"type": "object", "properties": {}}},
]
CACHE = {"type": "ephemeral"}


def prompt(text: str = "fix the bug") -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def collect(model: AnthropicModel, messages: list[dict]) -> tuple[list[str], ModelResponse]:
    events = list(model.stream(ModelRequest(system=SYSTEM, messages=messages, tools=TOOLS, max_tokens=1000)))
    assert isinstance(events[-1], ModelResponse)
    assert all(isinstance(e, TextDelta) for e in events[:-1])
    return [e.text for e in events[:-1]], events[-1]


def make(server: FakeAnthropic, policy: RetryPolicy, **kwargs) -> AnthropicModel:
    kwargs.setdefault("api_key", API_KEY)
    return AnthropicModel("claude-test", base_url=server.base_url, retry=policy, **kwargs)


def test_multi_step_tool_exchange_sends_system_tools_and_results(anthropic_server, policy):
    anthropic_server.push(
        Reply(
            [
                {"type": "text", "text": "Let me read it."},
                {"type": "tool_use", "name": "Read", "input": {"file_path": "a.py"}},
            ]
        ),
        Reply([{"type": "text", "text": "Fixed the off-by-one in a.py."}]),
    )
    model = make(anthropic_server, policy)
    history = [prompt()]
    deltas, first = collect(model, history)

    assert "".join(deltas) == "Let me read it."
    assert len(deltas) > 1
    assert first.stop_reason == "tool_use"
    [call] = first.tool_calls
    assert call["name"] == "Read" and call["input"] == {"file_path": "a.py"}

    history += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "x = 1", "is_error": False}],
        },
    ]
    deltas, second = collect(model, history)
    assert second.text == "Fixed the off-by-one in a.py." == "".join(deltas)
    assert second.stop_reason == "end_turn"

    one, two = anthropic_server.bodies
    assert one["system"] == [{"type": "text", "text": SYSTEM, "cache_control": CACHE}]
    assert [t["name"] for t in one["tools"]] == ["Read", "Write"]
    assert one["tools"][1]["input_schema"] == TOOLS[1]["input_schema"]
    assert one["stream"] is True and one["max_tokens"] == 1000 and one["model"] == "claude-test"
    assert two["messages"][1]["content"][1] == {
        "type": "tool_use",
        "id": call["id"],
        "name": "Read",
        "input": {"file_path": "a.py"},
    }
    result = two["messages"][2]["content"][0]
    assert result["tool_use_id"] == call["id"] and result["content"] == "x = 1" and "is_error" not in result
    assert api_key(anthropic_server.requests[-1].headers) == API_KEY


def test_cache_breakpoints_on_system_last_tool_and_conversation(anthropic_server, policy):
    model = make(anthropic_server, policy)
    history = [
        prompt(),
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok", "is_error": True}],
        },
    ]
    collect(model, history)
    body = anthropic_server.bodies[0]
    assert body["system"][0]["cache_control"] == CACHE
    assert "cache_control" not in body["tools"][0] and body["tools"][-1]["cache_control"] == CACHE
    last = body["messages"][-1]["content"][-1]
    assert last["cache_control"] == CACHE and last["is_error"] is True
    # where the previous step's breakpoint was, so this step reads it back from the cache
    assert body["messages"][0]["content"][-1]["cache_control"] == CACHE
    assert "cache_control" not in body["messages"][1]["content"][0]
    assert history[0]["content"][0] == {"type": "text", "text": "fix the bug"}  # the caller's messages untouched


def test_usage_maps_cache_tokens(anthropic_server, policy):
    usage = {"input_tokens": 12, "output_tokens": 34, "cache_read_tokens": 5000, "cache_write_tokens": 700}
    anthropic_server.push(Reply([{"type": "text", "text": "hi"}], usage=usage))
    _, response = collect(make(anthropic_server, policy), [prompt()])
    assert response.usage == Usage(input_tokens=12, output_tokens=34, cache_read_tokens=5000, cache_write_tokens=700)


def test_retries_honour_retry_after_and_report_progress(anthropic_server, policy, sleeps):
    anthropic_server.push(rate_limited("3"), overloaded(), Reply([{"type": "text", "text": "finally"}]))
    progress = []
    model = make(anthropic_server, policy, on_retry=lambda *args: progress.append(args))
    _, response = collect(model, [prompt()])
    assert response.text == "finally"
    assert sleeps == [3.0, 2.0]  # Retry-After as given, then exponential backoff (1 s doubled)
    assert progress == [(2, 3.0, "rate limited (HTTP 429)"), (3, 2.0, "overloaded (HTTP 529)")]
    assert len(anthropic_server.bodies) == 3
    assert all(r.headers.get("x-stainless-retry-count") == "0" for r in anthropic_server.requests)


def test_gives_up_after_the_last_attempt(anthropic_server, policy, sleeps):
    anthropic_server.push(*[Fail(500, "Internal server error")] * 5)
    with pytest.raises(ProviderUnavailable, match="after 5 attempts"):
        collect(make(anthropic_server, policy), [prompt()])
    assert len(anthropic_server.bodies) == 5 and len(sleeps) == 4


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_not_retried_and_not_quoted(anthropic_server, policy, sleeps, status):
    if status == 401:
        model = make(anthropic_server, policy, api_key="sk-ant-api03-WRONG-KEY-1234567890")
    else:
        anthropic_server.push(Fail(403, "Your API key does not have permission to use the specified resource."))
        model = make(anthropic_server, policy)
    with pytest.raises(AuthenticationFailed) as caught:
        collect(model, [prompt()])
    text = str(caught.value)
    assert "ANTHROPIC_API_KEY" in text and "gitagent auth set anthropic" in text and "Anthropic" in text
    assert "WRONG-KEY" not in text and API_KEY not in text
    assert len(anthropic_server.bodies) == 1 and sleeps == []


def test_missing_key_is_an_authentication_failure(anthropic_server, policy):
    with pytest.raises(AuthenticationFailed, match="no Anthropic API key"):
        collect(AnthropicModel("claude-test", base_url=anthropic_server.base_url, retry=policy), [prompt()])


def test_prompt_too_long_is_context_too_long(anthropic_server, policy, sleeps):
    anthropic_server.push(prompt_too_long())
    with pytest.raises(ContextTooLong, match="215004 tokens"):
        collect(make(anthropic_server, policy), [prompt()])
    assert sleeps == []


def test_other_400_is_a_bad_request_with_the_message(anthropic_server, policy):
    anthropic_server.push(Fail(400, "tools.0.name: String should match pattern"))
    with pytest.raises(BadRequest, match="String should match pattern"):
        collect(make(anthropic_server, policy), [prompt()])


def test_max_tokens_mid_text_keeps_the_text(anthropic_server, policy):
    anthropic_server.push(Reply([{"type": "text", "text": "The answer is, in short, that"}], stop_reason="max_tokens"))
    _, response = collect(make(anthropic_server, policy), [prompt()])
    assert response.stop_reason == "max_tokens"
    assert response.text == "The answer is, in short, that" and response.tool_calls == []


def test_max_tokens_mid_tool_call_drops_the_partial_call(anthropic_server, policy):
    cut = {"type": "tool_use", "name": "Write", "partial_json": '{"file_path": "big.py", "content": "def f():\\n  re'}
    anthropic_server.push(
        Reply(
            [
                {"type": "text", "text": "Writing it."},
                {"type": "tool_use", "name": "Read", "input": {"file_path": "a"}},
                cut,
            ],
            stop_reason="max_tokens",
        )
    )
    model = make(anthropic_server, policy)
    _, response = collect(model, [prompt()])
    assert response.stop_reason == "max_tokens"
    assert [c["name"] for c in response.tool_calls] == ["Read"]  # the complete call before the cut stays
    assert (
        response.text.startswith("Writing it.")
        and "output limit (1000 tokens)" in response.text
        and "Write" in response.text
    )
    # the recovered answer is a valid conversation to carry on with
    call = response.tool_calls[0]
    result = {"type": "tool_result", "tool_use_id": call["id"], "content": "a", "is_error": False}
    collect(
        model, [prompt(), {"role": "assistant", "content": response.content}, {"role": "user", "content": [result]}]
    )
    assert len(anthropic_server.bodies) == 2


@pytest.mark.parametrize("clean_eof", [False, True], ids=["connection-cut", "body-ended-early"])
def test_dropped_stream_is_retried(anthropic_server, policy, clean_eof):
    content = [{"type": "text", "text": "A fairly long answer that streams in many pieces."}]
    anthropic_server.push(Reply(content, drop_after=4, clean_eof=clean_eof), Reply(content))
    progress = []
    model = make(anthropic_server, policy, on_retry=lambda *args: progress.append(args))
    deltas, response = collect(model, [prompt()])
    assert response.text == content[0]["text"]
    assert len(progress) == 1 and progress[0][0] == 2
    assert "".join(deltas).endswith(content[0]["text"])


def test_error_event_inside_the_stream_is_retried(anthropic_server, policy):
    error = {"type": "overloaded_error", "message": "Overloaded"}
    anthropic_server.push(
        Reply([{"type": "text", "text": "abc"}], drop_after=3, stream_error=error),
        Reply([{"type": "text", "text": "ok"}]),
    )
    progress = []
    _, response = collect(make(anthropic_server, policy, on_retry=lambda *a: progress.append(a)), [prompt()])
    assert response.text == "ok" and progress[0][2] == "overloaded (stream error)"


def test_slow_server_times_out_and_is_retried(anthropic_server, policy):
    anthropic_server.push(
        Reply([{"type": "text", "text": "late"}], delay=1.5), Reply([{"type": "text", "text": "on time"}])
    )
    progress = []
    model = make(anthropic_server, policy, timeout=0.3, on_retry=lambda *a: progress.append(a))
    _, response = collect(model, [prompt()])
    assert response.text == "on time" and progress[0][2] == "request timed out"


def test_sdk_environment_variables_keep_working(anthropic_server, policy, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    _, response = collect(AnthropicModel("claude-test", retry=policy), [prompt()])
    assert response.text == "done."
    assert AnthropicModel("claude-test").spec == "anthropic:claude-test"


def test_history_from_another_provider_is_translated(anthropic_server, policy):
    """Ids with characters Anthropic rejects, unknown keys and blocks, empty text and same-role neighbours."""
    history = [
        prompt(),
        {"role": "user", "content": [{"type": "text", "text": "also this", "extra": 1}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": ""},
                {"type": "reasoning", "summary": "hmm"},
                {
                    "type": "tool_use",
                    "id": "call:abc.1",
                    "name": "Read",
                    "input": {"file_path": "x"},
                    "provider": "openai",
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call:abc.1", "content": [{"type": "text", "text": "data"}]}
            ],
        },
    ]
    _, response = collect(make(anthropic_server, policy), history)
    assert response.text == "done."
    messages = anthropic_server.bodies[0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert [b["text"] for b in messages[0]["content"]] == ["fix the bug", "also this"]
    assert messages[1]["content"] == [
        {"type": "tool_use", "id": "call_abc_1", "name": "Read", "input": {"file_path": "x"}}
    ]
    assert messages[2]["content"][0]["tool_use_id"] == "call_abc_1" and messages[2]["content"][0]["content"] == "data"


THINKING = {"type": "thinking", "thinking": "The bug is in a.py; read it first.", "signature": "c2lnLW9uZQ=="}
REDACTED = {"type": "redacted_thinking", "data": "ZW5jcnlwdGVk"}


def answer_call(history: list[dict], response: ModelResponse, result: str = "x = 1") -> None:
    """Append the assistant's message and the tool result it asked for, as the loop does."""
    [call] = response.tool_calls
    history += [
        {"role": "assistant", "content": response.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": result}]},
    ]


def test_thinking_goes_back_whole_with_the_tool_results_of_its_cycle(anthropic_server, policy):
    anthropic_server.push(
        Reply([THINKING, REDACTED, {"type": "tool_use", "name": "Read", "input": {"file_path": "a.py"}}]),
        Reply([{"type": "text", "text": "Fixed."}]),
    )
    model = make(anthropic_server, policy)
    history = [prompt()]
    deltas, first = collect(model, history)
    assert deltas == []  # thinking is not answer text
    assert first.content[:2] == [THINKING, REDACTED] and first.text == ""
    answer_call(history, first)
    _, second = collect(model, history)
    assert second.text == "Fixed."
    sent = anthropic_server.bodies[1]["messages"][1]["content"]
    assert sent[:2] == [THINKING, REDACTED] and sent[2]["type"] == "tool_use"


def test_the_fake_refuses_a_tool_result_without_its_thinking(anthropic_server, policy):
    anthropic_server.push(Reply([THINKING, {"type": "tool_use", "name": "Read", "input": {}}]))
    model = make(anthropic_server, policy)
    history = [prompt()]
    _, first = collect(model, history)
    answer_call(history, first)
    history[1]["content"] = [b for b in first.content if b["type"] != "thinking"]
    with pytest.raises(BadRequest, match="Expected `thinking` or `redacted_thinking`"):
        collect(model, history)


def test_thinking_of_earlier_prompts_stays_out_of_later_requests(anthropic_server, policy):
    anthropic_server.push(
        Reply([THINKING, {"type": "tool_use", "name": "Read", "input": {}}]),
        Reply([THINKING, {"type": "text", "text": "Done."}]),
        Reply([{"type": "text", "text": "Again."}]),
    )
    model = make(anthropic_server, policy)
    history = [prompt()]
    _, first = collect(model, history)
    answer_call(history, first)
    _, second = collect(model, history)
    history += [{"role": "assistant", "content": second.content}, prompt("and now the docs")]
    collect(model, history)
    later = anthropic_server.bodies[2]["messages"]
    assert not [b for m in later for b in m["content"] if b["type"] in ("thinking", "redacted_thinking")]
    assert [b["type"] for b in later[1]["content"]] == ["tool_use"]


def test_a_known_thinking_model_gets_room_to_think(anthropic_server, policy):
    anthropic_server.push(Reply([{"type": "text", "text": "ok"}]), Reply([{"type": "text", "text": "ok"}]))
    current = AnthropicModel("claude-sonnet-5-5", api_key=API_KEY, base_url=anthropic_server.base_url, retry=policy)
    collect(current, [prompt()])
    collect(make(anthropic_server, policy), [prompt()])
    assert [body["max_tokens"] for body in anthropic_server.bodies] == [32000, 1000]
