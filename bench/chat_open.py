"""Opening `gitagent chat` in a real terminal (tmux): launch to an interactive prompt, for an empty
conversation and for one of 1,000 turns (issue 6: each within 2× of opening an empty conversation).

Each case starts the installed console script in a fresh tmux session and polls the screen until the
status bar is drawn (the prompt has focus by then) or, for the long conversation, until its latest turn
is on screen; the cases are interleaved as in every benchmark here.

Run: python bench/chat_open.py [runs]
"""

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import Case, Check, build_history, init_repo, measure, report, runs_from_argv

RATIO_TARGET = 2.0
TURNS = 1000
POLL_S = 0.005
SOCKET = f"gitagent-bench-{uuid.uuid4().hex[:8]}"


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True)
    if done.returncode and args[0] == "new-session":
        raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _open(repo: Path, args: str, needle: str) -> Case:
    script = Path(sys.executable).parent / "gitagent"

    def run() -> None:
        _tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo), f"{script} chat {args}")
        deadline = time.monotonic() + 30
        while needle not in _tmux("capture-pane", "-p", "-t", "chat"):
            if time.monotonic() > deadline:
                screen = _tmux("capture-pane", "-p", "-t", "chat")
                raise RuntimeError(f"{needle!r} never appeared for `gitagent chat {args}`:\n{screen}")
            time.sleep(POLL_S)

    return Case(f"chat {args}", run, setup=lambda: _tmux("kill-session", "-t", "chat"))


def main() -> list[Check]:
    """Open an empty and a 1,000-turn conversation, and print the ratios."""
    runs = runs_from_argv(7)
    if not shutil.which("tmux"):
        report("chat open", "tmux is not installed (./install.sh --dev installs it)", [], [])
        return []
    with tempfile.TemporaryDirectory() as tmp:
        repo = init_repo(Path(tmp) / "repo", {"README.md": "# bench\n"})
        build_history(repo, "long", TURNS)
        root = Path(repo.workdir)
        empty = _open(root, "--new", "│ auto")
        long_ready = _open(root, "long", "│ auto")
        long_drawn = _open(root, "long ", f"({TURNS})")
        # An idle session keeps the server up: a new session right after the server exits can meet it dying.
        _tmux("new-session", "-d", "-s", "idle", "sleep 3600")
        try:
            medians = measure([empty, long_ready, long_drawn], runs, warmup=1)
        finally:
            _tmux("kill-server")
    base = medians[empty.name]
    figures = [f"median of {runs} runs: {name} {ms:.0f} ms" for name, ms in medians.items()]
    checks = [
        Check(f"launch to input, {TURNS} turns / empty", medians[long_ready.name] / base, RATIO_TARGET, "x"),
        Check(f"{TURNS}-turn history drawn / empty opened", medians[long_drawn.name] / base, RATIO_TARGET, "x"),
    ]
    report("chat open", f"gitagent chat in tmux: a {TURNS}-turn conversation vs an empty one", figures, checks)
    return checks


if __name__ == "__main__":
    main()
