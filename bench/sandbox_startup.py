"""Startup cost of the bwrap sandbox: median wall time of `true`, sandboxed vs unconfined.

Also the cost of the lifeline that kills a sandbox whose gitagent is gone (issue 14): `sandbox.run` against the
same bwrap command line without it, interleaved; and of the same lifeline on an unconfined command
(`--sandbox none`: a second bash start and a watcher, and the session swept at the end) against a bare one.

Run: python bench/sandbox_startup.py [runs]. Issue 4's target: under 15 ms more than unconfined.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Case, git, init_repo, measure

from gitagent.sandbox.bwrap import BwrapSandbox
from gitagent.sandbox.env import sandbox_env
from gitagent.sandbox.process import run_process
from gitagent.sandbox.unconfined import UnconfinedSandbox


def main(runs: int = 200) -> None:
    """Print the median startup of `true` unconfined and sandboxed, the overhead in ms and the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(init_repo(Path(tmp) / "repo", {"README.md": "# bench\n"}).workdir)
        worktree = repo / ".git" / "gitagent" / "worktrees" / "bench"
        git(["worktree", "add", "-q", "--detach", str(worktree)], repo)
        sandbox = BwrapSandbox(worktree, repo / ".git")
        env = dict(os.environ)
        argv = sandbox.argv("true", worktree)
        # The first pair through run_process; the second with a blocking wait: run_process's Popen.wait(timeout)
        # polled with a doubling sleep, which rounded every duration up to 0.5/1.5/3.5/7.5/15.5 ms.
        ms = measure(
            [
                Case("bare", lambda: run_process(["bash", "-c", "true"], cwd=worktree, env=env, timeout=30)),
                Case("boxed", lambda: sandbox.run("true", cwd=worktree, timeout=30)),
                Case("raw bare", lambda: subprocess.run(["bash", "-c", "true"], cwd=worktree, env=env)),
                Case("raw boxed", lambda: subprocess.run(argv, cwd=worktree, env=env)),
                Case("unsupervised", lambda: run_process(argv, cwd=worktree, env=sandbox_env(env), timeout=30)),
                Case("unconfined", lambda: UnconfinedSandbox().run("true", cwd=worktree, timeout=30)),
            ],
            runs,
            warmup=1,  # warm caches (and the one-off bwrap probe)
        )
    bare, boxed, raw_bare, raw_boxed = ms["bare"], ms["boxed"], ms["raw bare"], ms["raw boxed"]
    print(f"runs={runs} through run_process: unconfined {bare:.2f} ms, bwrap {boxed:.2f} ms")
    print(f"  overhead {boxed - bare:.2f} ms (target < 15 ms), ratio {boxed / bare:.2f}x")
    print(f"process only (blocking wait): unconfined {raw_bare:.2f} ms, bwrap {raw_boxed:.2f} ms")
    print(f"  overhead {raw_boxed - raw_bare:.2f} ms, ratio {raw_boxed / raw_bare:.2f}x")
    print(
        f"lifeline: without {ms['unsupervised']:.2f} ms, with {boxed:.2f} ms, ratio {boxed / ms['unsupervised']:.2f}x"
    )
    unconfined = ms["unconfined"]
    ratio = unconfined / bare
    print(f"unconfined lifeline: bare {bare:.2f} ms, --sandbox none {unconfined:.2f} ms, ratio {ratio:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
