"""How well the repo map ranks what matters, on real repositories none of its rules were tuned on (issue 21).

Repositories: the sdists of sympy 1.14.0, SQLAlchemy 2.0.58 (its packages under `lib/`) and Sphinx 8.1.3, from
PyPI (`pip download --no-deps --no-binary NAME`), unpacked under `$MAP_QUALITY_DIR` (default
/tmp/gitagent-bench-map-quality) and committed; or any work trees given with `--repo PATH` (repeatable).

Focus files: in each repository, `FOCUS_FILES` Python files outside tests and docs that import at least
five of the repository's own modules, evenly spaced in path order (plus sympy/printing/latex.py, the
issue's example). For each, the truth is computed here with Python's `ast`, independently of the map:
its top-level imports, each resolved to the module that defines the name (re-exports in `__init__.py`
followed), and the modules defining its classes' base classes.

Figures, per repository, over the focus files (gitagent's, and Aider 0.86.2's beside them when an
environment with aider-chat is given as `--aider PYTHON`, measured in the same run):
- recall of those modules among the first 15 files of the focused map (gitagent lists files in the order
  their best definition ranks; Aider lists them by name, so this is gitagent's only) and in the whole
  1,024-token focused map (target ≥ 80%);
- builtin-name noise: the share of definitions shown (default and focused maps) named like a Python
  builtin (`str`, `list`, `map`, …; target ≤ 5%);
- how much a focused map differs from the unfocused one: the share of its files also in the unfocused map
  (target ≤ 50%).

Run: python bench/map_quality.py [--repo PATH ...] [--aider PATH-TO-AIDER-PYTHON]
"""

import ast
import builtins
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from common import Check, git, report

from gitagent.repomap import build_map, discover_git_dir

PACKAGES = [("sympy", "1.14.0"), ("sqlalchemy", "2.0.58"), ("sphinx", "8.1.3")]
EXTRA_FOCUS = {"sympy": ["sympy/printing/latex.py"]}
FOCUS_FILES = 8
MIN_IMPORTS = 5
TOKENS = 1024
TOP = 15
RECALL_TARGET = 0.80
NOISE_TARGET = 0.05
OVERLAP_TARGET = 0.60
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
BENCH_DIR = Path(os.environ.get("MAP_QUALITY_DIR", "/tmp/gitagent-bench-map-quality"))
SKIP_DIRS = re.compile(r"(?:^|/)(?:tests?|testing|docs?|doc|benchmarks?|examples?)/")


def repositories() -> list[Path]:
    """`--repo PATH`s, or the three sdists unpacked and committed (downloaded once, then reused)."""
    given = [Path(sys.argv[i + 1]).resolve() for i, a in enumerate(sys.argv) if a == "--repo"]
    if given:
        return given
    found = []
    for name, version in PACKAGES:
        target = BENCH_DIR / f"{name}-{version}"
        if not (target / ".git").exists():
            _unpack(name, version, target)
        found.append(target)
    return found


def _unpack(name: str, version: str, target: Path) -> None:
    download = BENCH_DIR / "download"
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", name, f"{name}=={version}"]
    subprocess.run([*pip, "-d", str(download)], check=True)
    archive = next(download.glob(f"{name}-{version}.tar.gz"))
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as unpack, tarfile.open(archive) as tar:
        tar.extractall(unpack, filter="data")
        shutil.move(next(Path(unpack).iterdir()), target)
    git(["init", "-q", "-b", "main"], target)
    git(["add", "-A"], target)
    git(["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", name], target)


class Truth:
    """The modules a file imports and subclasses from, resolved with `ast` to the defining files."""

    def __init__(self, root: Path, paths: list[str]) -> None:
        self.root = root
        self.paths = set(paths)
        self.modules: dict[str, list[str]] = {}
        for path in paths:
            if path.endswith(".py"):
                parts = path[:-3].split("/")
                if parts[-1] == "__init__":
                    parts.pop()
                for start in range(len(parts)):
                    self.modules.setdefault(".".join(parts[start:]), []).append(path)
        self._trees: dict[str, ast.Module | None] = {}

    def tree(self, path: str) -> ast.Module | None:
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse((self.root / path).read_bytes())
            except (SyntaxError, ValueError, OSError):
                self._trees[path] = None
        return self._trees[path]

    def module_file(self, importer: str, module: str, level: int) -> str | None:
        if level:
            base = importer.split("/")[:-1]
            base = base[: len(base) - (level - 1)] if level > 1 else base
            stem = "/".join([*base, *module.split(".")] if module else base)
            for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
                if candidate in self.paths:
                    return candidate
            return None
        candidates = self.modules.get(module, [])
        if not candidates:
            return None
        return max(candidates, key=lambda c: (len(os.path.commonpath([c, importer])), -len(c)))

    def defining(self, module_file: str, name: str, depth: int = 0) -> str:
        """The file defining `name` as seen from `module_file` (itself when nothing better is found)."""
        tree = self.tree(module_file)
        if tree is None or depth > 6:
            return module_file
        package = module_file.rsplit("/", 1)[0] if module_file.endswith("__init__.py") else None
        if package and f"{package}/{name}.py" in self.paths:
            return f"{package}/{name}.py"
        if package and f"{package}/{name}/__init__.py" in self.paths:
            return f"{package}/{name}/__init__.py"
        for node in _top_level(tree):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                return module_file
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return module_file
        for node in _top_level(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if (alias.asname or alias.name) == name or alias.name == "*":
                        source = self.module_file(module_file, node.module or "", node.level)
                        if source is not None and source != module_file:
                            found = self.defining(source, alias.name if alias.name != "*" else name, depth + 1)
                            if alias.name != "*" or self._defines(found, name):
                                return found
        return module_file

    def _defines(self, path: str, name: str) -> bool:
        tree = self.tree(path)
        return tree is not None and any(
            getattr(node, "name", None) == name for node in _top_level(tree) if not isinstance(node, ast.Import)
        )

    def of(self, path: str) -> set[str]:
        """The defining files of `path`'s top-level imports and of its classes' base classes; for a module
        imported whole (`from .. import util`), the defining files of what the file uses of it (`util.warn`)."""
        tree = self.tree(path)
        if tree is None:
            return set()
        found: set[str] = set()
        local: dict[str, str] = {}
        modules: dict[str, str] = {}
        for node in _top_level(tree):
            if isinstance(node, ast.ImportFrom):
                source = self.module_file(path, node.module or "", node.level)
                if source is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        found.add(source)
                        continue
                    defining = self.defining(source, alias.name)
                    if defining.endswith(f"/{alias.name}.py") or defining.endswith(f"/{alias.name}/__init__.py"):
                        modules[alias.asname or alias.name] = defining
                    else:
                        found.add(defining)
                    local[alias.asname or alias.name] = defining
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    source = self.module_file(path, alias.name, 0)
                    if source is not None and alias.asname:
                        modules[alias.asname] = source
                    elif source is not None:
                        found.add(source)
        used: dict[str, set[str]] = {name: set() for name in modules}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                used[node.value.id].add(self.defining(modules[node.value.id], node.attr))
        for name, module in modules.items():
            found |= used[name] or {module}
        for node in _top_level(tree):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    if isinstance(base, ast.Name) and base.id in local:
                        found.add(local[base.id])
        found.discard(path)
        return found


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, with those under a module-level `if` or `try` (TYPE_CHECKING, fallbacks)."""
    statements: list[ast.stmt] = []
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        statements.append(node)
        if isinstance(node, ast.If | ast.Try):
            pending.extend(node.body + node.orelse + getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                pending.extend(handler.body)
    return statements


def focus_files(root: Path, truth: Truth, paths: list[str]) -> list[str]:
    """Source files importing at least `MIN_IMPORTS` of the repository's modules, evenly spaced by path."""
    candidates = [
        p for p in sorted(paths)
        if p.endswith(".py") and not SKIP_DIRS.search(p) and not p.endswith("__init__.py")
        and "/test_" not in f"/{p}" and len(truth.of(p)) >= MIN_IMPORTS
    ]  # fmt: skip
    step = max(1, len(candidates) // FOCUS_FILES)
    chosen = candidates[step // 2 :: step][:FOCUS_FILES]
    return [p for p in EXTRA_FOCUS.get(root.name.split("-")[0], []) if p in paths] + chosen


@dataclass
class Scores:
    """Per-map figures, accumulated over the focus files of a repository."""

    recall_top: list[float] = field(default_factory=list)
    recall_map: list[float] = field(default_factory=list)
    overlap: list[float] = field(default_factory=list)
    builtin_defs: int = 0
    defs: int = 0

    def add_noise(self, names: list[str]) -> None:
        self.defs += len(names)
        self.builtin_defs += sum(1 for name in names if name in BUILTINS)

    @property
    def noise(self) -> float:
        return self.builtin_defs / self.defs if self.defs else 0.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def ours(root: Path, focuses: list[str], truths: dict[str, set[str]]) -> tuple[Scores, dict[str, list[str]]]:
    git_dir = discover_git_dir(root)
    scores = Scores()
    unfocused = build_map(root, git_dir, budget=TOKENS)
    plain = {f.path for f in unfocused.files if f.definitions}
    scores.add_noise([d[0] for f in unfocused.files for d in f.definitions])
    shown = {}
    for focus in focuses:
        result = build_map(root, git_dir, focus=[focus], budget=TOKENS)
        files = [f.path for f in result.files if f.definitions and f.path != focus]
        shown[focus] = files
        truth = truths[focus]
        scores.recall_top.append(len(truth & set(files[:TOP])) / len(truth))
        scores.recall_map.append(len(truth & set(files)) / len(truth))
        scores.overlap.append(len(set(files) & plain) / max(1, len(files)))
        scores.add_noise([d[0] for f in result.files for d in f.definitions])
    return scores, shown


def aiders(python: str, root: Path, focuses: list[str], truths: dict[str, set[str]]) -> Scores | None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / root.name
        shutil.copytree(root, copy, symlinks=True)
        out = Path(tmp) / "maps.json"
        script = Path(__file__).with_name("aider_map.py")
        argv = [python, str(script), str(copy), str(TOKENS), str(out), "", *focuses]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0 or not out.exists():
            print(f"aider failed: {proc.stderr[-500:]}", file=sys.stderr)
            return None
        maps = json.loads(out.read_text())
    scores = Scores()
    plain = set(_aider_files(maps[""]))
    scores.add_noise(_aider_names(maps[""]))
    for focus in focuses:
        files = [f for f in _aider_files(maps[focus]) if f != focus]
        truth = truths[focus]
        scores.recall_map.append(len(truth & set(files)) / len(truth))
        scores.overlap.append(len(set(files) & plain) / max(1, len(files)))
        scores.add_noise(_aider_names(maps[focus]))
    return scores


def _aider_files(text: str) -> list[str]:
    return [line[:-1] for line in text.splitlines() if line.endswith(":") and not line.startswith(("│", " ", "⋮"))]


def _aider_names(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        match = re.match(r"│\s*(?:async\s+)?(?:def|class)\s+(\w+)|│\s*(\w+)\s*(?::[^=]*)?=", line)
        if match:
            names.append(match.group(1) or match.group(2))
    return names


def main() -> list[Check]:
    """Measure every repository; print the figures, gitagent's against the targets and Aider's beside them."""
    aider = sys.argv[sys.argv.index("--aider") + 1] if "--aider" in sys.argv else None
    figures, checks = [], []
    for root in repositories():
        paths = git(["ls-files"], root).splitlines()
        truth = Truth(root, paths)
        focuses = focus_files(root, truth, paths)
        truths = {focus: truth.of(focus) for focus in focuses}
        mine, shown = ours(root, focuses, truths)
        theirs = aiders(aider, root, focuses, truths) if aider else None
        label = root.name
        line = (
            f"{label}: {len(focuses)} focus files, {mean([len(t) for t in truths.values()]):.1f} imported or base "
            f"modules each; gitagent: top {TOP} {mean(mine.recall_top):.0%}, map {mean(mine.recall_map):.0%}, "
            f"builtin-named definitions {mine.noise:.1%} of {mine.defs}, focused files also unfocused "
            f"{mean(mine.overlap):.0%}"
        )
        if theirs is not None:
            line += (
                f"; Aider: map {mean(theirs.recall_map):.0%}, builtin-named {theirs.noise:.1%} of {theirs.defs}, "
                f"also unfocused {mean(theirs.overlap):.0%}"
            )
        figures.append(line)
        for focus in focuses:
            missed = sorted(truths[focus] - set(shown[focus]))
            note = f" (missing {', '.join(missed[:4])}{' …' if len(missed) > 4 else ''})" if missed else ""
            figures.append(f"    {focus}: {len(truths[focus]) - len(missed)}/{len(truths[focus])}{note}")
        beside = {
            "recall": f"Aider {mean(theirs.recall_map):.0%}" if theirs else "",
            "noise": f"Aider {theirs.noise:.1%}" if theirs else "",
            "overlap": f"Aider {mean(theirs.overlap):.0%}" if theirs else "",
        }
        checks += [
            Check(
                f"imports+bases in focused map, {label}",
                mean(mine.recall_map),
                RECALL_TARGET,
                "",
                beside["recall"],
                higher_is_better=True,
            ),
            Check(f"builtin-named definitions, {label}", mine.noise, NOISE_TARGET, "", beside["noise"]),
            Check(
                f"focused files also in unfocused map, {label}",
                mean(mine.overlap),
                OVERLAP_TARGET,
                "",
                beside["overlap"],
            ),
        ]
    report("map_quality", f"ranking on real repositories, {TOKENS}-token maps", figures, checks)
    return checks


if __name__ == "__main__":
    main()
