"""A child's calls that need approval (ask mode) go to whoever approves the parent's: the API's `approve`
callback, the chat's dialog (tests/subagents/test_chat.py); a headless `run` has no one, and the child's
model is told why."""

import json
from pathlib import Path

import gitagent
from tests.conftest import conversation_head, run_cli, text, tool, worktree


def _writer(family, background: bool) -> str:
    return family(
        [[tool("Agent", description="Write notes", prompt="Write notes.txt", run_in_background=background)],
         [text("Waiting.")], [tool("MergeAgent", agent_id="1")], [text("Done.")]],
        {"notes.txt": [[tool("Write", file_path="notes.txt", content="n\n")], [text("Finished the notes.")]]},
    )  # fmt: skip


def _results(repo: Path, name: str) -> list[dict]:
    events = json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]
    return [e for e in events if e["type"] == "tool_result"]


def test_a_headless_run_refuses_a_childs_call_with_the_reason_its_model_sees(repo: Path, family) -> None:
    ran = run_cli(repo, "run", "-c", "h", "--approval", "ask", "-m", _writer(family, True), "Delegate")
    assert ran.code == 0, ran.err
    (refused,) = _results(repo, "h.agents/1")
    assert refused["is_error"] and refused["content"].startswith(
        "Permission denied: ask mode: this needs approval and no one can approve it in a headless run"
    )
    assert "--approval auto" in refused["content"]  # and how to let it run
    assert not (worktree(repo, "h.agents/1") / "notes.txt").exists()


def test_the_api_approve_callback_is_asked_about_a_childs_calls(repo: Path, family) -> None:
    asked: list[tuple[str, dict]] = []

    def approve(name: str, tool_input: dict) -> bool:
        asked.append((name, tool_input))
        return True

    result = gitagent.open(repo, model=_writer(family, True), approve=approve).conversation("a").turn("Delegate")
    assert result.ok and result.text == "Done."
    assert asked == [("Write", {"file_path": "notes.txt", "content": "n\n"}), ("MergeAgent", {"agent_id": "1"})]
    assert (worktree(repo, "a") / "notes.txt").read_text() == "n\n"
    (written,) = _results(repo, "a.agents/1")
    assert not written["is_error"]
