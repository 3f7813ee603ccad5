"""The repo map on a real repository and on a generated one of 50,000 files (issue 7).

Real: Django's sdist from PyPI (thousands of .py/.js files; fetched once with `pip download` into
`$REPOMAP_BENCH_DIR`, default /tmp/gitagent-bench-repomap, and made a git repository), or any work tree
given as `--repo PATH`. Generated: 50,000 Python files in 500 directories, each defining a class and two
functions and calling functions of two other files.

Timed: the cold build (empty cache) with the parse spread over the cores and in one process (files/s
and the speed-up); the warm build of an unchanged tree (`build_map`, cache filled) against `git ls-files`
on the same tree; and, for context, a warm build with a new focus (tags cached, ranking recomputed).

Run: python bench/repomap.py [runs] [--repo PATH]
"""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from common import Case, Check, git, init_repo, measure, report, runs_from_argv

from gitagent.repomap import build_map, discover_git_dir
from gitagent.repomap.index import cache_dir
from gitagent.repomap.parse import available_cores

GENERATED_FILES = 50_000
GENERATED_DIRECTORIES = 500
WARM_TARGET_S = 0.5
WARM_RATIO_TARGET = 10.0
BENCH_DIR = Path(os.environ.get("REPOMAP_BENCH_DIR", "/tmp/gitagent-bench-repomap"))


def real_repository() -> Path:
    """`--repo PATH`, or Django's sdist unpacked and committed (fetched once, then reused)."""
    if "--repo" in sys.argv:
        return Path(sys.argv[sys.argv.index("--repo") + 1]).resolve()
    target = BENCH_DIR / "django"
    if (target / ".git").exists():
        return target
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    download = BENCH_DIR / "download"
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "django==5.2.*"]
    subprocess.run([*pip, "-d", str(download)], check=True)
    archive = next(download.glob("[Dd]jango-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(BENCH_DIR / "unpack", filter="data")
    shutil.move(next((BENCH_DIR / "unpack").iterdir()), target)
    git(["init", "-q", "-b", "main"], target)
    git(["add", "-A"], target)
    git(["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "django"], target)
    return target


def generated_files(count: int, directories: int) -> dict[str, str]:
    """`count` Python files that define a class and two functions and call into two other files."""
    files = {}
    for i in range(count):
        a, b = (i * 7 + 1) % count, (i * 13 + 5) % count
        files[f"pkg{i % directories // 50}/mod{i % directories}/file_{i}.py"] = (
            f"from pkg.file_{a} import helper_{a}\nfrom pkg.file_{b} import Model{b}\n\n\n"
            f"class Model{i}:\n    def save(self, value: int) -> int:\n        return helper_{a}(value)\n\n\n"
            f"def helper_{i}(x: int) -> int:\n    return Model{b}().save(x) + {i}\n\n\n"
            f"def describe_{i}() -> str:\n    return str(helper_{i}(1))\n"
        )
    return files


def cold_build(root: Path, workers: int) -> tuple[float, int]:
    """Seconds for a build with an empty cache, and the number of files it parsed."""
    git_dir = discover_git_dir(root)
    shutil.rmtree(cache_dir(git_dir).parent, ignore_errors=True)
    started = time.perf_counter()
    result = build_map(root, git_dir, workers=workers)
    elapsed = time.perf_counter() - started
    return elapsed, len(result.parsed)


def warm_cases(root: Path) -> list[Case]:
    """An unchanged tree's map and `git ls-files` on it; the cache is already filled."""
    git_dir = discover_git_dir(root)
    return [
        Case("warm", lambda: build_map(root, git_dir)),
        Case("ls-files", lambda: git(["ls-files"], root)),
    ]


def refocused(root: Path) -> float:
    """Seconds for a warm build with a focus not asked before (tags cached, graph ranked anew)."""
    git_dir = discover_git_dir(root)
    started = time.perf_counter()
    build_map(root, git_dir, focus=[f"focus_{time.time_ns()}"])
    return time.perf_counter() - started


def bench_tree(label: str, root: Path, runs: int, serial_too: bool) -> tuple[list[str], list[Check]]:
    """Cold builds (parallel, then one process), then warm builds, of one tree."""
    cores = available_cores()
    parallel, parsed = cold_build(root, cores)
    serial = cold_build(root, 1)[0] if serial_too else None
    figures = [f"{label}: {parsed:,} source files parsed on a cold build"]
    line = f"  cold build, {cores} workers: {parallel:.1f} s = {parsed / parallel:,.0f} files/s"
    if serial is not None:
        line += f"; one process: {serial:.1f} s = {parsed / serial:,.0f} files/s; speed-up {serial / parallel:.2f}x"
    figures.append(line)
    medians = measure(warm_cases(root), runs)
    focus_s = refocused(root)
    figures.append(
        f"  warm build (unchanged): {medians['warm']:.1f} ms, git ls-files {medians['ls-files']:.1f} ms "
        f"(median of {runs}); with a new focus: {focus_s * 1000:.0f} ms"
    )
    ratio = medians["warm"] / medians["ls-files"]
    checks = [Check(f"warm build / git ls-files, {label}", ratio, WARM_RATIO_TARGET, "x")]
    checks.append(Check(f"warm build, {label}", medians["warm"] / 1000, WARM_TARGET_S, " s"))
    return figures, checks


def main() -> list[Check]:
    """Measure the real repository, then the generated one."""
    runs = runs_from_argv(10)
    real = real_repository()
    figures, checks = bench_tree(f"{real.name}", real, runs, serial_too=True)
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        started = time.perf_counter()
        generated = Path(tmp) / "generated"
        init_repo(generated, generated_files(GENERATED_FILES, GENERATED_DIRECTORIES))
        figures.append(f"generated repository written in {time.perf_counter() - started:.0f} s")
        more_figures, more_checks = bench_tree(
            f"{GENERATED_FILES:,} generated files", generated, runs, serial_too=False
        )
    figures += more_figures
    checks += [more_checks[0]]
    report("repomap", "build_map: cold (empty cache) and warm (unchanged tree) vs `git ls-files`", figures, checks)
    return checks


if __name__ == "__main__":
    main()
