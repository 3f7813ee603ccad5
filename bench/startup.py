"""Start-up of `gitagent --version` and `gitagent --help` vs `python -c pass` (issue 2: within 3×).

The console script next to the running interpreter (`Path(sys.executable).parent / "gitagent"`) is
timed against a bare `python -c pass` of the same interpreter, each as a fresh subprocess, interleaved.

Run: python bench/startup.py [runs]
"""

import subprocess
import sys
from pathlib import Path

from common import Case, Check, child_env, measure, report, runs_from_argv

RATIO_TARGET = 3.0


def _command(argv: list[str]) -> Case:
    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=child_env())

    return Case(" ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv)), run)


def main() -> list[Check]:
    """Time the two start-up commands and the bare interpreter, and print the ratios."""
    runs = runs_from_argv(20)
    script = Path(sys.executable).parent / "gitagent"
    if not script.exists():
        report("startup", f"no console script at {script}; install gitagent into this interpreter", [], [])
        return []
    cases = [_command([sys.executable, "-c", "pass"])]
    cases += [_command([str(script), flag]) for flag in ("--version", "--help")]
    medians = measure(cases, runs)
    bare = medians[cases[0].name]
    figures = [f"median of {runs} runs: {name} {ms:.1f} ms" for name, ms in medians.items()]
    checks = [
        Check(f"{case.name} / python -c pass", medians[case.name] / bare, RATIO_TARGET, "x") for case in cases[1:]
    ]
    report("startup", f"{script} --version / --help vs {Path(sys.executable).name} -c pass", figures, checks)
    return checks


if __name__ == "__main__":
    main()
