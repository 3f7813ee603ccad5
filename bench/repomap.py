"""The repo map on a real repository and on a generated one of 50,000 files (issues 7 and 21).

Real: Django's sdist from PyPI (thousands of .py/.js files; fetched once with `pip download` into
`$REPOMAP_BENCH_DIR`, default /tmp/gitagent-bench-repomap, and made a git repository), or any work tree
given as `--repo PATH`.

Generated (`generated_files`): 50,000 Python modules of about 1 KB in 50 packages of 10 subpackages, each
subpackage's `__init__.py` re-exporting its modules' classes, as real packages do. Each module imports a
class through such a re-export, two names from another module and a sibling module, defines a constant, a
class deriving from the imported one with `save`/`get`/`map` methods (names every file defines) and two
functions, and calls builtins (`str`, `list`, `map`, `dict`) and its imports.

Timed: the cold build (empty cache; on the real repository also in one process, for the speed-up), with
the gaps between progress reports and the peak memory of the building process; the warm build of an
unchanged tree against `git ls-files` on the same tree; an edit to one file then a new map (median of
several, in a process that has built a map before, as the agent's is), with its peak memory; and, for
context, a warm build with a new focus. Builds that report memory run in a child process of their own.

Run: python bench/repomap.py [runs] [--repo PATH]
"""

import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from common import Case, Check, git, init_repo, measure, report, runs_from_argv

from gitagent.repomap import build_map, discover_git_dir
from gitagent.repomap.index import cache_dir
from gitagent.repomap.parse import available_cores

GENERATED_FILES = 50_000
EDITED = "pkg3/mod4/file_34.py"
EDITS = 5
WARM_TARGET_S = 0.5
WARM_RATIO_TARGET = 10.0
EDIT_TARGET_S = 2.0
COLD_TARGET_S = 120.0
MEMORY_TARGET_MB = 1024.0
PROGRESS_GAP_TARGET_S = 2.0
"""A cold build reports progress at least this often, in every phase (issue 21: progress that updates)."""
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


def generated_files(count: int, packages: int = 50, subpackages: int = 10) -> dict[str, str]:
    """`count` modules shaped like a real package tree's (see the module docstring), with `__init__.py`s."""
    directories = packages * subpackages
    files = {f"pkg{p}/__init__.py": '"""Package."""\n' for p in range(packages)}

    def where(i: int) -> str:
        d = i % directories
        return f"pkg{d // subpackages}.mod{d % subpackages}"

    for d in range(directories):
        exported = "".join(f"from .file_{i} import Model{i}\n" for i in range(d, count, directories))
        files[f"{where(d).replace('.', '/')}/__init__.py"] = exported
    for i in range(count):
        a, b, c = (i * 7 + 1) % count, (i * 13 + 5) % count, (i + directories) % count
        files[f"{where(i).replace('.', '/')}/file_{i}.py"] = MODULE.format(
            i=i, a=a, b=b, c=c, package_a=where(a), package_b=where(b)
        )
    return files


MODULE = '''"""Module {i}: models and helpers."""

from __future__ import annotations

import os
from typing import Any

from {package_a} import Model{a}
from {package_b}.file_{b} import CONSTANT_{b}, helper_{b}
from . import file_{c} as sibling

CONSTANT_{i} = {i}


class Model{i}(Model{a}):
    """A model."""

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def save(self, path: str) -> None:
        with open(os.path.join(path, str(self.value)), "w") as f:
            f.write(repr(self.get("value")))

    def get(self, key: str) -> Any:
        return dict(value=self.value).get(key)

    def map(self, items: list[int]) -> list[str]:
        return list(map(str, items))

    def describe_{i}(self) -> str:
        return sibling.function_{c}(self.value)


def helper_{i}(x: int) -> int:
    return helper_{b}(x) + CONSTANT_{b} + len(str(x))


def function_{i}(x: int) -> str:
    return str(Model{i}(helper_{i}(x)).map([x]))
'''


def cold_build(root: Path, workers: int) -> tuple[float, int]:
    """Seconds for a build with an empty cache, and the number of files it parsed."""
    git_dir = discover_git_dir(root)
    empty_cache(git_dir)
    started = time.perf_counter()
    result = build_map(root, git_dir, workers=workers)
    elapsed = time.perf_counter() - started
    return elapsed, len(result.parsed)


def empty_cache(git_dir: Path) -> None:
    """Delete the map's cache, once an earlier build's writes in the background (graph, tag packs) are done."""
    for thread in threading.enumerate():
        if thread.name == "gitagent-map-graph":
            thread.join()
    shutil.rmtree(cache_dir(git_dir).parent, ignore_errors=True)


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


def child(root: Path, operation: str, count: int = 1) -> dict:
    """Run `operation` (`cold` or `edit`) in a process of its own; its times, progress gaps and peak memory."""
    argv = [sys.executable, __file__, "--child", str(root), operation, str(count)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=Path(__file__).parent)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_child(root: Path, operation: str, count: int) -> None:
    """In the child: a cold build with progress, or `count` edits each followed by a map; print JSON."""
    from gitagent.repomap import graph, rank  # noqa: F401  (loaded by the first map of a real session)

    git_dir = discover_git_dir(root)
    seen: list[tuple[float, str]] = []
    times: list[float] = []
    if operation == "cold":
        empty_cache(git_dir)
        started = time.perf_counter()
        phases: dict[str, float] = {}

        def report(done: int, total: int, phase: str) -> None:
            seen.append((time.perf_counter(), phase))
            phases.setdefault(phase, seen[-1][0] - started)

        result = build_map(root, git_dir, progress=report)
        times.append(time.perf_counter() - started)
        marks = [(started, "start"), *seen, (started + times[0], "end")]
        gap, after = max((b[0] - a[0], a[1]) for a, b in itertools.pairwise(marks))
        print(json.dumps({"s": times, "parsed": len(result.parsed), "updates": len(seen), "gap": gap,
                          "gap_after": after, "phases": phases, **_memory()}))  # fmt: skip
        return
    build_map(root, git_dir)
    target = root / EDITED
    for n in range(count):
        target.write_text(target.read_text() + f"\n\ndef edited_{n}() -> int:\n    return helper_34({n})\n")
        started = time.perf_counter()
        result = build_map(root, git_dir)
        times.append(time.perf_counter() - started)
        assert result.parsed == [EDITED], result.parsed
    print(json.dumps({"s": times, **_memory()}))


def _memory() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_mb": own, "worker_rss_mb": workers}


def bench_generated(runs: int) -> tuple[list[str], list[Check]]:
    """The 50,000-file repository: cold build, warm build against `git ls-files`, one-file edits."""
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        started = time.perf_counter()
        root = Path(tmp) / "generated"
        files = generated_files(GENERATED_FILES)
        init_repo(root, files)
        git(["status", "--porcelain"], root)  # as a user's checkout is: the index's file times up to date
        size = sum(len(text) for text in files.values()) / len(files)
        figures = [f"generated repository: {len(files):,} files, {size:,.0f} bytes each on average, "
                   f"written in {time.perf_counter() - started:.0f} s"]  # fmt: skip
        cold = child(root, "cold")
        medians = measure(warm_cases(root), runs)
        edits = child(root, "edit", EDITS)
    edit_s = statistics.median(edits["s"])
    figures += [
        f"  cold build, {available_cores()} workers: {cold['s'][0]:.1f} s = {cold['parsed'] / cold['s'][0]:,.0f} "
        f"files/s; {cold['updates']} progress reports, at most {cold['gap']:.2f} s apart (after {cold['gap_after']}"
        f"); peak memory {cold['rss_mb']:,.0f} MB (each parsing worker {cold['worker_rss_mb']:,.0f} MB)",
        "  phases started at: " + ", ".join(f"{phase} {at:.1f} s" for phase, at in cold["phases"].items()),
        f"  warm build (unchanged): {medians['warm']:.1f} ms, git ls-files {medians['ls-files']:.1f} ms "
        f"(median of {runs})",
        f"  one file edited, then a map: median {edit_s:.2f} s of {EDITS} (all: "
        f"{', '.join(f'{t:.2f}' for t in edits['s'])} s); peak memory {edits['rss_mb']:,.0f} MB",
    ]
    label = f"{GENERATED_FILES:,} files"
    checks = [
        Check(f"cold build, {label}", cold["s"][0], COLD_TARGET_S, " s"),
        Check(f"cold build peak memory, {label}", cold["rss_mb"], MEMORY_TARGET_MB, " MB"),
        Check(f"cold build, longest gap in progress, {label}", cold["gap"], PROGRESS_GAP_TARGET_S, " s"),
        Check(f"warm build / git ls-files, {label}", medians["warm"] / medians["ls-files"], WARM_RATIO_TARGET, "x"),
        Check(f"one edited file re-mapped, {label}", edit_s, EDIT_TARGET_S, " s"),
        Check(f"edit peak memory, {label}", edits["rss_mb"], MEMORY_TARGET_MB, " MB"),
    ]
    return figures, checks


def main() -> list[Check]:
    """Measure the real repository, then the generated one."""
    if "--child" in sys.argv:
        at = sys.argv.index("--child")
        run_child(Path(sys.argv[at + 1]), sys.argv[at + 2], int(sys.argv[at + 3]))
        return []
    runs = runs_from_argv(10)
    real = real_repository()
    figures, checks = bench_tree(f"{real.name}", real, runs, serial_too=True)
    more_figures, more_checks = bench_generated(runs)
    figures += more_figures
    checks += more_checks
    report("repomap", "build_map: cold, warm (unchanged tree) vs `git ls-files`, one file edited", figures, checks)
    return checks


if __name__ == "__main__":
    main()
