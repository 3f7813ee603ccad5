"""Opening `gitagent chat` in a real terminal (tmux): launch to an interactive prompt, for an empty
conversation and for one of 1,000 turns (issue 6: each within 2× of opening an empty conversation); launch
to a prompt that takes a typed key on the 1,000-turn conversation (issue 15: within 2× of `gitagent
--version` plus the import of the UI); and Enter to the first visible sign of work (issue 15: 100 ms).

Each case starts the installed console script in a fresh tmux session and polls the screen (`capture-pane`
every 5 ms) until the status bar is drawn (the prompt has focus by then), until the long conversation's
latest turn is on screen, or until a key typed once the status bar is drawn shows in the prompt. The
baseline of that last case is `gitagent --version` plus what `import gitagent.tui.app` adds to a bare
`python -c pass`, each a fresh process. For Enter, a chat is opened and a prompt typed (untimed), then Enter
is sent and the screen polled until the working line's "esc to interrupt" shows. The cases are interleaved
as in every benchmark here.

Run: python bench/chat_open.py [runs]
"""

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from common import Case, Check, build_history, init_repo, measure_samples, report, runs_from_argv

RATIO_TARGET = 2.0
ENTER_TARGET_MS = 100.0
TURNS = 1000
POLL_S = 0.005
SOCKET = f"gitagent-bench-{uuid.uuid4().hex[:8]}"


def _tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args], capture_output=True, text=True)
    if done.returncode and args[0] == "new-session":
        raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


SCRIPT = Path(sys.executable).parent / "gitagent"
PROMPT_LINE = re.compile(r"│ (\S+)\s+│")


def _wait_for(found: Callable[[str], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not found(screen := _tmux("capture-pane", "-p", "-t", "chat")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} never appeared:\n{screen}")
        time.sleep(POLL_S)


def _launch(repo: Path, args: str) -> None:
    _tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", "-c", str(repo), f"{SCRIPT} chat {args}")


def _typed(text: str) -> Callable[[str], bool]:
    """Whether the prompt box holds `text` (its line in the box, not the same words elsewhere)."""
    return lambda screen: any(m[1] == text for m in PROMPT_LINE.finditer(screen))


def _open(repo: Path, args: str, needle: str) -> Case:
    def run() -> None:
        _launch(repo, args)
        _wait_for(lambda screen: needle in screen, f"{needle!r} for `gitagent chat {args}`")

    return Case(f"chat {args}", run, setup=lambda: _tmux("kill-session", "-t", "chat"))


def _open_and_type(repo: Path, args: str) -> Case:
    """Launch until a key typed as soon as the status bar shows is in the prompt: a prompt one can use."""

    def run() -> None:
        _launch(repo, args)
        _wait_for(lambda screen: "│ auto" in screen, "the status bar")
        _tmux("send-keys", "-t", "chat", "-l", "x")
        _wait_for(_typed("x"), "a typed key")

    return Case(f"chat {args} until a key is taken", run, setup=lambda: _tmux("kill-session", "-t", "chat"))


def _process(name: str, argv: list[str]) -> Case:
    return Case(name, lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL))


def _enter(repo: Path, model: str) -> Case:
    """Enter on a typed prompt until the working line shows (the chat opened and the prompt typed untimed)."""

    def setup() -> None:
        _tmux("kill-session", "-t", "chat")
        _launch(repo, f"--new --model {model}")
        _wait_for(lambda screen: "│ auto" in screen, "the status bar")
        _tmux("send-keys", "-t", "chat", "-l", "go")
        _wait_for(_typed("go"), "the typed prompt")

    def run() -> None:
        _tmux("send-keys", "-t", "chat", "Enter")
        _wait_for(lambda screen: "esc to interrupt" in screen, "the working line")

    return Case("Enter to the working line", run, setup=setup)


def main() -> list[Check]:
    """Open an empty and a 1,000-turn conversation, press Enter on a prompt, and print the ratios."""
    runs = runs_from_argv(7)
    if not shutil.which("tmux"):
        report("chat open", "tmux is not installed (./install.sh --dev installs it)", [], [])
        return []
    with tempfile.TemporaryDirectory() as tmp:
        repo = init_repo(Path(tmp) / "repo", {"README.md": "# bench\n"})
        build_history(repo, "long", TURNS)
        root = Path(repo.workdir)
        script = Path(tmp) / "slow.json"
        script.write_text(
            json.dumps({"responses": [[{"type": "tool_use", "name": "Bash", "input": {"command": "sleep 1"}}]]})
        )
        empty = _open(root, "--new", "│ auto")
        long_ready = _open(root, "long", "│ auto")
        long_drawn = _open(root, "long ", f"({TURNS})")
        long_usable = _open_and_type(root, "long")
        version = _process("gitagent --version", [str(SCRIPT), "--version"])
        ui_import = _process("python -c 'import gitagent.tui.app'", [sys.executable, "-c", "import gitagent.tui.app"])
        bare = _process("python -c pass", [sys.executable, "-c", "pass"])
        enter = _enter(root, f"scripted:{script}")
        # An idle session keeps the server up: a new session right after the server exits can meet it dying.
        _tmux("new-session", "-d", "-s", "idle", "sleep 3600")
        try:
            cases = [empty, long_ready, long_drawn, long_usable, version, ui_import, bare, enter]
            samples = measure_samples(cases, runs, warmup=1)
        finally:
            _tmux("kill-server")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians[empty.name]
    baseline = medians[version.name] + medians[ui_import.name] - medians[bare.name]
    figures = [f"median of {runs} runs: {name} {ms:.0f} ms" for name, ms in medians.items()]
    figures.append(f"baseline: --version + (import of the UI - python -c pass) = {baseline:.0f} ms")
    figures.append(f"Enter to the working line, each run: {', '.join(f'{ms:.0f}' for ms in samples[enter.name])} ms")
    checks = [
        Check(f"launch to input, {TURNS} turns / empty", medians[long_ready.name] / base, RATIO_TARGET, "x"),
        Check(f"{TURNS}-turn history drawn / empty opened", medians[long_drawn.name] / base, RATIO_TARGET, "x"),
        Check(
            f"usable prompt, {TURNS} turns / (--version + UI import)",
            medians[long_usable.name] / baseline,
            RATIO_TARGET,
            "x",
        ),
        Check("Enter to the first sign of work", medians[enter.name], ENTER_TARGET_MS, " ms"),
    ]
    report("chat open", f"gitagent chat in tmux: a {TURNS}-turn conversation vs an empty one", figures, checks)
    return checks


if __name__ == "__main__":
    main()
