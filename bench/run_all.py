"""Run every benchmark in its own process and print a summary table. A report, not a test: exits 0.

Run: python bench/run_all.py
"""

import json
import subprocess
import sys
import time
from pathlib import Path

from common import RESULT_MARK, Check

HERE = Path(__file__).resolve().parent
BENCHES = [
    "turn_persist.py",
    "fork_rewind.py",
    "snapshot.py",
    "startup.py",
    "model_step.py",
    "repomap.py",
    "chat_open.py",
    "review.py",
    "mcp_startup.py",
    "subagents.py",
    "read_commands.py",
    "first_turn.py",
    "vs_claude_code.py",
    "batch.py",
]
OPTIONAL = {"sandbox_startup.py": ["100"]}  # owned by the sandbox work; run when present
TIMEOUT_S = 300


def run_one(script: str, args: list[str]) -> tuple[list[dict[str, object]], str]:
    """Run one benchmark, echoing its output; return its checks and its last line of output."""
    command = [sys.executable, str(HERE / script), *args, "--json"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {TIMEOUT_S} s"
    checks: list[dict[str, object]] = []
    lines = []
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            checks.extend(json.loads(line[len(RESULT_MARK) :])["checks"])
        else:
            lines.append(line)
    print("\n".join(lines))
    if proc.returncode != 0:
        print(proc.stderr.strip()[-2000:])
        return checks, f"failed with exit status {proc.returncode}"
    return checks, lines[-1] if lines else ""


def summary_rows(script: str, checks: list[dict[str, object]], last: str) -> list[str]:
    """Table rows for one benchmark: one per check, or its last output line when it has no checks."""
    if not checks:
        return [f"| {script} | {last} | | |"]
    rows = []
    for check in (Check(**c) for c in checks):  # type: ignore[arg-type]
        verdict = "PASS" if check.passed else "FAIL"
        rows.append(f"| {script} | {check.label} | {check.value:.2f}{check.unit} ({check.target}) | {verdict} |")
    return rows


def main() -> int:
    """Run the benchmarks one after another and print the summary table."""
    started = time.perf_counter()
    plan = [(script, []) for script in BENCHES]
    plan += [(script, args) for script, args in OPTIONAL.items() if (HERE / script).exists()]
    rows = ["| benchmark | figure | value (target) | verdict |", "| --- | --- | --- | --- |"]
    for script, args in plan:
        checks, last = run_one(script, args)
        rows.extend(summary_rows(script, checks, last))
        print()
    print(f"== summary ({time.strftime('%Y-%m-%d %H:%M')}, {time.perf_counter() - started:.0f} s)")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
