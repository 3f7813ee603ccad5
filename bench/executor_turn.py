"""What `gitagent run --executor claude-code` adds to a Claude Code turn (issue 18).

The real Claude Code (the pinned version `./install.sh --dev` installs) runs one turn — a Bash command, then
an answer: two model requests — against the fake Anthropic server in this process, answering at once:
directly (`claude -p --output-format stream-json --verbose`, a private HOME, in a checkout), and through
`gitagent run --executor claude-code` (gitagent's start, the sandbox, the private home and its session
restored, the stream's conversion, the in-flight saves, the snapshot and the turn commit). Both the first turn
of a new session / conversation and a later turn resuming it (`--resume` / the same conversation). Interleaved
runs, medians.

On a shared machine Claude Code's own time varies by seconds from run to run, more than the difference being
measured, so the target is checked on a paired figure: each `gitagent run`'s wall time minus the time its
Claude Code ran within it (from its start until it exited, as the turn records it: `executor_result`'s
`duration_ms`; bwrap's own start, ~10 ms by bench/sandbox_startup.py, falls in the latter). Python runs
with its bytecode cache, as on a user's machine (this one sets PYTHONDONTWRITEBYTECODE). The difference of
the medians (direct vs through gitagent) is shown beside it. Target: gitagent adds under 300 ms. For the
breakdown, the same runs interleave a fresh Python importing what `gitagent run` imports (`python -c "import
gitagent.cli.run"`, less `python -c pass`): the part of the added time that is gitagent's start, not the turn.

Run: python bench/executor_turn.py [runs]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Case, Check, init_repo, measure, report, runs_from_argv

from gitagent.agent.executors.claude_code import ClaudeCode
from gitagent.agent.executors.programs import PROGRAMS
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

TARGET_MS = 300.0
IMPORT = "import gitagent.cli.run"
QUIET = {"DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}


def replies(fake: FakeAnthropic) -> None:
    """One turn's model answers: a command, then the answer."""
    command = {"type": "tool_use", "name": "Bash", "input": {"command": "echo hi >> notes.txt", "description": "x"}}
    fake.push(Reply([command]), Reply([{"type": "text", "text": "Noted."}]))


def executor_ms(repo: Path, name: str) -> float:
    """How long Claude Code ran in the conversation's last turn, as the turn records it."""
    shown = subprocess.run(["git", "show", f"refs/gitagent/conversations/{name}:turn.json"], cwd=repo,
                           capture_output=True, text=True, check=True)  # fmt: skip
    [end] = [e for e in json.loads(shown.stdout)["events"] if e["type"] == "executor_result"]
    return float(end["duration_ms"])


def main(runs: int) -> None:
    """Time a Claude Code turn directly and through gitagent, first and later turns, and report the difference."""
    program = PROGRAMS["claude-code"].pinned
    if not program.exists():
        sys.exit(f"Claude Code {PROGRAMS['claude-code'].version} is not installed: run ./install.sh --dev")
    fake = FakeAnthropic()
    with tempfile.TemporaryDirectory() as tmp:
        direct_repo = Path(tmp) / "direct"
        init_repo(direct_repo, {"README.md": "# bench\n"})
        home = Path(tmp) / "home"
        home.mkdir()
        # as a user's machine has it: this one sets PYTHONDONTWRITEBYTECODE, which recompiles gitagent every run
        python_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {**python_env, "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": fake.base_url, **QUIET}
        direct_env = {**env, "HOME": str(home), **ClaudeCode().fixed_env(fake.base_url)}
        repo = Path(tmp) / "repo"
        init_repo(repo, {"README.md": "# bench\n"})
        subprocess.run(["git", "config", "gitagent.claudeCodePath", str(program)], cwd=repo, check=True)
        base_argv = ClaudeCode().argv(program, None, None, [])
        gitagent = [sys.executable, "-m", "gitagent", "run", "--executor", "claude-code"]
        numbers = count()

        def direct(resume: str | None = None) -> str:
            argv = base_argv + (["--resume", resume] if resume else [])
            done = subprocess.run(
                argv, cwd=direct_repo, env=direct_env, input="note it", capture_output=True, text=True, check=True
            )
            return json.loads(done.stdout.splitlines()[-1])["session_id"]

        added: dict[str, list[float]] = {"new": [], "later": []}

        def through(name: str, kind: str) -> None:
            started = time.perf_counter()
            done = subprocess.run([*gitagent, "-c", name, "note it"], cwd=repo, env=env, capture_output=True, text=True)
            wall = (time.perf_counter() - started) * 1000
            assert done.returncode == 0, done.stderr
            added[kind].append(wall - executor_ms(repo, name))

        replies(fake)
        session = direct()
        replies(fake)
        through("later", "later")
        added["later"].clear()
        new = lambda: through(f"new-{next(numbers)}", "new")  # noqa: E731
        python = [sys.executable, "-c"]
        medians = measure(
            [
                Case("python -c pass", lambda: subprocess.run([*python, "pass"], env=env, check=True)),
                Case("python: import gitagent.cli.run", lambda: subprocess.run([*python, IMPORT], env=env, check=True)),
                Case("direct, new session", direct, lambda: replies(fake)),
                Case("gitagent, new conversation", new, lambda: replies(fake)),
                Case("direct, --resume", lambda: direct(session), lambda: replies(fake)),
                Case("gitagent, later turn", lambda: through("later", "later"), lambda: replies(fake)),
            ],
            runs,
            warmup=1,
        )
    fake.close()
    first = medians["gitagent, new conversation"] - medians["direct, new session"]
    later = medians["gitagent, later turn"] - medians["direct, --resume"]
    figures = [f"{name}: {ms:.0f} ms" for name, ms in medians.items()]
    figures.append(f"difference of medians: first turn {first:+.0f} ms, later turn {later:+.0f} ms (noise: seconds)")
    start = medians["python: import gitagent.cli.run"] - medians["python -c pass"]
    rest = {kind: statistics.median(values) - start for kind, values in added.items()}
    figures.append(f"of the added time, gitagent's imports: {start:.0f} ms; the rest: first turn {rest['new']:.0f} ms, "
                   f"later turn {rest['later']:.0f} ms")  # fmt: skip
    report(
        "executor_turn",
        f"one Claude Code {PROGRAMS['claude-code'].version} turn (2 model requests), medians of {runs} runs",
        figures,
        [
            Check("added by gitagent, first turn", statistics.median(added["new"]), TARGET_MS, " ms"),
            Check("added by gitagent, later turn", statistics.median(added["later"]), TARGET_MS, " ms"),
        ],
    )


if __name__ == "__main__":
    main(runs_from_argv(7))
