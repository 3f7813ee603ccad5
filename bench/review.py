"""`gitagent review`: its own overhead on a 100-file change, and the speed-up from reviewing parts in parallel
(issue 8).

1. Overhead: `run_review` on a repository of 1,000 files where a branch modifies 100 of them, with the scripted
   model answering at once, so what is timed is everything but model time: resolving the commits and the
   merge base, the diff and its hunks, skipping and packing, the head's worktree (kept between runs and
   moved to the head), the base commit's configuration, the read-only sandbox, the turn's in-flight saves
   and commit, and the findings' placement; then rendering every output format. Baseline, in the same
   run: `git diff MB HEAD`, the bare patch a reviewer reads. Target: under 1 s (a real review's model time is minutes).
2. Parallel parts: the same kind of change split into 8 parts (`chunk_tokens`), against the fake Anthropic
   server (tests/fakes) answering every request after a fixed delay. Wall time with 1 part at a time
   against 4 at a time. Target: a speed-up of at least 3x (4x is the ideal).

Run: python bench/review.py [RUNS]
"""

import functools
import json
import os
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygit2
from common import Case, Check, git, init_repo, measure, report, runs_from_argv, server_process, source_files

from gitagent.review.ci import Target
from gitagent.review.formats import FILES, render_format
from gitagent.review.runner import ReviewOptions, run_review
from gitagent.sandbox.check import check_bwrap
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

FILES_IN_REPO = 1000
CHANGED = 100
PARTS = 8
PARTS_CHANGED = 70
"""Changed files whose patches make exactly PARTS parts of 1,000 tokens."""
DELAY_S = 1.0
OVERHEAD_TARGET_MS = 1000.0
SPEEDUP_TARGET = 3.0


def change_repo(root: Path, changed: int) -> Path:
    """A repository on branch `change` that modifies `changed` of its source files."""
    path = root / f"repo-{changed}"
    files = source_files(FILES_IN_REPO, 100)
    init_repo(path, files)
    git(["checkout", "-q", "-b", "change"], path)
    for name in list(files)[:changed]:
        (path / name).write_text(files[name].replace("return x +", "return x * 2 +"))
    git(["commit", "-q", "-am", "change"], path)
    return path


ANSWER = {"type": "tool_use", "name": "StructuredOutput", "input": {"summary": "Looks fine.", "findings": []}}
"""A part's answer: its summary and no findings."""


def sandbox_choice() -> str:
    try:
        check_bwrap()
    except Exception:
        return "none"
    return "bwrap"


def overhead(root: Path, runs: int) -> tuple[dict[str, float], int]:
    repo_path = change_repo(root, CHANGED)
    script = root / "answer.json"
    script.write_text(json.dumps({"responses": [[ANSWER]]}))
    target = Target("local", "main", "change", "bench")
    options = ReviewOptions(model=f"scripted:{script}", sandbox=sandbox_choice())
    merge_base = git(["merge-base", "main", "change"], repo_path).strip()
    files = []

    def review() -> None:
        result = run_review(pygit2.Repository(str(repo_path)), target, options, lambda part, event: None)
        files.append(len(result.files))
        for name in FILES:
            render_format(name, result, "error")

    cases = [Case("review", review), Case("git diff", lambda: git(["diff", merge_base, "change"], repo_path))]
    return measure(cases, runs, warmup=1), files[-1]


def _serve(conn: Connection) -> None:
    """The fake Anthropic server, in its own process so its work does not compete with the review's."""
    server = FakeAnthropic()
    conn.send(server.base_url)
    while (count := conn.recv()) is not None:
        server.steps.clear()
        server.push(*[Reply([ANSWER], delay=DELAY_S) for _ in range(count)])
        conn.send("ok")
    server.close()


def parallel(root: Path, runs: int) -> dict[str, float]:
    repo_path = change_repo(root, PARTS_CHANGED)
    os.environ["ANTHROPIC_API_KEY"] = API_KEY
    target = Target("local", "main", "change", "bench-parallel")
    with server_process(_serve) as (server, base_url):

        def review(jobs: int) -> None:
            options = ReviewOptions(model="anthropic:claude-sonnet-5-5", sandbox=sandbox_choice(),
                                    chunk_tokens=1000, jobs=jobs, base_url=base_url)  # fmt: skip
            result = run_review(pygit2.Repository(str(repo_path)), target, options, lambda part, event: None)
            assert len(result.parts) == PARTS, f"expected {PARTS} parts, got {len(result.parts)}"

        def answers() -> None:
            server.send(PARTS)
            server.recv()

        cases = [Case(jobs, functools.partial(review, int(jobs)), setup=answers) for jobs in ("1", "4")]
        return measure(cases, runs, warmup=0)


def main() -> None:
    runs = runs_from_argv(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        times, files = overhead(root, runs)
        wall = parallel(root, max(3, runs // 2))
    ratio = times["review"] / times["git diff"]
    speedup = wall["1"] / wall["4"]
    report(
        "review",
        f"run_review on {CHANGED} changed files of {FILES_IN_REPO} (scripted model, every format rendered); "
        f"{PARTS} parts against a server answering after {DELAY_S:g} s",
        [
            f"median of {runs} runs: review {times['review']:.1f} ms ({files} files),"
            f" git diff {times['git diff']:.1f} ms ({ratio:.1f}x)",
            f"{PARTS} parts: {wall['1']:.0f} ms one at a time, {wall['4']:.0f} ms four at a time"
            f" (ideal {PARTS * DELAY_S * 1000:.0f} / {PARTS / 4 * DELAY_S * 1000:.0f} ms)",
        ],
        [
            Check(
                "review overhead, 100-file change", times["review"], OVERHEAD_TARGET_MS, " ms", f"{ratio:.1f}x git diff"
            ),
            Check("parallel parts speed-up, 4 jobs / 1 job", speedup, SPEEDUP_TARGET, "x", higher_is_better=True),
        ],
    )


if __name__ == "__main__":
    main()
