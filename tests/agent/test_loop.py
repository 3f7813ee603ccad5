"""The ReAct loop against the scripted model and the real tools, in a real directory."""

import json
from pathlib import Path

import pytest

from gitagent.agent.events import ToolFinished
from gitagent.agent.loop import Agent, StepLimitReached, run_loop
from gitagent.agent.record import TurnRecord
from gitagent.models import load_model
from gitagent.sandbox import UnconfinedSandbox
from gitagent.tools import default_tools
from gitagent.tools.base import ToolContext


def _agent(tmp_path: Path, responses: list, max_steps: int = 10) -> Agent:
    script = tmp_path / "s.json"
    script.write_text(json.dumps({"responses": responses}))
    root = tmp_path / "work"
    root.mkdir(exist_ok=True)
    return Agent(
        load_model(f"scripted:{script}"), "system", default_tools(), ToolContext(root, UnconfinedSandbox()), max_steps
    )


def _record() -> TurnRecord:
    return TurnRecord.start(conversation="c", turn=1, model="m", prompt="do it", owner={}, sandbox="none")


def test_tool_results_feed_back_until_the_model_answers(tmp_path: Path) -> None:
    agent = _agent(
        tmp_path,
        [
            [{"type": "tool_use", "name": "Write", "input": {"file_path": "x.txt", "content": "1"}}],
            [{"type": "tool_use", "name": "Nope", "input": {}}, {"type": "tool_use", "name": "Read", "input": {}}],
            [{"type": "text", "text": "finished"}],
        ],
    )
    record, saves, seen = _record(), [], []
    run_loop(agent, [], record, seen.append, lambda: saves.append(len(record.events)))
    results = [e for e in record.events if e["type"] == "tool_result"]
    assert (tmp_path / "work" / "x.txt").read_text() == "1"
    assert "Unknown tool 'Nope'" in results[1]["content"] and results[1]["is_error"]
    assert "file_path" in results[2]["content"] and results[2]["is_error"]
    assert record.answer == "finished" and record.answered
    assert saves == sorted(saves) and len(saves) == 6  # after every model response and every tool result
    assert sum(isinstance(e, ToolFinished) for e in seen) == 3


def test_step_limit(tmp_path: Path) -> None:
    agent = _agent(tmp_path, [[{"type": "tool_use", "name": "Glob", "input": {"pattern": "*"}}]] * 5, max_steps=2)
    record = _record()
    with pytest.raises(StepLimitReached, match="2 model steps"):
        run_loop(agent, [], record, lambda e: None, lambda: None)
    assert record.steps == 2 and not record.unanswered_tool_calls()


def test_tool_calls_cut_off_by_a_crash_are_reported_not_rerun(tmp_path: Path) -> None:
    agent = _agent(tmp_path, [[], [{"type": "text", "text": "after resume"}]])
    record = _record()
    call = {"type": "tool_use", "id": "t1", "name": "Write", "input": {"file_path": "r.txt", "content": "r"}}
    record.events.append(
        {
            "type": "assistant",
            "step": 1,
            "model": "m",
            "content": [call],
            "stop_reason": "tool_use",
            "usage": {},
            "duration_ms": 0,
        }
    )
    run_loop(agent, [], record, lambda e: None, lambda: None)
    assert not (tmp_path / "work" / "r.txt").exists()
    result = next(e for e in record.events if e["type"] == "tool_result")
    assert result["tool_use_id"] == "t1" and result["is_error"] and "interrupted" in result["content"]
    assert record.answer == "after resume"
