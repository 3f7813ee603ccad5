"""The repo map as callers see it: build (or recall) a ranked, budgeted map of a work tree."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitagent.repomap.cache import MapMemo, TagCache
from gitagent.repomap.files import Listing, classify, list_files
from gitagent.repomap.index import cache_dir, discover_git_dir
from gitagent.repomap.languages import EXTENSIONS
from gitagent.repomap.parse import LISTING, RANKING, SAVING, Progress
from gitagent.repomap.render import MapFile, estimate_tokens, render_text
from gitagent.repomap.tags import Definition, Entry

if TYPE_CHECKING:  # numpy and what needs it load only when a map is built (start-up time is measured)
    from gitagent.repomap.graph import Graph
    from gitagent.repomap.rank import Focus

PLAIN_SUFFIXES = frozenset({"md", "rst", "txt", "json", "toml", "yaml", "yml", "cfg", "ini", "html", "css", "sh"})
"""File name endings that mark a focus item as a path even though the map does not parse such files."""
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()
_KEEPING: list[threading.Thread] = []
"""The threads keeping a finished build's graph and tags for the next one (`_keep`), for `settle`."""
DEFAULT_TOKENS = 1024
"""The map's budget when none is given: room for the top few dozen definitions."""
MEMO_FORMAT = 4


@dataclass
class RepoMap:
    """A map fitted to a budget, with what was left out and why."""

    files: list[MapFile]
    budget: int
    total_files: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The map as a person (or a model) reads it."""
        return render_text(self.files)

    @property
    def tokens(self) -> int:
        """Estimated tokens of `text()`."""
        return estimate_tokens(self.text())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the shown files with their definitions, and what was left out."""
        return {
            "budget": self.budget,
            "tokens": self.tokens,
            "total_files": self.total_files,
            "files": [
                {
                    **asdict(f),
                    "definitions": [
                        dict(zip(("name", "kind", "line", "signature"), d, strict=True)) for d in f.definitions
                    ],
                }
                for f in self.files
            ],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "failed": [{"path": p, "error": e} for p, e in self.problems],
            "partial": self.partial,
        }


def build_map(
    root: Path,
    git_dir: Path | None = None,
    focus: list[str] | None = None,
    budget: int = DEFAULT_TOKENS,
    paths: list[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    listing: Listing | None = None,
    root_git_dir: Path | None = None,
) -> RepoMap:
    """The map of the work tree `root`, leaning towards `focus` (root-relative files or directories, or
    identifiers), covering only `paths` (root-relative) when given, fitted to `budget` tokens. `listing`
    (default: `list_files(root)`, `root_git_dir` its git directory if git would not find it from `root`) says what
    the files are; `list_tree` lists one whose files are being written.

    A map of an unchanged tree with the same options is recalled from the cache without parsing or ranking;
    after a change only the changed files are read again (`graph.py`). Builds of one tree run one at a time (the
    RepoMap tool waits for the first turn's background build, then finds its files cached).
    """
    with _build_lock(root):
        return _build_map(root, git_dir, focus, budget, paths, progress, workers, listing, root_git_dir)


def _build_lock(root: Path) -> threading.Lock:
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(str(root), threading.Lock())


def _build_map(
    root: Path,
    git_dir: Path | None,
    focus: list[str] | None,
    budget: int,
    paths: list[str] | None,
    progress: Progress | None,
    workers: int | None,
    listing: Listing | None,
    root_git_dir: Path | None = None,
) -> RepoMap:
    git_dir = git_dir or discover_git_dir(root)
    directory = cache_dir(git_dir)
    _report(progress, LISTING)
    listing = listing or list_files(root, untracked_path(directory, root), root_git_dir)
    memo = MapMemo(directory)
    key = _memo_key(listing, focus or [], budget, paths or [])
    recalled = memo.get(key)
    if recalled is not None:
        return _from_memo(recalled)
    from gitagent.repomap.graph import graph_path, load, update

    cache = TagCache(directory)
    where = graph_path(directory, root)
    previous = load(where)
    known = dict(zip(previous.paths, previous.languages, strict=True)) if previous else {}
    passed_over = previous.passed_over if previous else {}
    files, skipped = [], []
    for path, blob in listing.blobs.items():
        if path in known:  # classified by an earlier build: the rules look at the path alone
            language, reason = known[path], ""
        elif path in passed_over:
            language, reason = None, passed_over[path]
        else:
            language, reason = classify(path)
        if reason:
            skipped.append((path, reason))
        else:
            files.append((path, blob, language))
    graph, parsed = update(previous, files, root, cache, progress, workers)
    graph.passed_over = dict(skipped)
    _report(progress, RANKING)
    result = map_of_graph(graph, cache, focus or [], budget, paths or [])
    result.skipped = skipped + result.skipped
    result.parsed = parsed
    _report(progress, SAVING)
    memo.put(key, _to_memo(result))
    # Writing the graph and merging the tags' packs (tens of MB each at 50,000 files) are for the next build:
    # the map is ready without them.
    keeper = threading.Thread(target=_keep, args=(where, graph, cache), name="gitagent-map-graph")
    keeper.start()
    with _LOCKS_LOCK:
        _KEEPING[:] = [*(t for t in _KEEPING if t.is_alive()), keeper]
    return result


def settle() -> None:
    """Wait until what finished builds left to do in the background (keeping their graph and tags) is done: a
    process that runs task after task (a batch worker) must not carry one task's work into the next."""
    with _LOCKS_LOCK:
        keeping, _KEEPING[:] = list(_KEEPING), []
    for thread in keeping:
        thread.join()


def _keep(where: Path, graph: Graph, cache: TagCache) -> None:
    from gitagent.repomap.graph import save

    save(where, graph)
    cache.compact({graph.key(i) for i in range(len(graph.paths)) if graph.languages[i] is not None})


def _report(progress: Progress | None, phase: str) -> None:
    """A phase that is one step: reported once, as it starts."""
    if progress is not None:
        progress(0, 0, phase)


def untracked_path(directory: Path, root: Path) -> Path:
    """Where the last walk for untracked files of the work tree `root` is remembered (beside its graph)."""
    return directory / "graphs" / f"{hashlib.sha1(str(root).encode()).hexdigest()[:16]}.untracked"


def map_of_graph(graph: Graph, cache: TagCache, focus: list[str], budget: int, paths: list[str]) -> RepoMap:
    """Rank a graph towards `focus` and fit it to `budget` tokens (only files under `paths`, if given)."""
    import numpy as np

    from gitagent.repomap.rank import rank
    from gitagent.repomap.render import select

    content_skipped = np.asarray([status == "skipped" for status in graph.status], np.bool_)
    scope = None if not paths else np.asarray([_under(p, paths) for p in graph.paths], np.bool_)
    shown = ~content_skipped & (scope if scope is not None else True)
    ranking = rank(graph, resolve_focus(graph, focus), scope)
    if not focus and scope is None:
        graph.ranks = ranking.file_rank
    entries: dict[int, Entry] = {}

    def definition(row: int) -> Definition | None:
        i = int(graph.def_file[row])
        if i not in entries:
            entries.update(graph.entries(cache, [i]))
        entry = entries.get(i)
        ordinal = int(graph.def_ord[row])
        return entry[2][ordinal] if entry and ordinal < len(entry[2]) else None

    in_scope = range(len(graph.paths)) if scope is None else np.flatnonzero(scope).tolist()
    return RepoMap(
        files=select(graph, ranking, budget, definition, shown),
        budget=budget,
        total_files=int(np.count_nonzero(shown)),
        skipped=[(graph.paths[i], graph.notes.get(i, "")) for i in in_scope if graph.status[i] == "skipped"],
        problems=[
            (graph.paths[i], f"failed: {graph.notes.get(i, '')}") for i in in_scope if graph.status[i] == "failed"
        ],
        partial=[graph.paths[i] for i in in_scope if graph.status[i] == "partial"],
    )


def resolve_focus(graph: Graph, focus: list[str]) -> Focus:
    """Each focus item is a file, a directory (all its files) or else an identifier (`A.b` names both)."""
    from gitagent.repomap.rank import Focus

    positions = {path: i for i, path in enumerate(graph.paths)}
    files: set[int] = set()
    names: set[str] = set()
    for item in focus:
        item = item.strip().removeprefix("./").rstrip("/")
        if not item:
            continue
        if item in positions:
            files.add(positions[item])
            continue
        inside = {i for path, i in positions.items() if path.startswith(item + "/")}
        if inside:
            files |= inside
        else:
            names.update(part for part in item.replace("::", ".").split(".") if part)
    return Focus(frozenset(files), frozenset(names))


def _under(path: str, prefixes: list[str]) -> bool:
    return any(p in ("", ".") or path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def looks_like_path(item: str) -> bool:
    """Whether a focus item is meant as a path (`a/b`, `x.py`, `./x`) rather than an identifier (`A.b`)."""
    if "/" in item or item.startswith("."):
        return True
    suffix = item.rsplit(".", 1)[-1].lower() if "." in item else ""
    return f".{suffix}" in EXTENSIONS or suffix in PLAIN_SUFFIXES


def repo_map_for_prompt(
    root: Path,
    git_dir: Path | None = None,
    budget_tokens: int = DEFAULT_TOKENS,
    progress: Progress | None = None,
    listing: Listing | None = None,
) -> str:
    """A compact map for a system prompt: a heading and the map, or '' when there is nothing to show.

    Never raises for a problem with the tree or the cache (nor when `progress` raises to stop the build): a prompt
    without a map beats no turn at all.
    """
    try:
        text = build_map(root, git_dir, budget=budget_tokens, progress=progress, listing=listing).text()
    except Exception:
        return ""
    if not text:
        return ""
    heading = (
        "Repository map (the most referenced files and their definitions, `line signature`; "
        "the RepoMap, FindSymbol and Outline tools show more):"
    )
    return f"{heading}\n{text}"


def _memo_key(listing: Listing, focus: list[str], budget: int, paths: list[str]) -> str:
    options = json.dumps([MEMO_FORMAT, listing.state, sorted(focus), budget, sorted(paths)])
    return hashlib.sha1(options.encode()).hexdigest()


def _to_memo(result: RepoMap) -> dict[str, Any]:
    data = asdict(result)
    data["parsed"] = []
    return data


def _from_memo(data: dict[str, Any]) -> RepoMap:
    files = [MapFile(f["path"], f["language"], f["rank"], [tuple(d) for d in f["definitions"]]) for f in data["files"]]
    return RepoMap(
        files=files,
        budget=data["budget"],
        total_files=data["total_files"],
        skipped=[tuple(s) for s in data["skipped"]],
        problems=[tuple(p) for p in data["problems"]],
        partial=data["partial"],
    )
