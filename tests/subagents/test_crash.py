"""Killing (kill -9) or interrupting (Ctrl-C) the parent while its children run: `run --resume` on the parent
finishes everything."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import conversation_head, default_sigint, git, run_cli, text, tool, worktree


def _refs(repo: Path, prefix: str) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", prefix).split()


def _two_slow_children(family, hold: str) -> str:
    """A parent that starts two background children, each held in `hold` (a Bash command) before it writes."""
    return family(
        [
            [tool("Agent", description=f"Make {f}", prompt=f"Create {f}.txt slowly", run_in_background=True)
             for f in ("left", "right")],
            [text("Waiting for both.")],
            [tool("MergeAgent", agent_id="1"), tool("MergeAgent", agent_id="2")],
            [text("Both merged.")],
        ],
        {f"{f}.txt": [[tool("Bash", command=hold, description="Work slowly")],
                      [tool("Write", file_path=f"{f}.txt", content=f"{f}\n")], [text(f"Made {f}.txt.")]]
         for f in ("left", "right")},
    )  # fmt: skip


def test_kill_9_of_the_parent_while_children_run_then_resume_finishes_everything(repo: Path, family) -> None:
    model = _two_slow_children(family, "sleep 30")
    parent = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "run", "-c", "k", "--model", model, "Split it"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    _wait_until_both_sleep(repo, parent)
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait()
    before = git(repo, "log", "--format=%H", "--glob=refs/gitagent/conversations").split()
    assert set(_refs(repo, "refs/gitagent/inflight")) == {f"refs/gitagent/inflight/{n}" for n in
                                                          ("k", "k.agents/1", "k.agents/2")}  # fmt: skip
    _resume_finishes_everything(repo, model, before)


def test_ctrl_c_of_the_parent_while_children_run_leaves_them_resumable(repo: Path, family) -> None:
    hold = "sleep 120.25"  # far longer than the wait for the exit below, and a name to look for afterwards
    model = _two_slow_children(family, hold)
    parent = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "run", "-c", "k", "--model", model, "Split it"], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=default_sigint,
    )  # fmt: skip
    _wait_until_both_sleep(repo, parent)
    os.killpg(parent.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, err = parent.communicate(timeout=60)
    assert parent.returncode == 130, err
    assert "gitagent: interrupted" in err
    assert "2 agents were interrupted too (k.agents/1, k.agents/2)" in err
    assert "gitagent run --resume -c k" in err and "Traceback" not in err
    assert _stray(repo, hold) == []  # no sandbox and no command of the children outlives gitagent
    for name in ("k", "k.agents/1", "k.agents/2"):
        events = _inflight_events(repo, name)
        assert events[-1]["type"] == "error" and events[-1]["message"] == "interrupted by the user", name
    git(repo, "fsck", "--strict")
    before = git(repo, "log", "--format=%H", "--glob=refs/gitagent/conversations").split()
    _resume_finishes_everything(repo, model, before)


def _resume_finishes_everything(repo: Path, model: str, before: list[str]) -> None:
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


def _wait_until_both_sleep(repo: Path, parent: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(_refs(repo, "refs/gitagent/inflight/k.agents")) < 2 or not _sleeping(repo):
        assert time.monotonic() < deadline and parent.poll() is None, parent.stderr.read() if parent.stderr else ""
        time.sleep(0.2)


def _inflight_events(repo: Path, name: str) -> list[dict]:
    ref = f"refs/gitagent/inflight/{name}"
    names = [n for n in git(repo, "ls-tree", "--name-only", ref).split() if n.startswith("event-")]
    return [json.loads(git(repo, "show", f"{ref}:{n}")) for n in names]


def _stray(repo: Path, hold: str) -> list[str]:
    """The command lines of processes still running a child's held command or a sandbox over this repository."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        line = " ".join(argv)
        if hold in line or (argv[0].endswith("bwrap") and str(repo) in line):
            found.append(line)
    return found


def _sleeping(repo: Path) -> bool:
    """Whether both children have saved their Bash call (so they are inside it)."""
    for n in (1, 2):
        out = git(repo, "ls-tree", "--name-only", f"refs/gitagent/inflight/k.agents/{n}", check=False)
        if len([line for line in out.split() if line.startswith("event-")]) < 2:
            return False
    return True
