"""Codex CLI (the real, pinned program) as a conversation's executor, offline against the fake Responses API:
its turns are commits, `exec resume` continues its rollout, fork and rewind take it back, and a killed turn
resumes."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gitagent.store import turns
from tests.agent.executors.programs import ExecutorCli, codex_cli, recorded_calls, texts
from tests.conftest import conversation_head, git, run_cli, text, tool
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Reply

PATCH = """*** Begin Patch
*** Add File: notes.txt
+first note
*** Update File: greeting.txt
@@
-hi
+hello
*** End Patch
"""


@pytest.fixture
def codex(repo: Path, openai: FakeOpenAI) -> ExecutorCli:
    return codex_cli(repo, openai)


def test_codex_turns_are_commits_its_rollout_resumes_and_fork_and_rewind_go_back(
    repo: Path, codex: ExecutorCli, openai: FakeOpenAI
) -> None:
    first = codex(
        "cx", "greet in greeting.txt",
        Reply([text("Writing."), tool("exec_command", cmd="echo hi > greeting.txt && cat greeting.txt")]),
        Reply([text("greeting.txt says hi.")]),
    )  # fmt: skip
    assert "greeting.txt says hi." in first.out and "→ Bash" in first.err
    codex(
        "cx", "say hello and start notes",
        Reply([{"type": "tool_use", "name": "apply_patch", "input": PATCH}]),  # a freeform (custom) tool call
        Reply([text("Patched.")]),
    )  # fmt: skip
    head = conversation_head(repo, "cx")
    turn1 = head.parents[0]
    assert [turns.turn_number(c) for c in (turn1, head)] == [1, 2]
    assert recorded_calls(turn1) == [
        ("Bash", {"command": "/bin/bash -lc 'echo hi > greeting.txt && cat greeting.txt'"})
    ]
    record1 = turns.read_turn(turn1)
    assert [e["content"] for e in record1["events"] if e["type"] == "tool_result"] == ["hi\n"]
    [(name, patch)] = recorded_calls(head)
    assert name == "apply_patch" and sorted(c["kind"] for c in patch["changes"]) == ["add", "update"]
    assert git(repo, "show", f"{head.id}:workspace/greeting.txt") == "hello\n"
    assert git(repo, "show", f"{head.id}:workspace/notes.txt") == "first note\n"
    assert turns.trailers(head)["Gitagent-Executor"] == "codex 0.169.0"
    assert record1["model"] == "openai:gpt-5.5" and record1["usage"]["input_tokens"] == 200  # its turn totals
    resumed = texts(openai.bodies[2])  # turn 2's first request: `codex exec resume` replayed turn 1
    assert "greet in greeting.txt" in resumed and "greeting.txt says hi." in resumed

    assert run_cli(repo, "fork", "cx@1", "cx-side").code == 0
    codex("cx-side", "what is in greeting.txt?", Reply([text("It says hi.")]))
    seen = texts(openai.bodies[-1])
    assert "greeting.txt says hi." in seen and "say hello and start notes" not in seen and "Patched." not in seen

    assert run_cli(repo, "rewind", "cx", "1").code == 0
    codex("cx", "start over", Reply([text("Starting over from turn 1.")]))
    seen = texts(openai.bodies[-1])
    assert "greet in greeting.txt" in seen and "say hello and start notes" not in seen
    rewound = conversation_head(repo, "cx")
    assert rewound.parents[0].id == turn1.id and "notes.txt" not in git(repo, "ls-tree", "-r", f"{rewound.id}")


def test_a_codex_turn_killed_mid_way_resumes(repo: Path, codex: ExecutorCli, openai: FakeOpenAI) -> None:
    held = threading.Event()
    openai.push(Reply([tool("exec_command", cmd="echo part > part.txt")]), Reply([text("never")], hold=held))
    env = {**os.environ, **codex.env}
    argv = [sys.executable, "-m", "gitagent", *codex.argv("ck", "write part.txt")]
    proc = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(openai.bodies) < 2:
        assert time.monotonic() < deadline, "no second model request"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    held.set()

    codex("ck", None, Reply([text("part.txt is written.")]), extra=("--resume",))
    told = texts(openai.bodies[-1])
    assert "This turn was interrupted" in told and "echo part > part.txt" in told
    head = conversation_head(repo, "ck")
    assert turns.read_turn(head)["result"] == "part.txt is written."
    assert git(repo, "show", f"{head.id}:workspace/part.txt") == "part\n"
