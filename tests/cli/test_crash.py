"""Crash safety: a turn killed at any point loses nothing committed, and can be resumed or discarded."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.firstturn import first_turn_in_flight
from tests.conftest import conversation_head, default_sigint, git, run_cli, text, tool, worktree
from tests.reliability.conftest import wait_for

SLOW = (
    [tool("Write", file_path="a.txt", content="one\n")],
    [tool("Bash", command="touch started && sleep 120")],  # longer than any wait below: it must be cut short
    [tool("Write", file_path="b.txt", content="two\n")],
    [text("all done")],
)


def _start(repo: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "gitagent", *args]
    return subprocess.Popen(
        command, cwd=repo, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=default_sigint
    )


def _inflight_events(repo: Path, name: str) -> list[dict]:
    """The events saved so far, read with plain git: one blob per event beside turn.json."""
    names = [
        n
        for n in git(repo, "ls-tree", "--name-only", f"refs/gitagent/inflight/{name}").split()
        if n.startswith("event-")
    ]
    return [json.loads(git(repo, "show", f"refs/gitagent/inflight/{name}:{n}")) for n in names]


@pytest.fixture
def killed_turn(repo: Path, cli, script) -> str:
    """Conversation `k` with one committed turn, then a second turn killed with SIGKILL mid-command."""
    cli("run", "-c", "k", "--model", script([text("first")]), "first turn")
    head = str(conversation_head(repo, "k").id)
    proc = _start(repo, "run", "-c", "k", "--model", script(*SLOW), "second turn")
    wait_for(worktree(repo, "k") / "started")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return head


def test_a_killed_turn_leaves_the_conversation_at_its_last_turn(repo: Path, cli, script, killed_turn: str) -> None:
    assert str(conversation_head(repo, "k").id) == killed_turn
    events = _inflight_events(repo, "k")
    assert [e["type"] for e in events] == ["user", "assistant", "tool_result", "assistant"]
    git(repo, "fsck", "--strict", "--no-dangling")
    result = cli("run", "-c", "k", "--model", script([text("x")]), "third", expect=1)
    assert "has an interrupted turn" in result.err and "--resume" in result.err and "--discard" in result.err
    assert json.loads(cli("conversations", "--json").out)[0]["state"] == "interrupted"


def test_resume_finishes_the_interrupted_turn(repo: Path, cli, script, killed_turn: str) -> None:
    result = cli("run", "--resume", "-c", "k", "--model", script(*SLOW))
    assert "all done" in result.out
    head = conversation_head(repo, "k")
    assert str(head.parents[0].id) == killed_turn
    turn = json.loads(head.tree["turn.json"].data)
    assert turn["turn"] == 2 and turn["status"] == "complete"
    killed = [e for e in turn["events"] if e["type"] == "tool_result"][1]
    assert killed["is_error"] and "interrupted before it finished" in killed["content"]  # not run twice
    assert sorted(e.name for e in head.tree["workspace"]) == [".gitignore", "README.md", "a.txt", "b.txt", "started"]
    assert git(repo, "for-each-ref", "refs/gitagent/inflight/") == ""


def test_discard_drops_the_turn_and_restores_the_worktree(repo: Path, cli, killed_turn: str) -> None:
    result = cli("run", "--discard", "-c", "k")
    assert "discarded the interrupted turn 2" in result.err
    assert str(conversation_head(repo, "k").id) == killed_turn
    assert not (worktree(repo, "k") / "a.txt").exists()
    assert git(repo, "for-each-ref", "refs/gitagent/inflight/") == ""
    assert "refs/gitagent/abandoned/k/" in git(repo, "for-each-ref", "refs/gitagent/abandoned/")


def test_ctrl_c_saves_the_turn_as_interrupted(repo: Path, cli, script) -> None:
    proc = _start(repo, "run", "-c", "i", "--model", script(*SLOW), "go")
    wait_for(worktree(repo, "i") / "started")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)  # well under the command's 120 s: the interruption cut it short
    assert proc.returncode == 130
    assert "interrupted" in err and "gitagent run --resume -c i" in err
    events = _inflight_events(repo, "i")
    assert events[-1] == {**events[-1], "type": "error", "message": "interrupted by the user"}
    assert git(repo, "for-each-ref", "refs/gitagent/conversations/") == ""


def test_a_conversation_whose_first_turn_runs_in_another_process_is_refused(repo: Path, script) -> None:
    again = ("run", "-c", "busy", "--model", script([text("x")]), "me too")
    with first_turn_in_flight(repo, script, "busy") as proc:
        for command in (again, ("run", "--resume", "-c", "busy"), ("run", "--discard", "-c", "busy")):
            result = run_cli(repo, *command)
            assert result.code == 1, command
            busy = f"'busy' is being written by another process (pid {proc.pid}): its first turn is still running"
            assert busy in result.err and "`gitagent conversations` shows its state" in result.err, command
            assert "fork" not in result.err, command  # it has no turn to fork yet
    result = run_cli(repo, *again)
    assert result.code == 1 and "conversation 'busy' has an interrupted turn (its first turn)" in result.err
    assert "`gitagent run --resume -c busy` or drop it with `gitagent run --discard -c busy`" in result.err


def test_a_conversation_whose_later_turn_runs_in_another_process_is_refused(repo: Path, cli, script) -> None:
    cli("run", "-c", "busy", "--model", script([text("first")]), "one")
    proc = _start(repo, "run", "-c", "busy", "--model", script(*SLOW), "two")
    try:
        wait_for(worktree(repo, "busy") / "started")
        for command in (("run", "-c", "busy", "--model", script([text("x")]), "me too"), ("rm", "busy")):
            result = cli(*command, expect=1)
            assert f"is being written by another process (pid {proc.pid}): turn 2 is still running" in result.err
            assert "or work in a fork of its last turn: `gitagent fork busy NEW`" in result.err
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    result = cli("run", "-c", "busy", "--model", script([text("x")]), "me too", expect=1)
    assert "conversation 'busy' has an interrupted turn (turn 2)" in result.err


def test_a_turn_left_in_flight_by_a_process_that_lives_on_is_not_taken_for_running(repo: Path, script) -> None:
    """A script (or a batch worker) whose turn stopped lives on; its turn in flight is interrupted, not running:
    it is its lock, free now, that says so, not its owner's pid."""
    driver = repo.parent / "driver.py"
    driver.write_text(
        "import json, os, sys, time\n"
        "import gitagent\n"
        "kill = {'type': 'tool_use', 'name': 'Bash', 'input': {'command': f'kill -INT {os.getpid()}; sleep 5'}}\n"
        "json.dump({'responses': [[kill], [{'type': 'text', 'text': 'done'}]]}, open(sys.argv[1], 'w'))\n"
        "try:\n"
        "    gitagent.open(model='scripted:' + sys.argv[1], sandbox='none').conversation('alive').turn('go')\n"
        "except KeyboardInterrupt:\n"
        "    pass\n"
        "print('stopped', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, str(driver), str(repo.parent / "kill.json")], cwd=repo, text=True,
                            stdout=subprocess.PIPE, preexec_fn=default_sigint)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "stopped"
        assert git(repo, "for-each-ref", "refs/gitagent/inflight/alive").strip()  # its turn is in flight
        assert "interrupted" in run_cli(repo, "conversations").out
        resumed = run_cli(repo, "run", "--resume", "-c", "alive", "--model", script([text("finished")]))
        assert resumed.code == 0, resumed.err
        assert "[alive turn 1 → " in resumed.err
    finally:
        proc.kill()
        proc.wait()
