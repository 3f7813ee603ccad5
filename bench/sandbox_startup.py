"""Startup cost of the bwrap sandbox: median wall time of `true`, sandboxed vs unconfined.

Also the cost of the lifeline that kills a sandbox whose gitagent is gone (issue 14): `sandbox.run` against the
same bwrap command line without it, interleaved.

Run: python bench/sandbox_startup.py [runs]. Issue 4's target: under 15 ms more than unconfined.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitagent.sandbox.bwrap import BwrapSandbox
from gitagent.sandbox.env import sandbox_env
from gitagent.sandbox.process import run_process


def _median_ms(run, runs: int) -> float:
    run()  # warm caches (and the one-off bwrap probe)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(runs: int = 200) -> None:
    """Print the median startup of `true` unconfined and sandboxed, the overhead in ms and the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        subprocess.run(
            ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "init"],
            check=True,
            env={
                **os.environ,
                "GIT_AUTHOR_NAME": "b",
                "GIT_AUTHOR_EMAIL": "b@x",
                "GIT_COMMITTER_NAME": "b",
                "GIT_COMMITTER_EMAIL": "b@x",
            },
        )
        worktree = repo / ".git" / "gitagent" / "worktrees" / "bench"
        subprocess.run(["git", "-C", str(repo), "worktree", "add", "-q", "--detach", str(worktree)], check=True)
        sandbox = BwrapSandbox(worktree, repo / ".git")
        env = dict(os.environ)
        bare = _median_ms(lambda: run_process(["bash", "-c", "true"], cwd=worktree, env=env, timeout=30), runs)
        boxed = _median_ms(lambda: sandbox.run("true", cwd=worktree, timeout=30), runs)
        # The same two commands with a blocking wait: run_process's Popen.wait(timeout) polls with a
        # doubling sleep, which rounds every duration up to 0.5/1.5/3.5/7.5/15.5 ms.
        argv = sandbox.argv("true", worktree)
        raw_bare = _median_ms(lambda: subprocess.run(["bash", "-c", "true"], cwd=worktree, env=env), runs)
        raw_boxed = _median_ms(lambda: subprocess.run(argv, cwd=worktree, env=env), runs)
        unsupervised, supervised = _interleaved_ms(
            lambda: run_process(argv, cwd=worktree, env=sandbox_env(env), timeout=30),
            lambda: sandbox.run("true", cwd=worktree, timeout=30),
            runs,
        )
    print(f"runs={runs} through run_process: unconfined {bare:.2f} ms, bwrap {boxed:.2f} ms")
    print(f"  overhead {boxed - bare:.2f} ms (target < 15 ms), ratio {boxed / bare:.2f}x")
    print(f"process only (blocking wait): unconfined {raw_bare:.2f} ms, bwrap {raw_boxed:.2f} ms")
    print(f"  overhead {raw_boxed - raw_bare:.2f} ms, ratio {raw_boxed / raw_bare:.2f}x")
    print(f"lifeline: without {unsupervised:.2f} ms, with {supervised:.2f} ms, ratio {supervised / unsupervised:.2f}x")


def _interleaved_ms(first, second, runs: int) -> tuple[float, float]:
    """Medians of two commands timed in turn, so that the machine's load weighs on both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for run, samples in zip((first, second), times, strict=True):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
