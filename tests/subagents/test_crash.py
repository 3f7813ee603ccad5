"""Killing the parent (kill -9) while its children run: `run --resume` on the parent finishes everything."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import conversation_head, git, run_cli, text, tool, worktree


def _refs(repo: Path, prefix: str) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", prefix).split()


def test_kill_9_of_the_parent_while_children_run_then_resume_finishes_everything(repo: Path, family) -> None:
    model = family(
        [
            [tool("Agent", description=f"Make {f}", prompt=f"Create {f}.txt slowly", run_in_background=True)
             for f in ("left", "right")],
            [text("Waiting for both.")],
            [tool("MergeAgent", agent_id="1"), tool("MergeAgent", agent_id="2")],
            [text("Both merged.")],
        ],
        {f"{f}.txt": [[tool("Bash", command="sleep 30", description="Work slowly")],
                      [tool("Write", file_path=f"{f}.txt", content=f"{f}\n")], [text(f"Made {f}.txt.")]]
         for f in ("left", "right")},
    )  # fmt: skip
    parent = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "run", "-c", "k", "--model", model, "Split it"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_refs(repo, "refs/gitagent/inflight/k.agents")) < 2 or not _sleeping(repo):
        assert time.monotonic() < deadline and parent.poll() is None, parent.stderr.read() if parent.stderr else ""
        time.sleep(0.2)
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait()
    before = git(repo, "log", "--format=%H", "--glob=refs/gitagent/conversations").split()
    assert set(_refs(repo, "refs/gitagent/inflight")) == {f"refs/gitagent/inflight/{n}" for n in
                                                          ("k", "k.agents/1", "k.agents/2")}  # fmt: skip
    resumed = run_cli(repo, "run", "--resume", "-c", "k", "--model", model)
    assert resumed.code == 0, resumed.err
    assert "Both merged." in resumed.out
    assert "agent k.agents/1 was interrupted; resuming it" in resumed.err
    assert _refs(repo, "refs/gitagent/inflight") == []
    for name, f in (("k.agents/1", "left"), ("k.agents/2", "right")):
        turn = json.loads(conversation_head(repo, name).tree["turn.json"].data)
        assert turn["status"] == "complete" and turn["result"] == f"Made {f}.txt."
        assert (worktree(repo, "k") / f"{f}.txt").read_text() == f"{f}\n"
    after = git(repo, "log", "--format=%H", "--glob=refs/gitagent/conversations").split()
    assert set(before) <= set(after)  # no turn lost
    git(repo, "fsck", "--strict")


def _sleeping(repo: Path) -> bool:
    """Whether both children have saved their Bash call (so they are inside it)."""
    for n in (1, 2):
        out = git(repo, "ls-tree", "--name-only", f"refs/gitagent/inflight/k.agents/{n}", check=False)
        if len([line for line in out.split() if line.startswith("event-")]) < 2:
            return False
    return True
