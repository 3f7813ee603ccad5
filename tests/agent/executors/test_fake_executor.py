"""`gitagent run --executor claude-code` end to end without Node: the stand-in program fake_claude.py (Claude
Code's stream and session file, no model) in gitagent's real sandbox. Its turns are commits that log, show,
diff, apply and export read; its session resumes, forks and rewinds; a conversation swaps executor; a killed
turn resumes or is discarded; a wrong choice fails in one line that names the fix."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest

from gitagent.agent.setup import RunOptions
from gitagent.store import turns
from gitagent.tui.app import ChatApp
from gitagent.tui.session import ChatSession
from tests.agent.executors.programs import recorded_calls
from tests.conftest import Result, conversation_head, git, run_cli, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply
from tests.tui.conftest import screen_text, send

FAKE = Path(__file__).with_name("fake_claude.py")
ENV = {"ANTHROPIC_API_KEY": API_KEY}


@pytest.fixture
def fake(repo: Path) -> Path:
    if subprocess.run(["bwrap", "--version"], capture_output=True).returncode != 0:
        pytest.skip("bubblewrap (bwrap) is not installed")
    git(repo, "config", "gitagent.claudeCodePath", str(FAKE))
    return repo


def turn(repo: Path, name: str, prompt: str | None, *extra: str, expect: int = 0) -> Result:
    """One turn of conversation `name` run by the fake (no prompt: `--resume`, `--discard` in `extra`)."""
    argv = ["run", "-c", name, "--executor", "claude-code", *extra, *([prompt] if prompt is not None else [])]
    result = run_cli(repo, *argv, env=ENV)
    assert result.code == expect, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
    return result


def remembered(result: Result) -> list[str]:
    """The prompts the fake's session held, from its answer."""
    line = next(line for line in result.out.splitlines() if line.startswith("Session prompts: "))
    return json.loads(line.removeprefix("Session prompts: "))


def test_turns_are_commits_every_command_reads_and_the_session_resumes_forks_and_rewinds(fake: Path) -> None:
    repo = fake
    first = turn(repo, "f", "WRITE one.txt first")
    assert remembered(first) == ["WRITE one.txt first"] and "→ Write" in first.err
    second = turn(repo, "f", "WRITE two.txt second")
    assert remembered(second) == ["WRITE one.txt first", "WRITE two.txt second"]  # it resumed its session

    head = conversation_head(repo, "f")
    turn1 = head.parents[0]
    where = worktree(repo, "f").resolve()
    assert recorded_calls(turn1) == [("Write", {"file_path": str(where / "one.txt"), "content": "first\n"})]
    assert git(repo, "show", f"{head.id}:workspace/two.txt") == "second\n"
    assert turns.trailers(head)["Gitagent-Executor"] == "claude-code 2.1.328-fake"
    assert turns.read_turn(head)["model"] == "anthropic:claude-fake" and turns.read_turn(head)["cost_usd"] == 0.001
    state = json.loads(git(repo, "show", f"{head.id}:executor/claude-code/session.json"))
    assert state["turn"] == 2 and state["path"].startswith(".claude/projects/")
    parts = git(repo, "ls-tree", "--name-only", f"{head.id}:executor/claude-code").split()
    assert parts == ["part-000001.jsonl", "part-000002.jsonl", "session.json"]  # turn 2 stored only its lines

    assert "WRITE two.txt second" in run_cli(repo, "log", "f").out
    shown = run_cli(repo, "show", "f").out
    assert "executor: claude-code 2.1.328-fake" in shown and "→ Write" in shown and "(claude-code success" in shown
    assert "+second" in run_cli(repo, "diff", "f").out
    assert run_cli(repo, "apply", "f").code == 0 and (repo / "two.txt").read_text() == "second\n"
    git(repo, "checkout", "-q", "--", ".")
    (repo / "one.txt").unlink()
    (repo / "two.txt").unlink()
    assert run_cli(repo, "export", "f", "from-claude").code == 0
    assert git(repo, "show", "from-claude:one.txt") == "first\n"

    assert run_cli(repo, "fork", "f@1", "g").code == 0
    forked = turn(repo, "g", "third, in the fork")
    assert remembered(forked) == ["WRITE one.txt first", "third, in the fork"]
    places = next(line for line in forked.out.splitlines() if line.startswith("Session places: "))
    assert json.loads(places.removeprefix("Session places: ")) == [str(worktree(repo, "g").resolve())]
    assert run_cli(repo, "rewind", "f", "1").code == 0
    again = turn(repo, "f", "again, after the rewind")
    assert remembered(again) == ["WRITE one.txt first", "again, after the rewind"]
    assert not (where / "two.txt").exists()


def test_a_conversation_swaps_executor_and_each_sees_the_dialogue(fake: Path, anthropic: FakeAnthropic) -> None:
    repo = fake
    builtin = ["--executor", "gitagent", "--model", "anthropic:claude-fake", "--base-url", anthropic.base_url]
    anthropic.push(Reply([tool("Write", file_path="plan.txt", content="add tests\n")]), Reply([text("Planned.")]))
    assert run_cli(repo, "run", "-c", "s", *builtin, "make a plan", env=ENV).code == 0

    joined = turn(repo, "s", "WRITE done.txt tests added")
    told = joined.out.split("Prompt: ", 1)[1]
    assert "User: make a plan" in told and "Assistant: Planned." in told and "add tests" in told
    assert remembered(joined) == ["WRITE done.txt tests added"]

    anthropic.push(Reply([text("Both files are there.")]))
    assert run_cli(repo, "run", "-c", "s", *builtin, "what is done?", env=ENV).code == 0
    history = anthropic.bodies[-1]["messages"]
    uses = [b for m in history for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
    assert [(u["name"], u["input"].get("content")) for u in uses] == [("Write", "add tests\n"),
                                                                       ("Write", "tests added\n")]  # fmt: skip
    results = [b for m in history for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]
    assert len(results) == 2 and "File created at" in json.dumps(results[1])

    back = turn(repo, "s", "and now?")
    assert remembered(back) == ["WRITE done.txt tests added", "and now?"]  # its own session, resumed
    told = back.out.split("Prompt: ", 1)[1]
    assert "what is done?" in told and "Both files are there." in told and "make a plan" not in told
    executors = [turns.read_turn(c).get("executor", {}).get("name", "gitagent") for c in _chain(repo, "s")]
    assert executors == ["claude-code", "gitagent", "claude-code", "gitagent"]


def _chain(repo: Path, name: str) -> list[pygit2.Commit]:
    found = [conversation_head(repo, name)]
    while found[-1].parents:
        found.append(found[-1].parents[0])
    return found


def test_git_config_chooses_the_executor_and_a_conversation_keeps_it(fake: Path) -> None:
    repo = fake
    git(repo, "config", "gitagent.executor", "claude-code")
    result = run_cli(repo, "run", "-c", "cfg", "hello", env=ENV)
    assert result.code == 0 and remembered(result) == ["hello"]
    git(repo, "config", "--unset", "gitagent.executor")
    result = run_cli(repo, "run", "-c", "cfg", "still you?", env=ENV)  # no flag, no config: its last executor
    assert result.code == 0 and remembered(result) == ["hello", "still you?"]


def test_a_turn_killed_with_its_executor_resumes_or_is_discarded(fake: Path) -> None:
    repo = fake
    turn(repo, "k", "start")
    where = worktree(repo, "k").resolve()
    argv = [
        sys.executable,
        "-m",
        "gitagent",
        "run",
        "-c",
        "k",
        "--executor",
        "claude-code",
        "WRITE half.txt half\nHANG",
    ]
    proc = subprocess.Popen(argv, cwd=repo, env={**os.environ, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait(lambda: (where / "half.txt").exists() and _inflight_events(repo) >= 3, "the Write to be saved")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _wait(lambda: not _fake_running(where), "the executor to die with gitagent")
    events = _inflight_events(repo)
    assert events == 3  # user, assistant (the Write), tool_result: the partial stream, recorded

    (where / "release.log").write_text("")  # the fake hangs no more (*.log is ignored: not in the snapshot)
    resumed = turn(repo, "k", None, "--resume")
    told = resumed.out.split("Prompt: ", 1)[1]
    assert "This turn was interrupted" in told and "half.txt" in told
    head = conversation_head(repo, "k")
    assert turns.turn_number(head) == 2 and git(repo, "show", f"{head.id}:workspace/half.txt") == "half\n"

    failed = turn(repo, "k", "WRITE scratch.txt tmp\nFAIL", expect=1)
    assert "claude-code stopped: the fake was told to fail" in failed.err and "--resume -c k" in failed.err
    assert "Traceback" not in failed.err
    discarded = run_cli(repo, "run", "--discard", "-c", "k")
    assert discarded.code == 0 and "discarded the interrupted turn 3" in discarded.err
    assert not (where / "scratch.txt").exists()
    after = turn(repo, "k", "next")
    assert "WRITE scratch.txt tmp" not in json.dumps(remembered(after))  # the failed turn's session is gone


def _inflight_events(repo: Path) -> int:
    listing = subprocess.run(["git", "ls-tree", "--name-only", "refs/gitagent/inflight/k"], cwd=repo,
                             capture_output=True, text=True).stdout.split()  # fmt: skip
    return len([name for name in listing if name.startswith("event-")])


def _fake_running(cwd: Path) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
            if b"fake_claude" in cmdline and (entry / "cwd").resolve() == cwd:
                return True
        except OSError:
            continue
    return False


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_wrong_choices_fail_in_one_line_naming_the_fix(fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fake
    unknown = run_cli(repo, "run", "--executor", "aider", "hi", env=ENV)
    assert unknown.code != 0 and "unknown executor 'aider'" in unknown.err and "claude-code" in unknown.err
    model = run_cli(repo, "run", "--executor", "claude-code", "--model", "openai:gpt-5", "hi", env=ENV)
    assert model.code != 0 and "runs anthropic models" in model.err and "--model anthropic:NAME" in model.err
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN")}
    env["HOME"] = str(repo.parent / "empty-home")
    keyless = subprocess.run([sys.executable, "-m", "gitagent", "run", "--executor", "claude-code", "hi"], cwd=repo,
                             env=env, capture_output=True, text=True)  # fmt: skip
    assert keyless.returncode != 0 and "needs a anthropic key" in keyless.stderr
    assert "ANTHROPIC_API_KEY" in keyless.stderr
    git(repo, "config", "gitagent.claudeCodePath", str(repo / "no-such-claude"))
    missing = run_cli(repo, "run", "--executor", "claude-code", "hi", env=ENV)
    assert missing.code != 0 and "not an executable file" in missing.err and "git config --unset" in missing.err
    for result in (unknown, model, keyless, missing):
        assert "Traceback" not in (result.err if isinstance(result, Result) else result.stderr)


async def test_the_chat_runs_its_turns_with_the_chosen_executor(fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.chdir(fake)
    session = ChatSession(pygit2.Repository(str(fake)), RunOptions(executor="claude-code"))  # as `gitagent chat`
    session.open("talk", must_exist=False)
    app = ChatApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "WRITE chat.txt from the chat")
        await send(pilot, "what do you remember?")
        shown = screen_text(app)
        assert (
            "Write" in shown and 'Session prompts: ["WRITE chat.txt from the chat", "what do you remember?"]' in shown
        )
    head = conversation_head(fake, "talk")
    assert turns.turn_number(head) == 2 and turns.trailers(head)["Gitagent-Executor"] == "claude-code 2.1.328-fake"
    assert git(fake, "show", f"{head.id}:workspace/chat.txt") == "from the chat\n"


def test_options_reach_the_executors_command_line_and_a_typed_answer_needs_gitagent(fake: Path) -> None:
    repo = fake
    result = turn(repo, "o", "hi", "--max-cost", "0.5", "--executor-arg=--max-turns", "--executor-arg=3")
    line = next(line for line in result.out.splitlines() if line.startswith("Args: "))
    args = json.loads(line.removeprefix("Args: "))
    assert args[:4] == ["-p", "--output-format", "stream-json", "--verbose"]
    assert args[-4:] == ["--max-turns", "3", "--max-budget-usd", "0.5"]  # --max-cost, as Claude Code's own limit
    assert args[args.index("--permission-mode") + 1] == "bypassPermissions" and "--resume" not in args

    typed = run_cli(repo, "run", "-c", "o", "--output-schema", '{"type": "object"}', "as JSON", env=ENV)
    assert typed.code == 1 and "a typed answer (--output-schema) needs gitagent's own executor" in typed.err
    assert "--executor gitagent" in typed.err and "Traceback" not in typed.err
    assert git(repo, "for-each-ref", "refs/gitagent/inflight") == ""  # refused before the turn started


LOOP_ONLY = ("gitagent.agent.loop", "gitagent.tools.code", "gitagent.repomap", "gitagent.skills", "gitagent.mcp",
             "gitagent.subagents.definitions", "gitagent.subagents.host", "yaml", "tree_sitter")  # fmt: skip
"""What only gitagent's own loop uses: its tools' code map and parsers, skills (and YAML), MCP, subagents."""


def test_its_turn_loads_none_of_the_built_in_loops_parts(fake: Path) -> None:
    # gitagent's start is on the critical path of every executor turn: it must not load what the turn never uses
    loaded = "import sys\nfrom gitagent.cli.app import main\ntry:\n    main(sys.argv[1:])\nfinally:\n"
    loaded += f"    print('LOADED', *sorted(m for m in sys.modules if m.startswith({LOOP_ONLY!r})), file=sys.stderr)"
    argv = [sys.executable, "-c", loaded, "run", "-c", "lean", "--executor", "claude-code", "WRITE a.txt lean"]
    done = subprocess.run(argv, cwd=fake, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert git(fake, "show", "refs/gitagent/conversations/lean:workspace/a.txt").strip() == "lean"
    assert done.stderr.splitlines()[-1] == "LOADED"


def test_a_sandbox_that_cannot_start_stops_the_turn_before_it_starts(fake: Path) -> None:
    tools = fake.parent / "broken-bwrap"
    tools.mkdir()
    (tools / "bwrap").write_text(  # as bwrap where user namespaces are off: it runs, but makes no sandbox
        "#!/bin/sh\n[ \"$1\" = --help ] && exit 0\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    (tools / "bwrap").chmod(0o755)
    env = {**ENV, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    result = run_cli(fake, "run", "-c", "boxless", "--executor", "claude-code", "WRITE a.txt no", env=env)
    assert result.code == 1 and "Traceback" not in result.err
    assert "bwrap cannot create a sandbox here: bwrap: No permissions to creating new namespace" in result.err
    assert "--sandbox none" in result.err  # the hint names the fixes, the opt-out last
    assert git(fake, "for-each-ref", "refs/gitagent") == ""  # nothing started: no turn, no in-flight turn
    assert not worktree(fake, "boxless").exists()
