"""The first turn of a new conversation in a large repository (issue 22): the cold code map and the worktree.

At 10,000 files (`source_files`: small Python modules in 200 directories), each run is `gitagent run` starting a
new conversation with the scripted model answering at once, so the wall time is gitagent's alone: with the map's
cache emptied first (cold) and with it kept (warm), interleaved. Target: the cold map holds the first turn up by at
most a second (the prompt waits that long, then the turn goes on without it; see gitagent/agent/codemap.py).

At 50,000 files (`--worktree-files N` to change), what a user waits for before the model is asked: `gitagent run`
against a stand-in Messages API (tests/fakes) in another thread of this process, timed from the command's start to
its first request's arrival, for a new conversation (whose worktree is written meanwhile) against a conversation
whose worktree exists, interleaved; the code map is off there (the rows above measure it). Beside it, for context:
the new conversation's whole turn (which waits for its files at the end), `git worktree add --detach` of the same
commit and `git status`. Target: the new conversation's first request ≤ 1 s later than the other's.

Run: python bench/first_turn.py [runs] [--worktree-files N]
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, child_env, git, init_repo, report, runs_from_argv, source_files

from gitagent.repomap.index import cache_dir
from gitagent.workspace import worktree as wt
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

BIN = Path(sys.executable).parent
MAP_FILES = 10_000
MODEL = "anthropic:claude-sonnet-4-5"
WAIT_TARGET_S = 1.0


def option(name: str, default: int) -> int:
    """An integer option (`--map-files N`, `--worktree-files N`)."""
    argv = sys.argv[1:]
    return int(argv[argv.index(name) + 1]) if name in argv else default


def first_turn_s(repo: Path, script: Path, name: str) -> float:
    """`gitagent run` starting conversation `name`; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "gitagent"), "run", "-c", name, "--model", f"scripted:{script}", "hi"], cwd=repo,
                          env=child_env(), capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"gitagent run failed: {done.stderr}")
    return time.perf_counter() - started


def timed_s(command: list[str], cwd: Path) -> float:
    """A command's wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def map_figures(root: Path, runs: int) -> tuple[list[str], list[Check]]:
    """Cold and warm first turns at 10,000 files."""
    count = option("--map-files", MAP_FILES)
    repo = init_repo(root / "map-repo", {"README.md": "# bench\n", **source_files(count, 200)})
    workdir, cache, full = Path(repo.workdir), cache_dir(Path(repo.path)), root / "full-map-cache"
    script = root / "answer.json"
    script.write_text('{"responses": [[{"type": "text", "text": "ok"}]]}')
    first_turn_s(workdir, script, "warm-up")  # fills the page cache
    subprocess.run([str(BIN / "gitagent"), "map"], cwd=workdir, env=child_env(), check=True, capture_output=True)
    shutil.copytree(cache, full)  # every file's tags: a warm start (a cold turn stops its build, keeping a part)
    samples: dict[str, list[float]] = {"cold": [], "warm": []}
    for n in range(runs):
        for kind in ("cold", "warm") if n % 2 else ("warm", "cold"):
            shutil.rmtree(cache, ignore_errors=True)
            if kind == "warm":
                shutil.copytree(full, cache)
            samples[kind].append(first_turn_s(workdir, script, f"{kind}-{n}"))
    cold, warm = statistics.median(samples["cold"]), statistics.median(samples["warm"])
    figures = [f"{count:,} files, new conversation: cold map {cold:.2f} s, warm map {warm:.2f} s (median of {runs})"]
    return figures, [Check("first turn, cold map − warm map", cold - warm, WAIT_TARGET_S, " s")]


class ArrivalClock(FakeAnthropic):
    """The stand-in Messages API, noting when each model request reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    def handle(self, handler: Any, request: Any) -> None:
        """Note the time, then answer as the stand-in does."""
        if request.method == "POST":
            self.arrivals.append(time.perf_counter())
        super().handle(handler, request)


def first_request_s(repo: Path, server: ArrivalClock, name: str) -> tuple[float, float]:
    """`gitagent run -c name` against the stand-in: seconds until its first model request arrived, and in all."""
    server.push(Reply([{"type": "text", "text": "ok"}]))
    env = {**child_env(), "ANTHROPIC_API_KEY": API_KEY}
    argv = [str(BIN / "gitagent"), "run", "-c", name, "--model", MODEL, "--base-url", server.base_url, "hi"]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    ended = time.perf_counter()
    if done.returncode != 0 or not server.arrivals or server.arrivals[-1] < started:
        raise SystemExit(f"gitagent run failed: {done.stderr}")
    return server.arrivals[-1] - started, ended - started


def worktree_figures(root: Path, runs: int) -> tuple[list[str], list[Check]]:
    """At 50,000 files: how long a new conversation's first request waits, against a conversation with a worktree."""
    count = option("--worktree-files", 50_000)
    started = time.perf_counter()
    repo = init_repo(root / "big-repo", source_files(count, 2000))
    workdir, head = Path(repo.workdir), repo.head.target
    git(["config", "gitagent.repoMapTokens", "0"], workdir)  # the map's own wait is the 10,000-file rows' business
    made = f"{count:,} files written and committed in {time.perf_counter() - started:.0f} s"
    server = ArrivalClock()
    first_request_s(workdir, server, "made")  # a conversation whose worktree exists from now on
    new, new_total, made_first, plain, status = [], [], [], [], []
    for n in range(runs):
        for kind in ("new", "made") if n % 2 else ("made", "new"):
            first, total = first_request_s(workdir, server, f"new-{n}" if kind == "new" else "made")
            (new if kind == "new" else made_first).append(first)
            if kind == "new":
                new_total.append(total)
                wt.remove(wt.worktree_for(repo, f"new-{n}"))
        plain.append(
            timed_s(["git", "worktree", "add", "--detach", "--quiet", str(root / f"plain-{n}"), str(head)], workdir)
        )
        git(["worktree", "remove", "--force", str(root / f"plain-{n}")], workdir)
        status.append(timed_s(["git", "status", "--porcelain"], workdir))
    server.close()
    extra = statistics.median(new) - statistics.median(made_first)
    new_s, made_s, whole_s = statistics.median(new), statistics.median(made_first), statistics.median(new_total)
    figures = [made, f"first model request: new conversation {new_s:.2f} s, conversation with a worktree "
               f"{made_s:.2f} s; the new conversation's whole turn (its worktree written meanwhile) {whole_s:.2f} s; "
               f"git worktree add {statistics.median(plain):.2f} s, git status {statistics.median(status):.2f} s "
               f"(medians of {runs})"]  # fmt: skip
    return figures, [Check(f"first request of a new conversation − with a worktree, {count:,} files", extra,
                           WAIT_TARGET_S, " s")]  # fmt: skip


def main() -> list[Check]:
    """Measure and report both."""
    runs = runs_from_argv(3)
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        figures, checks = map_figures(Path(tmp), runs)
        more_figures, more_checks = worktree_figures(Path(tmp), runs)
    report("first_turn", "a new conversation's first turn in a large repository", figures + more_figures,
           checks + more_checks)  # fmt: skip
    return checks + more_checks


if __name__ == "__main__":
    main()
