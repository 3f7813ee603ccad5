"""The rest of the Python API: results, events, approvals, cost limits, tasks and a plain script."""

import asyncio
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import gitagent
from tests.conftest import conversation_head, git, run_cli, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply


@dataclass
class Risk:
    path: str
    why: str


def test_a_result_says_what_the_turn_did_and_the_conversation_continues(repo: Path, script) -> None:
    model = script([tool("Write", file_path="notes.txt", content="hi\n")], [text("Wrote notes.txt.")])
    repository = gitagent.open(repo, model=model)
    convo = repository.conversation()
    first = convo.turn("Write some notes")
    assert convo.name == "write-some-notes" and repository.conversations() == ["write-some-notes"]
    assert (first.turn, first.status, first.ok, first.text) == (1, "complete", True, "Wrote notes.txt.")
    assert first.changed_files == ["notes.txt"] and first.tool_calls == 1 and first.usage.input_tokens > 0
    assert first.commit == str(conversation_head(repo, "write-some-notes").id) == convo.head
    second = convo.turn("Again", model=script([tool("Bash", command="rm notes.txt")], [text("Removed.")]))
    assert (
        second.turn == 2
        and second.changed_files == ["notes.txt"]
        and not (worktree(repo, convo.name) / "notes.txt").exists()
    )
    fork = convo.fork("other")
    fork.rewind("1")
    assert git(repo, "log", "--format=%s", "refs/gitagent/conversations/other").split("\n")[0] == "Write some notes"


def test_stream_yields_the_events_then_the_result(repo: Path, script) -> None:
    model = script([text("Looking."), tool("Read", file_path="README.md")], [tool("StructuredOutput", result=3)])
    stream = gitagent.open(repo, model=model).conversation("s").stream("how many?", output=int)
    kinds = [type(event).__name__ for event in stream]
    assert kinds[0] == "TurnStarted" and kinds[-1] == "TurnFinished"
    assert kinds.count("ToolStarted") == 2 and "TextDelta" in kinds
    assert stream.result is not None and stream.result.output == 3 and stream.wait() is stream.result


def test_the_approve_callback_decides_where_a_person_would_be_asked(repo: Path, script) -> None:
    asked: list[tuple[str, dict]] = []

    def approve(name: str, tool_input: dict) -> bool:
        asked.append((name, tool_input))
        return "ok" in tool_input.get("command", "")

    calls = [tool("Bash", command="echo ok > a.txt"), tool("Bash", command="touch b.txt")]
    result = gitagent.open(repo, model=script(calls, [text("done")]), approve=approve).conversation("a").turn("go")
    assert [a[1]["command"] for a in asked] == ["echo ok > a.txt", "touch b.txt"]
    assert result.changed_files == ["a.txt"]
    events = json.loads(conversation_head(repo, "a").tree["turn.json"].data)["events"]
    verdicts = [(e["allowed"], e["by"], e["reason"]) for e in events if e["type"] == "permission"]
    assert verdicts == [(True, "callback", "allowed by the approve callback"),
                        (False, "callback", "refused by the approve callback")]  # fmt: skip


def test_max_cost_stops_the_turn_once_it_is_spent(repo: Path, anthropic) -> None:
    usage = {"input_tokens": 100_000, "output_tokens": 0}  # 0.30 USD a call at claude-sonnet-4-5's price
    anthropic.push(*[Reply([tool("Read", file_path="README.md")], usage=usage) for _ in range(3)])
    env = {"ANTHROPIC_API_KEY": API_KEY}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        repository = gitagent.open(repo, model="anthropic:claude-sonnet-4-5", base_url=anthropic.base_url)
        result = repository.conversation("c").turn("read it", max_cost=0.5)
    assert result.status == "max_cost" and len(anthropic.bodies) == 2
    assert result.cost_usd == pytest.approx(0.6)
    assert result.errors == ["stopped after spending 0.6000 USD (the limit is 0.5 USD)"]


def test_a_task_is_a_typed_function_run_in_its_own_recorded_conversation(repo: Path, script) -> None:
    found = [{"path": "app.py", "why": "no tests"}]
    model = script([tool("StructuredOutput", result=found)])

    @gitagent.task(repo=repo, model=model)
    def risky_changes(since: str, limit: int = 5) -> list[Risk]:
        """List the riskiest changes since `since`, at most `limit`."""

    assert risky_changes("v1.0") == [Risk("app.py", "no tests")]
    assert risky_changes("v2.0", limit=1) == [Risk("app.py", "no tests")]
    prompt = json.loads(conversation_head(repo, "risky-changes").tree["turn.json"].data)["events"][0]["text"]
    assert prompt.splitlines() == [
        "Task: risky_changes(since: str, limit: int = 5) -> list[tests.api.test_api.Risk]", "",
        "List the riskiest changes since `since`, at most `limit`.", "",
        "Arguments:", '- since = "v1.0"', "- limit = 5", "",
        "Give the task's return value with the StructuredOutput tool.",
    ]  # fmt: skip
    second = json.loads(conversation_head(repo, "risky-changes-2").tree["turn.json"].data)["events"][0]["text"]
    assert '- since = "v2.0"' in second and "- limit = 1" in second
    assert risky_changes.turn("v3").conversation == "risky-changes-3"


def test_async_tasks_run_concurrently_each_in_a_conversation_of_its_own(repo: Path, script) -> None:
    @gitagent.task(repo=repo, model=script([tool("StructuredOutput", result=True)]))
    async def check(topic: str) -> bool:
        """Whether `topic` is fine."""

    @gitagent.task(repo=repo, model=script([text("A prose answer.")]))
    async def summarise() -> str:
        """Summarise."""

    async def main() -> list[bool | str]:
        return await asyncio.gather(check("a"), check("b"), check("c"), summarise())

    assert asyncio.run(main()) == [True, True, True, "A prose answer."]
    names = gitagent.open(repo).conversations()
    assert sorted(names) == ["check", "check-2", "check-3", "summarise"]


def test_the_api_from_a_plain_python_script_in_a_temporary_repository(repo: Path, script) -> None:
    model = script([tool("Write", file_path="VERSION", content="2.0.0\n")], [tool("StructuredOutput", version="2.0.0")])
    (repo.parent / "release.py").write_text(f"""
import sys
from pydantic import BaseModel
import gitagent

class Release(BaseModel):
    version: str

repo = gitagent.open(sys.argv[1], model={model!r})
result = repo.conversation("release").turn("Bump the version", output=Release)
print(result.output.version, result.changed_files, result.commit == repo.conversation("release").head)
""")
    proc = subprocess.run([sys.executable, str(repo.parent / "release.py"), str(repo)], capture_output=True, text=True,
                          cwd=repo.parent, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2.0.0 ['VERSION'] True"
    log = run_cli(repo, "log", "release")
    assert log.code == 0 and "Bump the version" in log.out and "[Write, StructuredOutput]" in log.out


def test_import_gitagent_does_not_load_the_api() -> None:
    code = "import sys, gitagent; print('gitagent.api' in sys.modules, gitagent.open.__module__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "gitagent.api.conversation"]


def test_a_typed_turn_needs_no_approval_to_answer_in_ask_mode(repo: Path, script) -> None:
    asked: list[str] = []
    model = script([tool("StructuredOutput", result=2)])
    repository = gitagent.open(repo, model=model, approve=lambda name, tool_input: asked.append(name) or False)
    assert repository.conversation("q").run("how many?", output=int) == 2 and asked == []
    assert gitagent.open(repo, model=model, approval="ask").conversation("h").run("headless?", output=int) == 2
