"""A turn whose model fails midway is saved as interrupted; the conversation never points at a partial turn."""

from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from gitagent.agent.session import resume_turn, run_turn
from gitagent.agent.turn import TurnInterrupted, TurnSettings
from gitagent.models import ModelRequest, ModelResponse, TextDelta
from gitagent.sandbox import UnconfinedSandbox
from gitagent.store import inflight, turns


class FlakyModel:
    """Asks for one Write, then fails the way a dropped connection would; after `heal()` it answers."""

    spec = "test:flaky"

    def __init__(self) -> None:
        self.broken = True

    def stream(self, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        if not any(m["role"] == "assistant" for m in request.messages[-2:]):
            yield ModelResponse(
                [{"type": "tool_use", "id": "t1", "name": "Write", "input": {"file_path": "f.txt", "content": "x"}}],
                "tool_use",
            )
            return
        if self.broken:
            raise ConnectionError("connection reset by peer")
        yield TextDelta("recovered")
        yield ModelResponse([{"type": "text", "text": "recovered"}], "end_turn")


def test_a_failed_model_call_saves_the_turn_and_resume_finishes_it(repo: Path) -> None:
    r = pygit2.Repository(str(repo))
    model = FlakyModel()
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox())
    with pytest.raises(TurnInterrupted, match="ConnectionError: connection reset by peer"):
        run_turn(r, "flaky", "write f", settings)
    assert "refs/gitagent/conversations/flaky" not in r.references
    saved = turns.read_turn(inflight.load(r, "flaky"))
    assert [e["type"] for e in saved["events"]] == ["user", "assistant", "tool_result", "error"]

    model.broken = False
    outcome = resume_turn(r, "flaky", settings)
    assert outcome.result == "recovered" and outcome.status == "complete" and outcome.turn == 1
    head = r.references["refs/gitagent/conversations/flaky"].peel(pygit2.Commit)
    assert head.tree["workspace"]["f.txt"].data == b"x"
    assert inflight.load(r, "flaky") is None


def test_a_guard_reused_across_turns_starts_each_turn_without_stop_hook_activity(repo: Path) -> None:
    from gitagent.agent.guard import Guard
    from gitagent.agent.permissions import Permissions
    from gitagent.models import load_model

    r = pygit2.Repository(str(repo))
    script = repo.parent / "s.json"
    script.write_text('{"responses": [[{"type": "text", "text": "ok"}]]}')
    guard = Guard(Permissions())
    settings = TurnSettings(model=load_model(f"scripted:{script}"), make_sandbox=lambda w: UnconfinedSandbox(),
                            guard=guard)  # fmt: skip
    guard.stop_hook_active = True  # as a Stop hook in an earlier turn would have left it
    run_turn(r, "g", "first", settings)
    assert guard.stop_hook_active is False
