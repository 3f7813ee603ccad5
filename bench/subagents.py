"""Subagents (issue 17): do background children really run in parallel, and what does a child cost the parent?

1. Parallelism. A parent starts background children against a fake Anthropic server (tests/fakes, the real SDK
   on the client side) that answers every request after 1 s; each child makes 5 requests (4 Reads, then its
   report). The parent's run with four children is timed against the same run with one child, in the same
   session. Target: at most 1.5x (four children in series would take about 3x: 4 x 5 s beside the parent's 3 s).
2. The parent's overhead per child on a 5,000-file repository: the start commit (a snapshot of the parent's
   worktree and one fork ref), the child's worktree as far as its first model request waits for it (nothing
   but starting the thread that makes it: `git worktree add --no-checkout` and the checkout of its 5,000
   files run while that request is under way, and are timed separately) and the merge of its one-file change
   back into the parent's worktree. Baseline, interleaved in the same run: plain `git worktree add` of the
   same commit. Target: under 150 ms.

Run: python bench/subagents.py [RUNS]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, init_repo, report, runs_from_argv, source_files

import gitagent
from gitagent.agent.record import TurnRecord
from gitagent.agent.session import turn_worktree
from gitagent.store import locks
from gitagent.store.conversations import get_conversation
from gitagent.subagents.start import Task, start_child
from gitagent.workspace.merge import merge_into
from gitagent.workspace.snapshot import take_snapshot
from gitagent.workspace.worktree import worktree_for
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

DELAY_S = 1.0
PARALLEL_ROUNDS = 2
CHILD_REQUESTS = 5
PARALLEL_TARGET = 1.5
OVERHEAD_TARGET_MS = 150.0
FILES = 5000
READ = {"type": "tool_use", "name": "Read", "input": {"file_path": "README.md"}}


class PerRequest(FakeAnthropic):
    """Answers by who asks: the parent starts `children` background agents, then waits; a child Reads 4 times,
    then reports. Every answer comes after DELAY_S."""

    def __init__(self, children: int) -> None:
        super().__init__()
        self.children = children
        self.local = threading.local()

    def handle(self, handler: Any, request: Any) -> None:
        self.local.body = request.body
        super().handle(handler, request)

    def next_step(self) -> Reply:
        body = self.local.body
        asked = sum(1 for m in body["messages"] if m["role"] == "assistant")
        system = json.dumps(body.get("system", ""))
        if "general-purpose agent" in system:
            content = [READ] if asked < CHILD_REQUESTS - 1 else [{"type": "text", "text": "Read it."}]
        elif asked == 0:
            content = [{"type": "tool_use", "name": "Agent", "input": {
                "description": f"Reader {n}", "prompt": f"Read README.md, agent {n}", "run_in_background": True}}
                for n in range(self.children)]  # fmt: skip
        else:
            content = [{"type": "text", "text": "Waiting." if asked == 1 else "All read."}]
        return Reply(content, delay=DELAY_S)


def parallel_run(children: int) -> float:
    """Seconds one parent turn with `children` background children takes."""
    server = PerRequest(children)
    with tempfile.TemporaryDirectory() as tmp:
        init_repo(Path(tmp) / "repo", {"README.md": "# bench\n"})
        repository = gitagent.open(Path(tmp) / "repo", model="anthropic:claude-sonnet-4-5",
                                   base_url=server.root, repo_map=False)  # fmt: skip
        started = time.monotonic()
        result = repository.conversation("p").turn("Read with helpers")
        elapsed = time.monotonic() - started
    server.close()
    assert result.ok and result.text == "All read.", result
    return elapsed


def overhead(root: Path, runs: int) -> dict[str, float]:
    """Median ms of a child's fork (start commit and ref), worktree (what its first request waits for), the
    files written behind it, and merge (its own write and snapshot not counted), and of a plain `git worktree
    add`, interleaved, on a 5,000-file repository."""
    repo = init_repo(root / "repo", {"README.md": "# bench\n", **source_files(FILES, 100)})
    model = root / "script.json"
    write = {"type": "tool_use", "name": "Write", "input": {"file_path": "draft.txt", "content": "x\n"}}
    model.write_text(json.dumps({"responses": [[write]]}))
    gitagent.open(root / "repo", model=f"scripted:{model}", repo_map=False).conversation("p").turn("Start")
    head = get_conversation(repo, "p").head
    record = TurnRecord.start(conversation="p", turn=2, model="m", prompt="go", owner={}, sandbox="bwrap")
    parent = SimpleNamespace(state=SimpleNamespace(name="p"), worktree=worktree_for(repo, "p"), head=head,
                             conversation_blob=head.tree["conversation.json"].id, record=record,
                             sandbox=SimpleNamespace(name="bwrap"))  # fmt: skip
    samples: dict[str, list[float]] = {"fork": [], "worktree": [], "filled": [], "merge": [], "plain": []}
    for n in range(runs + 1):
        times = {}
        started = time.perf_counter()
        name, start = start_child(repo, parent, Task("general-purpose", f"child {n}", "go", "", True), "m")  # type: ignore[arg-type]
        times["fork"] = time.perf_counter()
        made = get_conversation(repo, name).head
        with locks.hold(repo, name):  # as the child's turn does: its first request goes out once this returns
            worktree, filling = turn_worktree(repo, name, made, made.tree["conversation.json"].id, lambda e: None)
            times["worktree"] = time.perf_counter()
            assert filling is not None
            filling.wait()  # the child's tools wait for this; the parent and the first request do not
            times["filled"] = time.perf_counter()
        (worktree.path / f"child-{n}.txt").write_text("done\n")  # the child's own work: not timed
        tree = take_snapshot(worktree).tree
        before_merge = time.perf_counter()
        merged = merge_into(parent.worktree, start, tree)
        times["merge"] = time.perf_counter()
        assert merged.changed == [f"child-{n}.txt"], merged
        path = root / f"plain-{n}"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(path), "HEAD"], cwd=root / "repo", check=True)
        times["plain"] = time.perf_counter()
        if n:  # the first round warms the caches
            samples["fork"].append((times["fork"] - started) * 1000)
            samples["worktree"].append((times["worktree"] - times["fork"]) * 1000)
            samples["filled"].append((times["filled"] - times["worktree"]) * 1000)
            samples["merge"].append((times["merge"] - before_merge) * 1000)
            samples["plain"].append((times["plain"] - times["merge"]) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> None:
    runs = runs_from_argv(5)
    os.environ["ANTHROPIC_API_KEY"] = API_KEY
    os.environ["GITAGENT_HOME"] = tempfile.mkdtemp()  # no stored keys or user settings of the person running it
    parallel_run(1)  # warm-up: the first turn of the process pays for imports and the sandbox check
    ones, fours = [], []
    for _ in range(PARALLEL_ROUNDS):  # interleaved, so the machine's load weighs on both alike
        ones.append(parallel_run(1))
        fours.append(parallel_run(4))
    one, four = statistics.median(ones), statistics.median(fours)
    root = Path(tempfile.mkdtemp())
    try:
        parts = overhead(root, runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    total = parts["fork"] + parts["worktree"] + parts["merge"]
    report(
        "subagents",
        f"background children against a {DELAY_S:.0f} s fake server; per-child overhead on {FILES:,} files",
        [
            f"parent turn with 1 child: {one:.2f} s, with 4 children: {four:.2f} s (medians of {PARALLEL_ROUNDS}, "
            f"after a warm-up; the parent's own 3 requests take 3 s of each)",
            f"per child (medians of {runs}): fork {parts['fork']:.0f} ms, worktree {parts['worktree']:.0f} ms, merge "
            f"{parts['merge']:.0f} ms; the worktree made behind its first request {parts['filled']:.0f} ms; "
            f"plain git worktree add {parts['plain']:.0f} ms",
        ],
        [
            Check("4 children / 1 child, wall time", four / one, PARALLEL_TARGET, "x"),
            Check("parent overhead per child", total, OVERHEAD_TARGET_MS, "ms",
                  f"fork + merge alone {parts['fork'] + parts['merge']:.0f} ms; the worktree's wait is "
                  f"{parts['worktree'] / parts['plain']:.3f}x a plain git worktree add"),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
