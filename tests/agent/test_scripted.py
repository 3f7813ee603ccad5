"""The scripted model: replays a script per turn, streams text, answers `done.` when exhausted."""

import json
from pathlib import Path

import pytest

from gitagent.errors import GitagentError
from gitagent.models import ModelRequest, ModelResponse, TextDelta, load_model


def _model(tmp_path: Path, responses: list) -> object:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"responses": responses}))
    return load_model(f"scripted:{path}")


def _call(model, messages: list) -> tuple[str, ModelResponse]:
    events = list(model.stream(ModelRequest(system="", messages=messages, tools=[])))
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert isinstance(events[-1], ModelResponse)
    return deltas, events[-1]


def _user(text: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def test_responses_follow_the_calls_of_a_turn(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        [
            [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "name": "Read", "input": {"file_path": "a"}},
            ],
            [{"type": "text", "text": "Found it."}],
        ],
    )
    deltas, first = _call(model, [_user("hi")])
    assert deltas == "Let me look." and first.stop_reason == "tool_use"
    assert first.tool_calls[0]["name"] == "Read" and first.tool_calls[0]["id"].startswith("toolu_")
    history = [
        _user("hi"),
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "x", "content": "…"}]},
    ]
    _, second = _call(model, history)
    assert second.text == "Found it." and second.stop_reason == "end_turn"
    _, third = _call(model, [*history, {"role": "assistant", "content": second.content}])
    assert third.text == "done."


def test_each_turn_starts_from_the_first_response(tmp_path: Path) -> None:
    model = _model(tmp_path, [[{"type": "text", "text": "first"}]])
    earlier = [_user("one"), {"role": "assistant", "content": [{"type": "text", "text": "first"}]}]
    _, response = _call(model, [*earlier, _user("two")])
    assert response.text == "first"


def test_usage_is_estimated_from_the_request(tmp_path: Path) -> None:
    model = _model(tmp_path, [[{"type": "text", "text": "ok"}]])
    _, small = _call(model, [_user("hi")])
    _, big = _call(model, [_user("hi " * 1000)])
    assert 0 < small.usage.input_tokens < big.usage.input_tokens


def test_bad_spec() -> None:
    with pytest.raises(GitagentError, match="expected PROVIDER:NAME"):
        load_model("scripted")
