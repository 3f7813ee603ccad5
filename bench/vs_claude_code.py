"""A headless turn, end to end: `gitagent run` against the real Claude Code's `claude -p` (issue 22: ≤ 1.0×).

Both talk to one stand-in for the Anthropic Messages API (tests/fakes/anthropic_server.py, streaming, in this
process, answering at once) and play the same scripted turns: one step (a plain answer) and five steps (Write a
file, Edit it, run two Bash commands, answer). Each run is a fresh process started as a user would start it, a
new conversation (`claude -p` starts a new session; `gitagent run` without `-c` starts a new conversation, its
worktree made then), each in its own small repository, interleaved, alternating which goes first. gitagent runs
as it does by default (commands in its bwrap sandbox, the turn committed); Claude Code in `bypassPermissions`
mode so that Bash runs without a prompt, with a private HOME, telemetry and non-essential traffic off, as the
project's oracle (`../shared/oracle/claude-code`) runs it. The ratio is of medians of wall time.

Claude Code is found by `--claude PATH`, `$GITAGENT_CLAUDE`, or the oracle's install
(`~/.cache/gitagent-oracle/claude-code-*/node_modules/.bin/claude`); without it the benchmark says so and
reports nothing.

Run: python bench/vs_claude_code.py [runs] [--claude PATH]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, child_env, init_repo, report, runs_from_argv

from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

BIN = Path(sys.executable).parent
ORACLE_DIR = Path(os.environ.get("GITAGENT_ORACLE_DIR", Path.home() / ".cache" / "gitagent-oracle"))
MODEL = "claude-sonnet-5-5"
TARGET = 1.0
ANSWER = "All done."
FILES = {"README.md": "# bench\n", "src/app.py": "def greet():\n    return 'hi'\n"}


def claude_binary() -> Path | None:
    """Claude Code's `claude`: --claude PATH, $GITAGENT_CLAUDE, or the newest oracle install."""
    argv = sys.argv[1:]
    if "--claude" in argv:
        return Path(argv[argv.index("--claude") + 1])
    if os.environ.get("GITAGENT_CLAUDE"):
        return Path(os.environ["GITAGENT_CLAUDE"])
    found = sorted(ORACLE_DIR.glob("claude-code-*/node_modules/.bin/claude"))
    return found[-1] if found else None


def script(steps: int, where: Path) -> list[Reply]:
    """The model's answers: `steps` 1 is a plain answer; 5 writes, edits, runs two commands, answers."""
    if steps == 1:
        return [Reply([{"type": "text", "text": ANSWER}])]
    path = str(where / "notes.txt")
    calls = [
        ("Write", {"file_path": path, "content": "first line\nsecond line\n"}),
        ("Edit", {"file_path": path, "old_string": "second line", "new_string": "second line, edited"}),
        ("Bash", {"command": "wc -l notes.txt", "description": "Count the lines"}),
        ("Bash", {"command": "grep -c edited notes.txt", "description": "Check the edit"}),
    ]
    text = {"type": "text", "text": "Next step."}
    replies = [Reply([text, {"type": "tool_use", "name": n, "input": i}]) for n, i in calls]
    return [*replies, Reply([{"type": "text", "text": ANSWER}])]


class Runner:
    """Runs one tool's turns in its own repository against the shared stand-in server."""

    def __init__(self, name: str, repo: Path, server: FakeAnthropic, home: Path, claude: Path | None) -> None:
        self.name, self.repo, self.server, self.home, self.claude = name, repo, server, home, claude

    def command(self, prompt: str) -> list[str]:
        """The command line a user would type."""
        if self.name == "claude":
            return [str(self.claude), "-p", prompt, "--output-format", "json", "--model", MODEL,
                    "--permission-mode", "bypassPermissions"]  # fmt: skip
        model = f"anthropic:{MODEL}"
        return [str(BIN / "gitagent"), "run", "--model", model, "--base-url", self.server.base_url, "--output-format",
                "json", prompt]  # fmt: skip

    def env(self) -> dict[str, str]:
        """The environment: the stand-in's key and URL, a private HOME for Claude Code and GITAGENT_HOME."""
        env = child_env()
        env.update(ANTHROPIC_API_KEY=API_KEY, GITAGENT_HOME=str(self.home / "gitagent"))
        # The SDK's server lives in this run's own runtime directory (and exits when the run removes it);
        # "gitagent-cold" starts one per command, as `git config gitagent.sdkServer false` does.
        warm = str(int(self.name == "gitagent"))
        env.update(XDG_RUNTIME_DIR=str(self.home.parent / "run"), GITAGENT_SDK_SERVER=warm)
        if self.name == "claude":
            env.update(HOME=str(self.home), ANTHROPIC_BASE_URL=self.server.base_url, IS_SANDBOX="1")
            env.update(CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_TELEMETRY="1", DISABLE_AUTOUPDATER="1")
        return env

    def turn(self, steps: int, n: int) -> float:
        """Run one turn of `steps` model steps; its wall time in ms. Checks the answer and the file."""
        (self.repo / "notes.txt").unlink(missing_ok=True)
        where = self.repo if self.name == "claude" else Path("")
        self.server.push(*script(steps, where))
        seen = len(self.server.bodies)
        started = time.perf_counter()
        done = subprocess.run(self.command(f"bench turn {n}"), cwd=self.repo, env=self.env(), capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        elapsed = (time.perf_counter() - started) * 1000
        self._check(done, steps, len(self.server.bodies) - seen)
        return elapsed

    def _check(self, done: subprocess.CompletedProcess[str], steps: int, requests: int) -> None:
        result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
        if done.returncode != 0 or result.get("result") != ANSWER or requests != steps:
            raise SystemExit(f"{self.name} failed ({done.returncode}, {requests} requests): {done.stderr[-1500:]}")
        self.server.steps.clear()


def main() -> list[Check]:
    """Interleave gitagent's and Claude Code's turns; report medians and their ratio."""
    runs = runs_from_argv(7)
    claude = claude_binary()
    if claude is None or not claude.exists():
        hint = "pass --claude PATH or run ../shared/oracle/claude-code install"
        report("vs_claude_code", f"Claude Code not found: {hint}", [], [])
        return []
    version = subprocess.run([str(claude), "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        root = Path(tmp)
        server = FakeAnthropic()
        runners = {}
        (root / "run").mkdir(mode=0o700)
        for name in ("gitagent", "gitagent-cold", "claude"):
            (root / f"home-{name}").mkdir()
            repo = Path(init_repo(root / f"repo-{name}", FILES).workdir)
            runners[name] = Runner(name, repo, server, root / f"home-{name}", claude)
        samples: dict[str, list[float]] = {f"{name} {steps}": [] for steps in (1, 5) for name in runners}
        try:
            for n in range(runs + 1):  # the first round warms the page cache and is not counted
                for key in samples if n % 2 else reversed(samples):
                    name, steps = key.split()
                    value = runners[name].turn(int(steps), n)
                    if n:
                        samples[key].append(value)
        finally:
            server.close()
    medians = {key: statistics.median(values) for key, values in samples.items()}
    figures = [f"{key} step(s): median {ms:.0f} ms of {runs} (all: {', '.join(f'{v:.0f}' for v in samples[key])})"
               for key, ms in medians.items()]  # fmt: skip
    checks = []
    for steps in (1, 5):
        ours, cold, theirs = (medians[f"{name} {steps}"] for name in ("gitagent", "gitagent-cold", "claude"))
        label = f"gitagent run / claude -p, {steps} step(s)"
        checks.append(Check(label, ours / theirs, TARGET, "x", f"{ours:.0f} vs {theirs:.0f} ms"))
        figures.append(f"without the warm SDK server, {steps} step(s): {cold / theirs:.2f}x ({cold:.0f} ms)")
    what = f"a headless turn, gitagent run vs Claude Code {version}; load {os.getloadavg()[0]:.1f}"
    report("vs_claude_code", what, figures, checks)
    return checks


if __name__ == "__main__":
    main()
