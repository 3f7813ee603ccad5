"""Shared helpers for the benchmarks: interleaved median timing, real repositories, turn histories, reports.

Every benchmark times its subject and a baseline in the same run, alternating between them so that a noisy
neighbour slows both alike, and reports the ratio of medians next to the issue's target.
"""

import compileall
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from time import struct_time
from typing import Any

import pygit2

from gitagent.store import turns
from gitagent.store.refs import conversation_ref

AUTHOR = ("Bench User", "bench@example.com")
RESULT_MARK = "BENCH-RESULT "
TURN_SPACING_S = 60


@dataclass(frozen=True)
class Case:
    """One thing to time: `run` is timed, `setup` (if any) runs untimed before every repetition."""

    name: str
    run: Callable[[], object]
    setup: Callable[[], object] | None = None


@dataclass(frozen=True)
class Check:
    """One figure against the issue's target: PASS when `value` is at most `limit` (at least, if
    `higher_is_better`)."""

    label: str
    value: float
    limit: float
    unit: str
    detail: str = ""
    higher_is_better: bool = False

    @property
    def passed(self) -> bool:
        """Whether the figure meets its target."""
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    @property
    def target(self) -> str:
        """`≤ 5 ms` or `≥ 0.9`."""
        return f"{'≥' if self.higher_is_better else '≤'} {self.limit:g}{self.unit}"

    def line(self) -> str:
        """`label  value (target ≤ limit)  PASS|FAIL`, aligned for a terminal."""
        verdict = "PASS" if self.passed else "FAIL"
        figure = f"{self.value:.2f}{self.unit}"
        target = f"target {self.target}"
        extra = f"  ({self.detail})" if self.detail else ""
        return f"  {self.label:<44} {figure:>10}   {target:<16} {verdict}{extra}"


def measure(cases: list[Case], runs: int, warmup: int = 2) -> dict[str, float]:
    """Median wall time in ms of each case, the cases interleaved for `runs` rounds (after `warmup`)."""
    return {name: statistics.median(values) for name, values in measure_samples(cases, runs, warmup).items()}


def measure_samples(cases: list[Case], runs: int, warmup: int = 2) -> dict[str, list[float]]:
    """Every wall time in ms of each case, the cases interleaved for `runs` rounds (after `warmup`)."""
    samples: dict[str, list[float]] = {case.name: [] for case in cases}
    for round_ in range(warmup + runs):
        for case in cases if round_ % 2 else reversed(cases):  # alternate the order: no case always goes first
            if case.setup is not None:
                case.setup()
            started = time.perf_counter()
            case.run()
            elapsed = (time.perf_counter() - started) * 1000
            if round_ >= warmup:
                samples[case.name].append(elapsed)
    return samples


@contextlib.contextmanager
def server_process(serve: Callable[[Connection], object]) -> Iterator[tuple[Connection, str]]:
    """Run `serve` (a fake server's loop) in a forked process of its own, so that the server's work does not
    compete with what is timed. `serve` first sends its base URL, then answers what it is sent until it gets
    None; yields the connection to it and that URL."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=serve, args=(theirs,), daemon=True)
    process.start()
    try:
        yield ours, ours.recv()
    finally:
        ours.send(None)
        process.join(5)


def byte_compile_gitagent() -> None:
    """Byte-compile gitagent's modules, as installing it does: this machine sets PYTHONDONTWRITEBYTECODE, so
    processes a benchmark does not start itself (a Ray cluster's workers) would otherwise compile every module
    from source at each start, which no user's installed gitagent does."""
    compileall.compile_dir(str(Path(turns.__file__).parent.parent), quiet=1)


def child_env() -> dict[str, str]:
    """This environment for a timed `gitagent` process, without the provider's variables (a benchmark sets its own)
    and without PYTHONDONTWRITEBYTECODE: an installed gitagent's modules are byte-compiled, so a benchmark must not
    time compiling them from source at every start."""
    return {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("ANTHROPIC_", "CLAUDE_"))
    }


def git(args: list[str], cwd: Path, input: bytes | None = None) -> str:
    """Run git in `cwd` with gitagent's clean environment (no inherited GIT_* variables); return stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith("GIT_CONFIG")}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, input=input, capture_output=True, check=True)
    return proc.stdout.decode()


def init_repo(path: Path, files: dict[str, str]) -> pygit2.Repository:
    """A real repository at `path` whose one commit on `main` holds `files`."""
    path.mkdir(parents=True)
    git(["init", "-q", "-b", "main"], path)
    git(["config", "user.name", AUTHOR[0]], path)
    git(["config", "user.email", AUTHOR[1]], path)
    for relative, text in files.items():
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(["add", "-A"], path)
    git(["commit", "-q", "-m", "initial commit"], path)
    return pygit2.Repository(str(path))


def source_files(count: int, directories: int) -> dict[str, str]:
    """`count` small Python-looking files spread over `directories` nested directories."""
    files = {}
    for i in range(count):
        d = i % directories
        path = f"pkg{d % 10}/mod{d}/file_{i}.py"
        files[path] = f'"""Module {i}."""\n\n\ndef f_{i}(x: int) -> int:\n    return x + {i}\n' * 3
    return files


def realistic_turn(number: int, conversation: str) -> dict[str, Any]:
    """A finished `turn.json` of a few KB shaped like `TurnRecord`'s: prompt, tool calls, results, answer."""
    listing = "".join(f"{n:>4}\tdef handler_{n}(request):  # turn {number}\n" for n in range(40))
    steps = [("Read", {"file_path": "app/views.py"}, listing), ("Bash", {"command": "pytest -q"}, "3 passed\n")]
    events: list[dict[str, Any]] = [{"type": "user", "text": f"Fix the failing login test ({number})", "at": _now()}]
    usage = {"input_tokens": 1200, "output_tokens": 180, "cache_read_tokens": 900, "cache_write_tokens": 0}
    for step, (tool, args, output) in enumerate(steps, start=1):
        call = {"type": "tool_use", "id": f"toolu_{number}_{step}", "name": tool, "input": args}
        text = {"type": "text", "text": "Let me look at the handler and run the tests first. " * 3}
        events.append(_assistant(step, [text, call], "tool_use", usage))
        events.append(
            {"type": "tool_result", "tool_use_id": call["id"], "name": tool, "content": output, "is_error": False}
        )
    answer = f"The login test failed because the session cookie was not set (turn {number}). " * 4
    events.append(_assistant(len(steps) + 1, [{"type": "text", "text": answer}], "end_turn", usage))
    return {
        "schema": turns.SCHEMA,
        "turn": number,
        "turn_id": f"00000000-0000-4000-8000-{number:012d}",
        "conversation": conversation,
        "model": "scripted:bench.json",
        "sandbox": "bwrap",
        "status": "complete",
        "started_at": _now(),
        "events": events,
        "ended_at": _now(),
        "duration_ms": 4210,
        "result": answer,
        "usage": usage,
        "left_out": [],
    }


def _assistant(step: int, content: list[dict[str, Any]], stop: str, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "assistant",
        "step": step,
        "model": "scripted:bench.json",
        "content": content,
        "stop_reason": stop,
        "usage": usage,
        "duration_ms": 850,
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime())


def turn_content(
    repo: pygit2.Repository,
    turn: dict[str, Any],
    conversation_blob: pygit2.Oid,
    workspace: pygit2.Oid | None,
    parent: pygit2.Commit | None,
) -> turns.TurnContent:
    """The `TurnContent` the agent's session builds for `turn`, with the same trailers."""
    tools = list(dict.fromkeys(e["name"] for e in turn["events"] if e["type"] == "tool_result"))
    trailers = turns.turn_trailers(repo, turn, turn["usage"], tools, parent)
    return turns.TurnContent(turn, conversation_blob, workspace, trailers, turn["events"][0]["text"], turn["result"])


def conversation_blob(repo: pygit2.Repository, name: str) -> pygit2.Oid:
    """The `conversation.json` blob of a new conversation based on the repository's HEAD."""
    info = {
        "schema": turns.SCHEMA,
        "name": name,
        "base": str(repo.head.target),
        "created_at": _now(),
        "model": "scripted:bench.json",
    }
    return turns.write_blob_json(repo, info)


def workspace_with(repo: pygit2.Repository, base_tree: pygit2.Tree, progress: str) -> pygit2.Oid:
    """A workspace tree: the base tree plus a `PROGRESS.txt` holding `progress` (one file differs per turn)."""
    builder = repo.TreeBuilder(base_tree)
    builder.insert("PROGRESS.txt", repo.create_blob(progress.encode()), pygit2.GIT_FILEMODE_BLOB)
    return builder.write()


class _TurnClock:
    """Stands in for the `time` module inside `turns` while a history is written: one turn a minute.

    Real turns are minutes apart; writing 10,000 in a few seconds would give them all the same commit time,
    which distorts libgit2's time-ordered history walks (merge-base stops late), so the history is dated
    as if it had been written over the past days, ending now.
    """

    def __init__(self, count: int) -> None:
        self.now = int(time.time()) - count * TURN_SPACING_S

    def time(self) -> float:
        """The next turn's time."""
        self.now += TURN_SPACING_S
        return float(self.now)

    @staticmethod
    def localtime(seconds: float | None = None) -> struct_time:
        """As `time.localtime` (used for the time-zone offset)."""
        return time.localtime(seconds)


def build_history(repo: pygit2.Repository, name: str, count: int) -> pygit2.Commit:
    """Write a `count`-turn conversation directly with `write_turn_commit`, point its ref at the head."""
    blob = conversation_blob(repo, name)
    base_tree = repo.head.peel(pygit2.Commit).tree
    parent: pygit2.Oid | None = None
    real_time, turns.time = turns.time, _TurnClock(count)  # type: ignore[assignment]
    try:
        for number in range(1, count + 1):
            workspace = workspace_with(repo, base_tree, f"{name} turn {number}\n")
            parent_commit = repo[parent].peel(pygit2.Commit) if parent else None
            content = turn_content(repo, realistic_turn(number, name), blob, workspace, parent_commit)
            parent = turns.write_turn_commit(repo, content, parent, AUTHOR)
    finally:
        turns.time = real_time
    if parent is None:
        raise ValueError("a conversation has at least one turn")
    repo.references.create(conversation_ref(name), parent, force=True)
    return repo[parent].peel(pygit2.Commit)


def set_ref(repo: pygit2.Repository, refname: str, target: pygit2.Oid) -> None:
    """Point `refname` at `target` unconditionally (benchmark set-up only)."""
    repo.references.create(refname, target, force=True)


def delete_ref(repo: pygit2.Repository, refname: str) -> None:
    """Delete `refname` if it exists (benchmark set-up only)."""
    if repo.references.get(refname) is not None:
        repo.references.delete(refname)


def report(title: str, what: str, figures: list[str], checks: list[Check]) -> None:
    """Print a benchmark's block; with `--json` also a machine-readable line for `run_all.py`."""
    print(f"== {title}")
    print(f"   {what}")
    for line in figures:
        print(f"   {line}")
    for check in checks:
        print(check.line())
    if "--json" in sys.argv[1:]:
        print(RESULT_MARK + json.dumps({"title": title, "checks": [asdict(c) for c in checks]}))
    sys.stdout.flush()


def runs_from_argv(default: int) -> int:
    """The repetition count: the first integer argument, or `default`."""
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    return int(numbers[0]) if numbers else default
