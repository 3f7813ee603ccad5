"""Claude Code (the real, pinned program) as a conversation's executor, offline against the fake Messages API:
its turns are commits, its session resumes, forks and swaps, and a killed turn resumes or is discarded."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pygit2
import pytest

from gitagent.store import turns
from tests.agent.executors.programs import ExecutorCli, claude_cli, recorded_calls, texts
from tests.conftest import conversation_head, git, run_cli, text, tool, worktree
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.server import Reply


@pytest.fixture
def claude(repo: Path, anthropic: FakeAnthropic) -> ExecutorCli:
    return claude_cli(repo, anthropic)


def results(commit: pygit2.Commit) -> list[str]:
    return [e["content"] for e in turns.read_turn(commit)["events"] if e["type"] == "tool_result"]


def test_two_turns_are_two_commits_and_a_fork_resumes_the_first_turns_session(
    repo: Path, claude: ExecutorCli, anthropic: FakeAnthropic
) -> None:
    greeting = worktree(repo, "cc").resolve() / "hello.txt"
    first = claude(
        "cc", "write the greeting",
        Reply([text("Writing it."), tool("Write", file_path=str(greeting), content="hello\n")]),
        Reply([tool("Bash", command="cat hello.txt", description="show it")]),
        Reply([text("hello.txt holds the greeting.")]),
    )  # fmt: skip
    assert "hello.txt holds the greeting." in first.out and "→ Write" in first.err
    claude(
        "cc", "say goodbye instead",
        Reply([tool("Edit", file_path=str(greeting), old_string="hello", new_string="goodbye")]),
        Reply([text("It says goodbye now.")]),
    )  # fmt: skip

    head = conversation_head(repo, "cc")
    turn1 = head.parents[0]
    assert [turns.turn_number(c) for c in (turn1, head)] == [1, 2] and not turn1.parents
    assert recorded_calls(turn1) == [
        ("Write", {"file_path": str(greeting), "content": "hello\n"}),
        ("Bash", {"command": "cat hello.txt", "description": "show it"}),
    ]
    assert results(turn1)[1].strip() == "hello"
    assert recorded_calls(head) == [("Edit", {"file_path": str(greeting), "old_string": "hello",
                                              "new_string": "goodbye", "replace_all": False})]  # fmt: skip
    assert git(repo, "show", f"{turn1.id}:workspace/hello.txt") == "hello\n"
    assert git(repo, "show", f"{head.id}:workspace/hello.txt") == "goodbye\n"
    trailers = turns.trailers(head)
    assert trailers["Gitagent-Executor"] == "claude-code 2.1.328" and trailers["Gitagent-Tools"] == "Edit"
    assert trailers["Gitagent-Sandbox"] == "bwrap+network"
    record = turns.read_turn(head)
    assert record["model"].startswith("anthropic:") and record["executor"]["name"] == "claude-code"
    assert record["usage"]["input_tokens"] == 200 and record["cost_usd"] is not None  # its totals, its cost

    second_request = texts(anthropic.bodies[3])  # the first request of turn 2: Claude Code resumed its session
    assert "write the greeting" in second_request and "hello.txt holds the greeting." in second_request
    shown = run_cli(repo, "show", "cc")
    assert "executor: claude-code 2.1.328" in shown.out and "→ Edit" in shown.out
    assert "+goodbye" in run_cli(repo, "diff", "cc").out

    assert run_cli(repo, "fork", "cc@1", "side").code == 0
    claude("side", "what did you write?", Reply([text("I wrote the greeting.")]))
    seen = texts(anthropic.bodies[-1])
    assert "write the greeting" in seen and "hello.txt holds the greeting." in seen
    assert "say goodbye instead" not in seen and "It says goodbye now." not in seen
    assert str(greeting.parent) not in json.dumps(anthropic.bodies[-1])  # its session works in the fork's worktree
    fork = conversation_head(repo, "side")
    assert git(repo, "show", f"{fork.id}:workspace/hello.txt") == "hello\n"


def test_a_conversation_moves_between_gitagent_and_claude_code_with_the_dialogue(
    repo: Path, claude: ExecutorCli, anthropic: FakeAnthropic
) -> None:
    builtin = ["--executor", "gitagent", "--model", "anthropic:claude-fake", "--base-url", anthropic.base_url]
    anthropic.push(Reply([tool("Write", file_path="notes.txt", content="plan: add tests\n")]),
                   Reply([text("Noted the plan in notes.txt.")]))  # fmt: skip
    assert run_cli(repo, "run", "-c", "sw", *builtin, "note the plan", env=claude.env).code == 0

    notes = worktree(repo, "sw").resolve() / "notes.txt"
    claude("sw", "read the notes", Reply([tool("Read", file_path=str(notes))]), Reply([text("The plan: add tests.")]))
    joined = texts(anthropic.bodies[2])
    assert "note the plan" in joined and "Noted the plan in notes.txt." in joined and "read the notes" in joined
    assert "plan: add tests" in joined  # the built-in turn's tool call and its result, told as a transcript

    anthropic.push(Reply([text("Claude Code read the plan.")]))
    assert run_cli(repo, "run", "-c", "sw", *builtin, "what happened?", env=claude.env).code == 0
    history = anthropic.bodies[-1]["messages"]
    said = texts(anthropic.bodies[-1])
    assert "note the plan" in said and "read the notes" in said and "The plan: add tests." in said
    calls = [b for m in history for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
    assert [c["name"] for c in calls] == ["Write", "Read"]  # Claude Code's call, as the built-in loop's own

    claude("sw", "and now?", Reply([text("Back again.")]))
    resumed = texts(anthropic.bodies[-1])
    assert "read the notes" in resumed and "what happened?" in resumed and "Claude Code read the plan." in resumed
    assert resumed.count("note the plan") == 1  # its own session holds turn 1's transcript; turn 3 is told anew
    head = conversation_head(repo, "sw")
    executors = [turns.read_turn(c).get("executor", {}).get("name", "gitagent") for c in _chain(head)]
    assert executors == ["claude-code", "gitagent", "claude-code", "gitagent"]


def _chain(head: pygit2.Commit) -> list[pygit2.Commit]:
    found = [head]
    while found[-1].parents:
        found.append(found[-1].parents[0])
    return found


def _start(claude: ExecutorCli, name: str, prompt: str) -> subprocess.Popen[str]:
    env = {**os.environ, **claude.env}
    argv = [sys.executable, "-m", "gitagent", *claude.argv(name, prompt)]
    return subprocess.Popen(argv, cwd=claude.repo, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_turn_killed_mid_way_resumes_with_what_it_did(
    repo: Path, claude: ExecutorCli, anthropic: FakeAnthropic
) -> None:
    done = worktree(repo, "k").resolve() / "done.txt"
    held = threading.Event()
    anthropic.push(Reply([tool("Write", file_path=str(done), content="half\n")]), Reply([text("never")], hold=held))
    proc = _start(claude, "k", "write done.txt")
    _wait(lambda: len(anthropic.bodies) >= 2, "the second model request")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    held.set()  # the killed turn's request gets its answer: nobody reads it

    assert git(repo, "for-each-ref", "refs/gitagent/conversations") == ""
    saved = git(repo, "ls-tree", "--name-only", "refs/gitagent/inflight/k").split()
    events = [json.loads(git(repo, "show", f"refs/gitagent/inflight/k:{n}")) for n in saved if n.startswith("event-")]
    assert [e["type"] for e in events] == ["user", "assistant", "tool_result"]  # the partial stream, recorded
    _wait(lambda: not _claude_running(done.parent), "the sandbox to die with gitagent", timeout=10)

    claude("k", None, Reply([text("Finished writing done.txt.")]), extra=("--resume",))
    told = texts(anthropic.bodies[-1])
    assert "This turn was interrupted" in told and "write done.txt" in told and str(done) in told
    head = conversation_head(repo, "k")
    record = turns.read_turn(head)
    assert record["status"] == "complete" and record["result"] == "Finished writing done.txt."
    assert [e["type"] for e in record["events"]][:3] == ["user", "assistant", "tool_result"]
    assert git(repo, "show", f"{head.id}:workspace/done.txt") == "half\n"


def test_a_killed_executor_leaves_a_turn_to_discard(repo: Path, claude: ExecutorCli, anthropic: FakeAnthropic) -> None:
    claude("d", "first", Reply([text("First answer.")]))
    first = conversation_head(repo, "d")
    scratch = worktree(repo, "d").resolve() / "scratch.txt"
    held = threading.Event()
    anthropic.push(Reply([tool("Write", file_path=str(scratch), content="tmp\n")]), Reply([text("x")], hold=held))
    proc = _start(claude, "d", "make a scratch file")
    _wait(lambda: len(anthropic.bodies) >= 3, "the second model request of turn 2")
    for pid in _claude_pids(scratch.parent):
        os.kill(pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    held.set()
    assert proc.returncode == 1 and "claude-code stopped" in err and "--resume -c d" in err

    result = run_cli(repo, "run", "--discard", "-c", "d")
    assert result.code == 0 and "discarded the interrupted turn 2" in result.err
    assert conversation_head(repo, "d").id == first.id and not scratch.exists()
    claude("d", "again", Reply([text("Second answer.")]))
    assert "make a scratch file" not in texts(anthropic.bodies[-1])  # its session is turn 1's


def _claude_pids(cwd: Path) -> list[int]:
    """Claude Code's processes working in `cwd` (as seen from the host)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
            if b"stream-json" in cmdline and b"bwrap" not in cmdline[:64] and (entry / "cwd").resolve() == cwd:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _claude_running(cwd: Path) -> bool:
    return bool(_claude_pids(cwd))
