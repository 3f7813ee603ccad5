"""The first turn of a new conversation in a large repository (issue 22): the cold code map and the worktree.

At 10,000 files (`source_files`: small Python modules in 200 directories), each run is `gitagent run` starting a
new conversation with the scripted model answering at once, so the wall time is gitagent's alone: with the map's
cache emptied first (cold) and with it kept (warm), interleaved. Target: the cold map holds the first turn up by at
most a second (the prompt waits that long, then the turn goes on without it; see gitagent/agent/codemap.py).

At 50,000 files (`--worktree-files N` to change), the new conversation's worktree: `worktree.create` (what the first
turn runs) against `git worktree add --detach` of the same commit, and the whole first turn against `git status`.
Target: the first turn waits at most a second for its worktree.

Run: python bench/first_turn.py [runs] [--worktree-files N]
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, child_env, git, init_repo, report, runs_from_argv, source_files

from gitagent.repomap.index import cache_dir
from gitagent.workspace import worktree as wt

BIN = Path(sys.executable).parent
MAP_FILES = 10_000
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


def worktree_figures(root: Path, runs: int) -> tuple[list[str], list[Check]]:
    """A new conversation's worktree at 50,000 files, against git's own."""
    count = option("--worktree-files", 50_000)
    started = time.perf_counter()
    repo = init_repo(root / "big-repo", source_files(count, 2000))
    workdir, head = Path(repo.workdir), repo.head.target
    made = f"{count:,} files written and committed in {time.perf_counter() - started:.0f} s"
    ours, theirs, status = [], [], []
    for n in range(runs):
        tree = wt.worktree_for(repo, f"wt-{n}")
        ours.append(_time(lambda tree=tree: wt.create(tree, head)))
        theirs.append(
            timed_s(["git", "worktree", "add", "--detach", "--quiet", str(root / f"plain-{n}"), str(head)], workdir)
        )
        status.append(timed_s(["git", "status", "--porcelain"], workdir))
        git(["worktree", "remove", "--force", str(root / f"plain-{n}")], workdir)
        wt.remove(tree)
    create, plain = statistics.median(ours), statistics.median(theirs)
    figures = [made, f"new conversation's worktree {create:.2f} s, git worktree add {plain:.2f} s, "
               f"git status {statistics.median(status):.2f} s (medians of {runs})"]  # fmt: skip
    return figures, [Check(f"worktree of a new conversation, {count:,} files", create, WAIT_TARGET_S, " s")]


def _time(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


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
