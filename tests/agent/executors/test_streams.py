"""Claude Code's and Codex CLI's output, as the real programs wrote it (tests/fixtures/executors, recorded by its
record.py with Claude Code 2.1.328 and Codex 0.169.0), read into a turn's record: the provider-neutral events
a built-in turn would hold, the live events the CLI and chat show, the totals, and the failures."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitagent.agent.events import AssistantMessage, ToolFinished, ToolStarted
from gitagent.agent.executors.claude_code import ClaudeCode, ClaudeStream
from gitagent.agent.executors.codex import Codex, CodexStream
from gitagent.agent.executors.recorder import Recorder
from gitagent.agent.record import TurnRecord, turn_messages
from gitagent.models.base import TextDelta
from tests.agent.executors.programs import tool_calls

FIXTURES = Path(__file__).parents[2] / "fixtures" / "executors"
WORKTREE = "/work/conversation"
SECRET = "sk-fixture-secret"


def lines(name: str) -> list[dict[str, Any]]:
    text = (FIXTURES / name).read_text().replace("<WORKTREE>", WORKTREE)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


Replayed = tuple[TurnRecord, list[object], Any, list[int]]


def replay(name: str, make_stream: Callable[[Recorder], Any], executor: str) -> Replayed:
    """Feed fixture `name` to a stream; the record, what was emitted, the stream, and how often it saved."""
    record = TurnRecord.start(conversation="c", turn=1, model=executor, prompt="p", owner={}, sandbox="bwrap")
    emitted: list[object] = []
    saves: list[int] = []
    recorder = Recorder(executor, record, emitted.append, lambda: saves.append(len(record.events)), [SECRET])
    stream = make_stream(recorder)
    for event in lines(name):
        stream.feed(event)
    return record, emitted, stream, saves


def test_claude_codes_stream_becomes_the_events_of_a_turn() -> None:
    record, emitted, stream, saves = replay("claude-code-turn1.jsonl", ClaudeStream, "claude-code")
    greeting = f"{WORKTREE}/greeting.txt"
    assert stream.session_id == "2f154b62-c804-4d52-9d75-d75381011256" and stream.version == "2.1.328"
    assert stream.finished and stream.failure is None
    assert record.data["model"] == "anthropic:claude-opus-5-5"  # the model it said it runs
    assert tool_calls(record.events) == [
        ("Write", {"file_path": greeting, "content": "hi\n"}),
        ("Bash", {"command": "cat greeting.txt", "description": "show it"}),
    ]
    results = [(e["name"], e["content"], e["is_error"]) for e in record.events if e["type"] == "tool_result"]
    assert results[0][0] == "Write" and results[0][1].startswith(f"File created successfully at: {greeting}")
    assert results[1] == ("Bash", "hi", False)
    assert record.answer == "greeting.txt says hi." and record.answered
    # one response's usage, repeated on each of its lines, counts once; the result's totals fill in the rest
    assert [e["usage"]["input_tokens"] for e in record.events if e["type"] == "assistant"] == [100, 0, 100, 120]
    assert record.usage.input_tokens == 320 and record.usage.output_tokens == 49
    assert record.cost_usd == 0.00226  # as Claude Code reported it
    [end] = [e for e in record.events if e["type"] == "executor_result"]
    assert end["executor"] == "claude-code" and end["session_id"] == stream.session_id and not end["is_error"]

    assert [type(e).__name__ for e in emitted if not isinstance(e, TextDelta)][:4] == [
        "AssistantMessage", "AssistantMessage", "ToolStarted", "ToolFinished",
    ]  # fmt: skip
    assert [e.text for e in emitted if isinstance(e, TextDelta)] == ["Writing it.", "greeting.txt says hi."]
    finished = [e for e in emitted if isinstance(e, ToolFinished)]
    assert [e.call["name"] for e in finished] == ["Write", "Bash"]
    assert len(saves) == len([e for e in emitted if isinstance(e, AssistantMessage | ToolFinished)]) + 1

    history = turn_messages(record.events)  # what the built-in loop reads after a swap
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant", "user", "assistant"]
    uses = [b["id"] for m in history for b in m["content"] if b["type"] == "tool_use"]
    answered = [b["tool_use_id"] for m in history for b in m["content"] if b["type"] == "tool_result"]
    assert uses == answered == ["toolu_fake_1_1", "toolu_fake_2_0"]


def test_claude_codes_resumed_session_and_its_failure() -> None:
    record, _, stream, _ = replay("claude-code-turn2.jsonl", ClaudeStream, "claude-code")
    assert stream.session_id == "2f154b62-c804-4d52-9d75-d75381011256"  # the same session, resumed
    assert tool_calls(record.events) == [("Edit", {"replace_all": False, "file_path": f"{WORKTREE}/greeting.txt",
                                       "old_string": "hi", "new_string": "hello"})]  # fmt: skip
    assert record.answer == "It says hello now."

    record, _, stream, _ = replay("claude-code-failed.jsonl", ClaudeStream, "claude-code")
    assert stream.finished and stream.failure is not None and stream.failure.startswith("Prompt is too long")
    [end] = [e for e in record.events if e["type"] == "executor_result"]
    assert end["is_error"] and end["cost_usd"] == 0


def test_a_subagents_lines_are_left_to_the_call_that_started_it() -> None:
    record = TurnRecord.start(conversation="c", turn=1, model="m", prompt="p", owner={}, sandbox="bwrap")
    stream = ClaudeStream(Recorder("claude-code", record, lambda e: None, lambda: None, []))
    inner = lines("claude-code-turn1.jsonl")[1]
    stream.feed({**inner, "parent_tool_use_id": "toolu_task"})
    assert [e["type"] for e in record.events] == ["user"]


def test_codexs_stream_becomes_the_events_of_a_turn(tmp_path: Path) -> None:
    thread = "01a2344f-a0de-75d3-942f-15a1b019f66c"
    rollout = tmp_path / ".codex" / "sessions" / "2026" / "12" / "02" / f"rollout-2026-12-02T01-12-40-{thread}.jsonl"
    rollout.parent.mkdir(parents=True)
    rollout.write_text((FIXTURES / "codex-rollout.jsonl").read_text())
    codex = Codex("http://127.0.0.1:1/v1")
    assert codex.find_session(tmp_path, thread) == rollout

    record, emitted, stream, _ = replay("codex-turn1.jsonl", lambda r: CodexStream(r, tmp_path, codex), "codex")
    assert stream.session_id == thread and stream.version == "0.169.0" and stream.finished
    assert record.data["model"] == "openai:gpt-5.5"  # from the rollout's turn context
    command = "/bin/bash -lc 'echo hi > greeting.txt && cat greeting.txt'"
    assert tool_calls(record.events) == [("Bash", {"command": command})]
    [result] = [e for e in record.events if e["type"] == "tool_result"]
    assert (result["name"], result["content"], result["is_error"]) == ("Bash", "hi\n", False)
    assert record.answer == "greeting.txt says hi."
    assert record.usage.input_tokens == 200 and record.usage.output_tokens == 40 and record.cost_usd is None
    started = [e.call["id"] for e in emitted if isinstance(e, ToolStarted)]
    assert started == [result["tool_use_id"]]  # shown when it started, answered when it completed

    record, _, _, _ = replay("codex-turn2.jsonl", lambda r: CodexStream(r, tmp_path, codex), "codex")
    assert tool_calls(record.events) == [
        ("apply_patch", {"changes": [{"path": f"{WORKTREE}/greeting.txt", "kind": "update"}]})
    ]
    assert [e["content"] for e in record.events if e["type"] == "tool_result"] == [f"update {WORKTREE}/greeting.txt"]
    assert record.answer == "Patched."


def test_codexs_failure_names_the_servers_message(tmp_path: Path) -> None:
    codex = Codex("http://127.0.0.1:1/v1")
    record, _, stream, _ = replay("codex-failed.jsonl", lambda r: CodexStream(r, tmp_path, codex), "codex")
    assert stream.finished and stream.failure == "Your input exceeds the context window of this model."
    [end] = [e for e in record.events if e["type"] == "executor_result"]
    assert end["is_error"] and end["subtype"] == "failed"


def test_tool_ids_differ_between_codex_runs(tmp_path: Path) -> None:
    """Codex numbers its items from item_0 in every run: two runs in one turn (a Stop hook's) must not clash."""
    codex = Codex("http://127.0.0.1:1/v1")
    first, _, _, _ = replay("codex-turn1.jsonl", lambda r: CodexStream(r, tmp_path, codex), "codex")
    second, _, _, _ = replay("codex-turn1.jsonl", lambda r: CodexStream(r, tmp_path, codex), "codex")
    ids = [e["tool_use_id"] for record in (first, second) for e in record.events if e["type"] == "tool_result"]
    assert len(set(ids)) == 2


def test_a_secret_in_the_stream_is_never_recorded() -> None:
    record = TurnRecord.start(conversation="c", turn=1, model="m", prompt="p", owner={}, sandbox="bwrap")
    stream = ClaudeStream(Recorder("claude-code", record, lambda e: None, lambda: None, [SECRET]))
    for event in lines("claude-code-turn1.jsonl"):
        stream.feed(json.loads(json.dumps(event).replace('"hi"', json.dumps(f"key {SECRET}"))))
    assert SECRET not in json.dumps(record.data) and "key [redacted by gitagent]" in json.dumps(record.data)


def test_the_command_lines_follow_the_pinned_versions_flags() -> None:
    program = Path("/opt/claude")
    assert ClaudeCode().argv(program, "s1", "claude-x", ["--max-turns", "3"]) == [
        "/opt/claude", "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions",
        "--model", "claude-x", "--resume", "s1", "--max-turns", "3",
    ]  # fmt: skip
    chosen = ClaudeCode().argv(program, None, None, ["--permission-mode", "acceptEdits"])
    assert chosen.count("--permission-mode") == 1 and "bypassPermissions" not in chosen  # the user's mode
    codex = Codex("http://127.0.0.1:9/v1").argv(Path("/opt/codex"), "t1", "gpt-5.5", ["-s", "workspace-write"])
    assert codex[:6] == ["/opt/codex", "exec", "--json", "--color", "never", "--skip-git-repo-check"]
    assert "--dangerously-bypass-approvals-and-sandbox" not in codex  # its own sandbox, as asked
    assert codex[-3:] == ["resume", "t1", "-"] and 'base_url="http://127.0.0.1:9/v1"' in " ".join(codex)
