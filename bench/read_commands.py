"""The read commands on a long conversation (issue 22: `log`, `show`, `conversations`, `diff` each ≤ 150 ms).

A repository holds one 1,000-turn conversation (`long`, written with `write_turn_commit`, each turn a few KB and a
one-file change) and a 2-turn one. Each command is a fresh `gitagent` process started as a user would, interleaved
with its git counterpart on the same commits (`git log` of the conversation's ref, `git show` of its head, `git
for-each-ref refs/gitagent`, `git diff` of the last turn's workspace trees) and with `python -c pass`, so the
figures say how much is gitagent's own and how much any process start costs on this machine at this moment. The
CPU time each gitagent process used (user + system, median) is printed too: on a loaded machine it is the figure
that says what the command would take on an idle one.

Run: python bench/read_commands.py [runs]
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Case, Check, build_history, child_env, init_repo, measure, report, runs_from_argv

from gitagent.store.refs import conversation_ref

TURNS = 1000
TARGET_MS = 150.0
GITAGENT = str(Path(sys.executable).parent / "gitagent")


def _command(name: str, argv: list[str], cwd: Path, cpu: dict[str, list[float]]) -> Case:
    def run() -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=child_env())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        cpu.setdefault(name, []).append(spent * 1000)

    return Case(name, run)


def main() -> list[Check]:
    """Time each read command and its git counterpart on a 1,000-turn conversation; report medians."""
    runs = runs_from_argv(15)
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        root = Path(tmp) / "repo"
        repo = init_repo(root, {"README.md": "# bench\n", "app/views.py": "def handler():\n    pass\n"})
        head = build_history(repo, "long", TURNS)
        build_history(repo, "short", 2)
        ref = conversation_ref("long")
        ours = {
            "log": [GITAGENT, "log", "long"],
            "show": [GITAGENT, "show", "long"],
            "conversations": [GITAGENT, "conversations"],
            "diff": [GITAGENT, "diff", "long"],
        }
        theirs = {
            "log": ["git", "log", "--format=%h %s", ref],
            "show": ["git", "show", "--stat", str(head.id)],
            "conversations": ["git", "for-each-ref", "refs/gitagent"],
            "diff": ["git", "diff", f"{head.id}~1:workspace", f"{head.id}:workspace"],
        }
        cpu: dict[str, list[float]] = {}
        cases = [_command("python -c pass", [sys.executable, "-c", "pass"], root, cpu)]
        for name in ours:
            cases += [_command(f"gitagent {name}", ours[name], root, cpu)]
            cases += [_command(f"git ({name})", theirs[name], root, cpu)]
        medians = measure(cases, runs)
    bare = medians["python -c pass"]
    figures = [f"median of {runs} runs, load {os.getloadavg()[0]:.1f}: python -c pass {bare:.0f} ms"]
    checks = []
    for name in ours:
        wall, spent = medians[f"gitagent {name}"], statistics.median(cpu[f"gitagent {name}"])
        figures.append(f"{name}: gitagent {wall:.0f} ms (CPU {spent:.0f} ms), git {medians[f'git ({name})']:.0f} ms")
        detail = f"CPU {spent:.0f} ms, {wall / bare:.1f}x python -c pass"
        checks.append(Check(f"gitagent {name}, {TURNS} turns", wall, TARGET_MS, " ms", detail))
    report("read_commands", f"read commands on a {TURNS}-turn conversation", figures, checks)
    return checks


if __name__ == "__main__":
    main()
