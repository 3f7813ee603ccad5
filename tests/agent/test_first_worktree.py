"""A new conversation's worktree is written while its first model request runs, not before it (issue 22: at 50,000
files the checkout takes half a minute). The request goes out while the files are still being written; a tool call
in the first answer sees every file; the code map of a warm cache is in the first prompt without the files; a kill
or an interruption during the fill leaves a turn that resumes with the whole worktree.

The fill is held back by a real smudge filter (git runs it for each file it checks out) that waits for a file the
test creates: a checkout as slow as the test needs, with no test hook in gitagent."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from gitagent.agent.interruption import interrupt_thread
from gitagent.agent.session import close_interrupted_turn, run_turn
from gitagent.agent.turn import TurnSettings
from gitagent.models import ModelRequest, ModelResponse
from gitagent.repomap import build_map
from gitagent.sandbox import UnconfinedSandbox
from gitagent.store import inflight
from gitagent.workspace import worktree as wt
from tests.conftest import conversation_head, git, worktree
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

WAIT_S = 30
MODEL = "anthropic:claude-sonnet-4-5"


@pytest.fixture
def gate(repo: Path, tmp_path: Path) -> Iterator[Path]:
    """The repository gets `data.txt`, which git checks out only once the returned path exists (at the latest
    when the test ends, so that a failing test leaves no checkout waiting)."""
    go = tmp_path / "go"
    (repo / ".gitattributes").write_text("*.txt filter=gate\n")
    (repo / "data.txt").write_text("the data\n")
    (repo / "app.py").write_text("class Widget:\n    def render(self) -> str:\n        return 'w'\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "data behind a gate")
    git(repo, "config", "filter.gate.smudge", f"sh -c 'while [ ! -e {go} ]; do sleep 0.05; done; cat'")
    yield go
    go.touch()


def _start(repo: Path, server: FakeAnthropic, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ANTHROPIC_API_KEY": API_KEY}
    argv = [sys.executable, "-m", "gitagent", "run", "--base-url", server.base_url, "-m", MODEL, "--sandbox", "none"]
    return subprocess.Popen(
        [*argv, *args], cwd=repo, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job has it
    )  # fmt: skip


def _wait_for_request(server: FakeAnthropic, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not server.bodies:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"no model request while the worktree was being written: {proc.communicate()}")
        time.sleep(0.05)


def _made(repo: Path, name: str) -> bool:
    return wt.worktree_for(pygit2.Repository(str(repo)), name).exists


def _events(repo: Path, name: str) -> list[dict]:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]


def _assert_worktree_at_head(repo: Path, name: str) -> None:
    path = worktree(repo, name)
    assert (path / "data.txt").read_text() == "the data\n"
    assert git(path, "status", "--porcelain") == ""
    recorded = git(repo, "rev-parse", f"{conversation_head(repo, name).id}:workspace").strip()
    assert git(path, "write-tree").strip() == recorded
    git(repo, "fsck", "--strict")


def test_the_first_request_goes_out_before_the_files_and_its_tool_call_sees_them(
    repo: Path, gate: Path, anthropic: FakeAnthropic
) -> None:
    anthropic.push(
        Reply([{"type": "tool_use", "name": "Read", "input": {"file_path": "data.txt"}}]),
        Reply([{"type": "text", "text": "read it"}]),
    )
    proc = _start(repo, anthropic, "-c", "new", "read data.txt")
    _wait_for_request(anthropic, proc)  # the old code made the worktree first: no request until the gate opens
    assert not _made(repo, "new")
    gate.touch()
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 0, err
    assert "read it" in out
    [read] = [e for e in _events(repo, "new") if e["type"] == "tool_result"]
    assert "the data" in read["content"] and not read["is_error"]
    _assert_worktree_at_head(repo, "new")


class Asker:
    """Records whether the worktree was complete and what the system prompt said when asked; then opens the gate."""

    spec = "test:asker"

    def __init__(self, repo: Path, gate: Path) -> None:
        self.repo, self.gate = repo, gate
        self.asked: list[tuple[bool, str]] = []

    def stream(self, request: ModelRequest) -> Iterator[ModelResponse]:
        self.asked.append((_made(self.repo, "mapped"), request.system))
        self.gate.touch()
        yield ModelResponse([{"type": "text", "text": "seen"}], "end_turn")


def test_a_warm_code_map_is_in_the_first_prompt_before_the_files_are_written(repo: Path, gate: Path) -> None:
    build_map(repo)  # `gitagent map` in the user's checkout: every file's tags are cached
    model = Asker(repo, gate)
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox())
    opener = threading.Timer(WAIT_S, gate.touch)  # a turn that waits for its files before asking fails, not hangs
    opener.start()
    try:
        outcome = run_turn(pygit2.Repository(str(repo)), "mapped", "hello", settings)
    finally:
        opener.cancel()
    assert outcome.status == "complete"
    [(made, system)] = model.asked
    assert not made  # asked while the files were still being written…
    assert "Repository map" in system and "class Widget" in system  # …with the map read from git's objects
    _assert_worktree_at_head(repo, "mapped")


def test_a_kill_during_the_fill_leaves_a_turn_that_resumes(repo: Path, gate: Path, anthropic: FakeAnthropic) -> None:
    proc = _start(repo, anthropic, "-c", "killed", "read data.txt")
    _wait_for_request(anthropic, proc)
    proc.kill()
    proc.communicate()
    assert not _made(repo, "killed")  # half-made: it is rebuilt, never recorded
    gate.touch()
    anthropic.push(
        Reply([{"type": "tool_use", "name": "Read", "input": {"file_path": "data.txt"}}]),
        Reply([{"type": "text", "text": "resumed"}]),
    )
    again = _start(repo, anthropic, "-c", "killed", "again")
    _, err = again.communicate(timeout=WAIT_S)
    assert again.returncode != 0 and "gitagent run --resume -c killed" in err
    resumed = _start(repo, anthropic, "--resume", "-c", "killed")
    out, err = resumed.communicate(timeout=WAIT_S)
    assert resumed.returncode == 0, err
    assert "resumed" in out
    assert any(e["type"] == "tool_result" and "the data" in e["content"] for e in _events(repo, "killed"))
    _assert_worktree_at_head(repo, "killed")


def test_ctrl_c_during_the_fill_lets_go_only_of_a_whole_worktree(
    repo: Path, gate: Path, anthropic: FakeAnthropic
) -> None:
    thinking = threading.Event()
    anthropic.push(Reply([{"type": "text", "text": "never sent"}], hold=thinking))
    proc = _start(repo, anthropic, "-c", "stopped", "read data.txt")
    try:
        _wait_for_request(anthropic, proc)
        proc.send_signal(signal.SIGINT)  # to gitagent alone: its git checkout goes on, held by the gate
        time.sleep(1)
        assert proc.poll() is None  # it waits for the checkout before it lets go of the conversation's lock
        assert "interrupted by the user" in json.dumps(_inflight_events(repo, "stopped"))  # saved at once
        gate.touch()
        _, err = proc.communicate(timeout=WAIT_S)
    finally:
        thinking.set()
        proc.kill()
    assert proc.returncode == 130 and "gitagent run --resume -c stopped" in err, err
    assert _made(repo, "stopped")
    anthropic.push(Reply([{"type": "text", "text": "went on"}]))
    resumed = _start(repo, anthropic, "--resume", "-c", "stopped")
    out, err = resumed.communicate(timeout=WAIT_S)
    assert resumed.returncode == 0 and "went on" in out, err
    _assert_worktree_at_head(repo, "stopped")


def _inflight_events(repo: Path, name: str) -> list[dict]:
    commit = inflight.load(pygit2.Repository(str(repo)), name)
    assert commit is not None, "no in-flight turn saved"
    return [json.loads(commit.tree[e.name].data) for e in commit.tree if e.name.startswith("event-")]


class Answerer:
    """Answers at once, so that the turn's thread goes on to wait for the files before it takes the answer."""

    spec = "test:answerer"

    def __init__(self) -> None:
        self.asked = threading.Event()

    def stream(self, request: ModelRequest) -> Iterator[ModelResponse]:
        self.asked.set()
        yield ModelResponse([{"type": "text", "text": "done"}], "end_turn")


def test_esc_in_the_chat_during_the_fill_is_seen_at_once_and_the_next_prompt_goes_on(repo: Path, gate: Path) -> None:
    """The chat interrupts the turn's thread (`interrupt_thread`); it must not sit out the whole checkout."""
    model = Answerer()
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox(), repo_map_tokens=0)
    ended: list[BaseException] = []

    def turn() -> None:
        try:
            run_turn(pygit2.Repository(str(repo)), "esc", "hello", settings)
        except BaseException as e:
            ended.append(e)

    thread = threading.Thread(target=turn, daemon=True)
    thread.start()
    assert model.asked.wait(WAIT_S), "the model was not asked while the worktree was being written"
    time.sleep(0.2)  # the answer is in, and the turn's thread waits for the files before it takes it
    assert interrupt_thread(thread)
    deadline = time.monotonic() + WAIT_S
    while "interrupted by the user" not in json.dumps(_inflight_events(repo, "esc")):
        assert time.monotonic() < deadline, "Esc was not seen while the files were being written"
        time.sleep(0.05)
    assert thread.is_alive() and not _made(repo, "esc")  # the lock is held until the fill ends
    gate.touch()
    thread.join(WAIT_S)
    assert [type(e) for e in ended] == [KeyboardInterrupt]
    outcome = close_interrupted_turn(pygit2.Repository(str(repo)), "esc", settings)  # the chat's next prompt
    assert outcome.status == "interrupted"
    _assert_worktree_at_head(repo, "esc")
    assert run_turn(pygit2.Repository(str(repo)), "esc", "next", settings).status == "complete"


def test_a_rejected_key_leaves_no_worktree_even_while_it_is_written(
    repo: Path, gate: Path, anthropic: FakeAnthropic
) -> None:
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-wrong"}
    argv = [sys.executable, "-m", "gitagent", "run", "--base-url", anthropic.base_url, "-m", MODEL, "-c", "nokey"]
    proc = subprocess.Popen([*argv, "hi"], cwd=repo, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WAIT_S
    while not any(r.method == "POST" for r in anthropic.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)  # the key is refused while the checkout is still held
    gate.touch()
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode != 0 and "ANTHROPIC_API_KEY" in err, err
    assert not worktree(repo, "nokey").exists()  # removed once written, not while git was still writing it
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""


def test_the_tree_is_listed_as_a_clean_checkout_of_it_is(repo: Path, gate: Path) -> None:
    """The first prompt's map of a worktree being written is the map of the checkout it will be: same files,
    same blobs, same cache key (so a map made in one is recalled in the other)."""
    from gitagent.repomap.files import list_files, list_tree

    gate.touch()
    (repo / "pkg").mkdir()
    (repo / "pkg" / "a-b.py").write_text("x = 1\n")
    (repo / "pkg-c.py").write_text("y = 2\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "names that sort around a directory")
    checkout = repo.parent / "checkout"
    git(repo, "worktree", "add", "-q", "--detach", str(checkout), "HEAD")
    listed, from_tree = list_files(checkout), list_tree(repo / ".git", git(repo, "rev-parse", "HEAD^{tree}").strip())
    assert from_tree.blobs == listed.blobs and "pkg/a-b.py" in from_tree.blobs
    assert from_tree.state == listed.state
