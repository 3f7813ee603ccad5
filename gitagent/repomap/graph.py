"""The repository's reference graph as compact arrays, kept between builds and updated file by file.

A `Graph` holds, for every mapped file, its definitions and references as rows of integer arrays (names
interned once), and for Python files the resolution of their bare names through their imports (`imports`).
It is saved after each build under the cache; the next build re-reads only the files whose blob changed,
so after an edit to one file of 50,000 the work is that file's tags and its importers' resolution, not a
re-read of every file's tags. Entries (signatures, lines) stay in the tag cache and are read only for the
definitions a map shows.
"""

import contextlib
import hashlib
import marshal
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gitagent.repomap.cache import TagCache, write_atomic
from gitagent.repomap.imports import Modules, PySummary
from gitagent.repomap.index import load_entries
from gitagent.repomap.parse import Progress
from gitagent.repomap.tags import Entry

MAGIC = b"gitagent-graph 1\n"
MAX_GRAPHS = 8
"""Graphs kept, one per work tree (a repository and its conversations' worktrees), the newest first."""
ARRAYS = {
    "def_file": np.int32, "def_name": np.int32, "def_method": np.bool_, "def_ord": np.int32,
    "ref_file": np.int32, "ref_name": np.int32, "ref_count": np.int32, "ref_member": np.bool_,
    "link_src": np.int32, "link_dst": np.int32, "link_name": np.int32, "link_count": np.int32,
    "mod_src": np.int32, "mod_dst": np.int32, "via_src": np.int32, "via_file": np.int32,
}  # fmt: skip
SOURCE_FILE = tuple[str, str, str | None]
"""A mapped file: path, blob id, language (None: a plain file, listed but not parsed)."""


@dataclass
class Graph:
    """Files (paths, blobs, languages, tag statuses and notes) and the reference rows between them."""

    paths: list[str] = field(default_factory=list)
    blobs: list[str] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    """The entry's status (`ok`, `partial`, `failed`, `skipped`), or '' for a plain file."""
    notes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    py: list[PySummary | None] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=lambda: {k: np.zeros(0, t) for k, t in ARRAYS.items()})
    ranks: np.ndarray | None = None
    """The unfocused file ranks of the last build: the next one starts its iteration from them."""

    def __getattr__(self, name: str) -> np.ndarray:
        if name in ARRAYS:
            return self.__dict__["arrays"][name]
        raise AttributeError(name)

    def key(self, i: int) -> str:
        """The tag cache key of file `i`."""
        return f"{self.blobs[i]}:{self.languages[i]}"

    def entries(self, cache: TagCache, files: Iterable[int]) -> dict[int, Entry]:
        """The full entries (signatures, lines) of some files, from the tag cache."""
        wanted = {i: self.key(i) for i in files if self.languages[i] is not None}
        found = cache.get_many(wanted.values())
        return {i: found[key] for i, key in wanted.items() if key in found}


def update(
    previous: Graph | None,
    files: list[SOURCE_FILE],
    root: Path,
    cache: TagCache,
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[Graph, list[str]]:
    """The graph of `files`, reusing `previous` for every file whose blob is unchanged; also the parsed paths."""
    old = previous or Graph()
    old_index = {path: i for i, path in enumerate(old.paths)}
    graph = Graph([f[0] for f in files], [f[1] for f in files], [f[2] for f in files], names=old.names)
    old_of_new = np.full(len(files), -1, np.int64)
    changed: list[int] = []
    for i, (path, blob, language) in enumerate(files):
        j = old_index.get(path, -1)
        if j >= 0 and old.blobs[j] == blob and old.languages[j] == language:
            old_of_new[i] = j
        else:
            changed.append(i)
    new_of_old = np.full(len(old.paths), -1, np.int64)
    kept = np.flatnonzero(old_of_new >= 0)
    new_of_old[old_of_new[kept]] = kept
    wanted = [(files[i][0], files[i][2] or "", graph.key(i)) for i in changed if files[i][2] is not None]
    entries, parsed = load_entries(root, cache, wanted, progress, workers)
    fresh = {i: entries.get(graph.key(i)) for i in changed}
    _carry_files(graph, old, old_of_new, fresh)
    rows = _Rows(graph.names)
    _carry_rows(graph, old, new_of_old, fresh, rows)
    came_or_went = len(files) != len(old.paths) or any(path not in old_index for path in graph.paths)
    _resolve(graph, old, new_of_old, set(changed), rows.index, came_or_went or previous is None)
    if previous is not None and not changed and old.ranks is not None and len(old.ranks) == len(files):
        graph.ranks = old.ranks
    elif previous is not None and old.ranks is not None:
        graph.ranks = _carried_ranks(old.ranks, old_of_new)
    return graph, parsed


def _carry_files(graph: Graph, old: Graph, old_of_new: np.ndarray, fresh: dict[int, Entry | None]) -> None:
    for i in range(len(graph.paths)):
        j = int(old_of_new[i])
        if j >= 0:
            graph.status.append(old.status[j])
            graph.notes.append(old.notes[j])
            graph.py.append(old.py[j])
            continue
        entry = fresh.get(i)
        graph.status.append(entry[0] if entry else "")
        graph.notes.append(entry[1] if entry else "")
        python = entry is not None and graph.languages[i] == "python" and entry[0] in ("ok", "partial")
        top = tuple(d[0] for d in entry[2] if d[1] in ("class", "function", "constant")) if python and entry else ()
        graph.py.append((top, entry[4]) if python and entry else None)


class _Rows:
    """New rows being added, with names interned into the graph's name list."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.columns: dict[str, list[Any]] = {key: [] for key in ARRAYS}

    def name(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found

    def add(self, **values: Any) -> None:
        for key, value in values.items():
            self.columns[key].append(value)


def _carry_rows(graph: Graph, old: Graph, new_of_old: np.ndarray, fresh: dict[int, Entry | None], rows: _Rows) -> None:
    """Definition and reference rows: the unchanged files' rows renumbered, the changed files' rows added."""
    for i, entry in fresh.items():
        if not entry or entry[0] not in ("ok", "partial"):
            continue
        for ordinal, (name, kind, _, _) in enumerate(entry[2]):
            rows.add(def_file=i, def_name=rows.name(name), def_method=kind == "method", def_ord=ordinal)
        for name, lines, member in entry[3]:
            rows.add(ref_file=i, ref_name=rows.name(name), ref_count=len(lines), ref_member=member)
    for prefix, file_key in (("def_", "def_file"), ("ref_", "ref_file")):
        where = new_of_old[old.arrays[file_key]] if len(new_of_old) else np.zeros(0, np.int64)
        keep = where >= 0
        for key, dtype in ARRAYS.items():
            if key.startswith(prefix):
                carried = where[keep] if key == file_key else old.arrays[key][keep]
                graph.arrays[key] = np.concatenate([carried.astype(dtype), np.asarray(rows.columns[key], dtype)])
    graph.names = rows.names


def _resolve(
    graph: Graph, old: Graph, new_of_old: np.ndarray, changed: set[int], names: dict[str, int], file_set_changed: bool
) -> None:
    """Python files' bare names linked through their imports: redone for changed files and for those whose
    resolution read a changed file (all of them when files came or went)."""
    python = [i for i, summary in enumerate(graph.py) if summary is not None]
    if file_set_changed:
        redo = set(python)
    else:
        via_src = new_of_old[old.via_src] if len(old.via_src) else np.zeros(0, np.int64)
        via_file = new_of_old[old.via_file] if len(old.via_file) else np.zeros(0, np.int64)
        stale = np.isin(via_file, np.fromiter(changed, np.int64, len(changed))) | (via_file < 0)
        redo = {i for i in changed if graph.py[i] is not None} | set(via_src[stale & (via_src >= 0)].tolist())
    columns: dict[str, list[int]] = {k: [] for k in ("link_src", "link_dst", "link_name", "link_count", "mod_src",
                                                        "mod_dst", "via_src", "via_file")}  # fmt: skip
    for prefix, src_key, other in (("link_", "link_src", "link_dst"), ("mod_", "mod_src", "mod_dst"),
                                   ("via_", "via_src", "via_file")):  # fmt: skip
        src = new_of_old[old.arrays[src_key]] if len(old.arrays[src_key]) else np.zeros(0, np.int64)
        dst = new_of_old[old.arrays[other]] if len(old.arrays[other]) else np.zeros(0, np.int64)
        keep = (src >= 0) & (dst >= 0) & ~np.isin(src, np.fromiter(redo, np.int64, len(redo)))
        for key in ARRAYS:
            if key.startswith(prefix):
                value = src if key == src_key else dst if key == other else old.arrays[key]
                graph.arrays[key] = value[keep].astype(ARRAYS[key])
    if redo:
        _resolve_files(graph, sorted(redo), names, columns)
    for key, values in columns.items():
        graph.arrays[key] = np.concatenate([graph.arrays[key], np.asarray(values, ARRAYS[key])])


def _resolve_files(graph: Graph, redo: list[int], names: dict[str, int], columns: dict[str, list[int]]) -> None:
    modules = Modules(graph.paths, lambda i: graph.py[i])
    order = np.argsort(graph.ref_file, kind="stable")
    starts = np.searchsorted(graph.ref_file[order], np.arange(len(graph.paths) + 1))
    for i in redo:
        resolved = modules.resolve(i)
        local = set(graph.py[i][0]) if graph.py[i] else set()
        for row in order[starts[i] : starts[i + 1]]:
            name = graph.names[graph.ref_name[row]]
            if graph.ref_member[row]:
                if "." not in name:
                    continue
                found = modules.lookup_qualified(resolved, name)
            else:
                found = resolved.names.get(name)
            if found is None and resolved.stars and name not in local:
                found = modules.lookup_star(resolved, name)
            if found is not None and found[0] != i and found[1] in names:
                columns["link_src"].append(i)
                columns["link_dst"].append(found[0])
                columns["link_name"].append(names[found[1]])
                columns["link_count"].append(int(graph.ref_count[row]))
        for target in resolved.modules - {i}:
            columns["mod_src"].append(i)
            columns["mod_dst"].append(target)
        for target in resolved.via - {i}:
            columns["via_src"].append(i)
            columns["via_file"].append(target)


def _carried_ranks(ranks: np.ndarray, old_of_new: np.ndarray) -> np.ndarray:
    carried = np.where(old_of_new >= 0, ranks[np.clip(old_of_new, 0, None)], 0.0)
    missing = old_of_new < 0
    carried[missing] = carried.sum() / max(1, len(carried)) if len(carried) else 0.0
    total = carried.sum()
    return carried / total if total > 0 else carried


def graph_path(directory: Path, root: Path) -> Path:
    """Where the graph of the work tree `root` is kept."""
    return directory / "graphs" / f"{hashlib.sha1(str(root).encode()).hexdigest()[:16]}.graph"


def load(path: Path) -> Graph | None:
    """The saved graph, or None when there is none or it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    try:
        saved = marshal.loads(data[len(MAGIC) :])
        arrays = {key: np.frombuffer(saved["arrays"][key], ARRAYS[key]) for key in ARRAYS}
        ranks = np.frombuffer(saved["ranks"], np.float64) if saved.get("ranks") else None
        return Graph(saved["paths"], saved["blobs"], saved["languages"], saved["status"], saved["notes"],
                     saved["names"], saved["py"], arrays, ranks)  # fmt: skip
    except (EOFError, ValueError, TypeError, KeyError):
        return None


def save(path: Path, graph: Graph) -> None:
    """Keep the graph for the next build (best effort; the oldest graphs beyond `MAX_GRAPHS` go)."""
    data = {
        "paths": graph.paths, "blobs": graph.blobs, "languages": graph.languages, "status": graph.status,
        "notes": graph.notes, "names": graph.names, "py": graph.py,
        "arrays": {key: np.ascontiguousarray(graph.arrays[key], ARRAYS[key]).tobytes() for key in ARRAYS},
        "ranks": graph.ranks.tobytes() if graph.ranks is not None else b"",
    }  # fmt: skip
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, MAGIC + marshal.dumps(data))
        graphs = sorted(path.parent.glob("*.graph"), key=lambda p: p.stat().st_mtime)
        for stale in graphs[:-MAX_GRAPHS]:
            stale.unlink(missing_ok=True)
