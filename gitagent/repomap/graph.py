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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gitagent.repomap.cache import TagCache, write_atomic
from gitagent.repomap.imports import Modules, PySummary
from gitagent.repomap.index import load_entries
from gitagent.repomap.names import NameTable
from gitagent.repomap.parse import INDEXING, RESOLVING, Progress, counted
from gitagent.repomap.tags import Entry

MAGIC = b"gitagent-graph 2\n"
MAX_GRAPHS = 8
"""Graphs kept, one per work tree (a repository and its conversations' worktrees), the newest first."""
ARRAYS = {
    "def_file": np.int32, "def_name": np.int32, "def_method": np.bool_, "def_ord": np.int32,
    "ref_file": np.int32, "ref_name": np.int32, "ref_count": np.int32, "ref_member": np.bool_,
    "link_src": np.int32, "link_dst": np.int32, "link_name": np.int32, "link_count": np.int32,
    "mod_src": np.int32, "mod_dst": np.int32, "via_src": np.int32, "via_file": np.int32,
}  # fmt: skip
INTERN_EVERY = 1000
"""Files whose names are interned together (a batch takes a fraction of a second at most)."""
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
    notes: dict[int, str] = field(default_factory=dict)
    """Why a file failed or was skipped, by file index."""
    names: NameTable = field(default_factory=NameTable)
    passed_over: dict[str, str] = field(default_factory=dict)
    """Listed paths left out by their name (vendored, generated, binary) and why: not classified again."""
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

    def parsed_python(self, i: int) -> bool:
        """Whether file `i` is Python whose tags were read (its imports can be resolved)."""
        return self.languages[i] == "python" and self.status[i] in ("ok", "partial")

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
    graph = Graph([f[0] for f in files], [f[1] for f in files], [f[2] for f in files], names=old.names)
    same_files = previous is not None and old.paths == graph.paths
    old_of_new, changed = _match(old, graph, same_files)
    new_of_old = np.full(len(old.paths), -1, np.int64)
    kept = np.flatnonzero(old_of_new >= 0)
    new_of_old[old_of_new[kept]] = kept
    wanted = [(files[i][0], files[i][2] or "", graph.key(i)) for i in changed if files[i][2] is not None]
    entries, parsed = load_entries(root, cache, wanted, progress, workers)
    fresh = {i: entries.get(graph.key(i)) for i in changed}
    _carry_files(graph, old, old_of_new, fresh)
    summaries = _Summaries(graph, cache, _carry_rows(graph, old, new_of_old, fresh, progress))
    _resolve(graph, old, new_of_old, set(changed), summaries, previous is None, progress)
    graph.names = graph.names.settled()
    if previous is not None and not changed and old.ranks is not None and len(old.ranks) == len(files):
        graph.ranks = old.ranks
    elif previous is not None and old.ranks is not None:
        graph.ranks = _carried_ranks(old.ranks, old_of_new)
    return graph, parsed


def _match(old: Graph, graph: Graph, same_files: bool) -> tuple[np.ndarray, list[int]]:
    """Per new file, its index in `old` when its content is unchanged (else -1); and the changed files."""
    if same_files:  # the usual case after an edit: compare blob ids only
        changed = [i for i, (a, b) in enumerate(zip(old.blobs, graph.blobs, strict=True)) if a != b]
        old_of_new = np.arange(len(graph.paths), dtype=np.int64)
        old_of_new[changed] = -1
        return old_of_new, changed
    old_index = {path: i for i, path in enumerate(old.paths)}
    old_of_new = np.full(len(graph.paths), -1, np.int64)
    changed = []
    for i, (path, blob, language) in enumerate(zip(graph.paths, graph.blobs, graph.languages, strict=True)):
        j = old_index.get(path, -1)
        if j >= 0 and old.blobs[j] == blob and old.languages[j] == language:
            old_of_new[i] = j
        else:
            changed.append(i)
    return old_of_new, changed


def _carry_files(graph: Graph, old: Graph, old_of_new: np.ndarray, fresh: dict[int, Entry | None]) -> None:
    carried = old_of_new.tolist()
    graph.status = [old.status[j] if j >= 0 else "" for j in carried]
    graph.notes = {i: old.notes[j] for i, j in enumerate(carried) if j in old.notes} if old.notes else {}
    for i, entry in fresh.items():
        graph.status[i] = entry[0] if entry else ""
        graph.notes.pop(i, None)
        if entry and entry[1]:
            graph.notes[i] = entry[1]


def _carry_rows(
    graph: Graph, old: Graph, new_of_old: np.ndarray, fresh: dict[int, Entry | None], progress: Progress | None
) -> dict[int, PySummary | None]:
    """Definition and reference rows: the unchanged files' rows renumbered, the changed files' rows added.
    Returns the changed Python files' summaries, for import resolution."""
    columns: dict[str, list[Any]] = {key: [] for key in ARRAYS}
    summaries: dict[int, PySummary | None] = {}
    def_names: list[str] = []
    ref_names: list[str] = []
    for n, (i, entry) in enumerate(counted(fresh.items(), len(fresh), progress, INDEXING), start=1):
        if entry and entry[0] in ("ok", "partial"):
            definitions, references = entry[2], entry[3]
            columns["def_file"] += [i] * len(definitions)
            columns["def_method"] += [kind == "method" for _, kind, _, _ in definitions]
            columns["def_ord"] += range(len(definitions))
            def_names += [name for name, _, _, _ in definitions]
            columns["ref_file"] += [i] * len(references)
            columns["ref_count"] += [len(lines) for _, lines, _ in references]
            columns["ref_member"] += [member for _, _, member in references]
            ref_names += [name for name, _, _ in references]
            if graph.languages[i] == "python":
                summaries[i] = _summary(entry)
        if n % INTERN_EVERY == 0 or n == len(fresh):  # all at the end would be seconds without a report
            columns["def_name"] += graph.names.intern_many(def_names)
            columns["ref_name"] += graph.names.intern_many(ref_names)
            def_names, ref_names = [], []
    for prefix, file_key in (("def_", "def_file"), ("ref_", "ref_file")):
        where = new_of_old[old.arrays[file_key]] if len(new_of_old) else np.zeros(0, np.int64)
        keep = where >= 0
        for key, dtype in ARRAYS.items():
            if key.startswith(prefix):
                carried = where[keep] if key == file_key else old.arrays[key][keep]
                graph.arrays[key] = np.concatenate([carried.astype(dtype), np.asarray(columns[key], dtype)])
    return summaries


class _Summaries:
    """What import resolution reads of a Python file (top-level names, imports), from its entry on demand."""

    def __init__(self, graph: Graph, cache: TagCache, known: dict[int, PySummary | None]) -> None:
        self.graph = graph
        self.cache = cache
        self.known = known

    def prefetch(self, files: Iterable[int]) -> None:
        """Read the entries of many files at once."""
        wanted = [i for i in files if i not in self.known and self.graph.parsed_python(i)]
        for i, entry in self.graph.entries(self.cache, wanted).items():
            self.known[i] = _summary(entry)

    def __call__(self, i: int) -> PySummary | None:
        if i not in self.known:
            self.known[i] = None
            if self.graph.parsed_python(i):
                entry = self.graph.entries(self.cache, [i]).get(i)
                self.known[i] = _summary(entry) if entry else None
        return self.known[i]


def _summary(entry: Entry) -> PySummary:
    return tuple(d[0] for d in entry[2] if d[1] in ("class", "function", "constant")), entry[4]


def _resolve(
    graph: Graph,
    old: Graph,
    new_of_old: np.ndarray,
    changed: set[int],
    summaries: _Summaries,
    first_build: bool,
    progress: Progress | None,
) -> None:
    """Python files' bare names linked through their imports: redone for changed (and added) files and for
    those whose resolution read a changed or removed file; for all on a first build. (An import that named
    no file of the repository is not looked at again when a file is added, until its own file changes.)"""
    if first_build:
        redo = {i for i in range(len(graph.paths)) if graph.parsed_python(i)}
    else:
        via_src = new_of_old[old.via_src] if len(old.via_src) else np.zeros(0, np.int64)
        via_file = new_of_old[old.via_file] if len(old.via_file) else np.zeros(0, np.int64)
        stale = _among(via_file, changed, len(graph.paths)) | (via_file < 0)
        redo = {i for i in changed if graph.parsed_python(i)} | set(via_src[stale & (via_src >= 0)].tolist())
    columns: dict[str, list[int]] = {k: [] for k in ("link_src", "link_dst", "link_name", "link_count", "mod_src",
                                                        "mod_dst", "via_src", "via_file")}  # fmt: skip
    for prefix, src_key, other in (("link_", "link_src", "link_dst"), ("mod_", "mod_src", "mod_dst"),
                                   ("via_", "via_src", "via_file")):  # fmt: skip
        src = new_of_old[old.arrays[src_key]] if len(old.arrays[src_key]) else np.zeros(0, np.int64)
        dst = new_of_old[old.arrays[other]] if len(old.arrays[other]) else np.zeros(0, np.int64)
        keep = (src >= 0) & (dst >= 0) & ~_among(src, redo, len(graph.paths))
        for key in ARRAYS:
            if key.startswith(prefix):
                value = src if key == src_key else dst if key == other else old.arrays[key]
                graph.arrays[key] = value[keep].astype(ARRAYS[key])
    if redo:
        summaries.prefetch(redo)
        _resolve_files(graph, sorted(redo), summaries, columns, progress)
    for key, values in columns.items():
        graph.arrays[key] = np.concatenate([graph.arrays[key], np.asarray(values, ARRAYS[key])])


def _resolve_files(
    graph: Graph, redo: list[int], summaries: _Summaries, columns: dict[str, list[int]], progress: Progress | None
) -> None:
    modules = Modules(graph.paths, summaries)
    rows_of = np.flatnonzero(_among(graph.ref_file, set(redo), len(graph.paths)))
    order = rows_of[np.argsort(graph.ref_file[rows_of], kind="stable")]
    starts = np.searchsorted(graph.ref_file[order], np.arange(len(graph.paths) + 1)).tolist()
    ref_names, members, counts = (graph.arrays[key][order].tolist() for key in ("ref_name", "ref_member", "ref_count"))
    name_of = _Memo(graph.names.get)
    id_of = _Memo(graph.names.find)
    for i in counted(redo, len(redo), progress, RESOLVING):
        resolved = modules.resolve(i)
        summary = summaries(i)
        local = set(summary[0]) if summary else set()
        for at in range(starts[i], starts[i + 1]):
            name = name_of(ref_names[at])
            if members[at]:
                if "." not in name:
                    continue
                found = modules.lookup_qualified(resolved, name)
            else:
                found = resolved.names.get(name)
            if found is None and resolved.stars and name not in local:
                found = modules.lookup_star(resolved, name)
            defined = id_of(found[1]) if found is not None and found[0] != i else None
            if found is not None and defined is not None:
                columns["link_src"].append(i)
                columns["link_dst"].append(found[0])
                columns["link_name"].append(defined)
                columns["link_count"].append(counts[at])
        for target in resolved.modules - {i}:
            columns["mod_src"].append(i)
            columns["mod_dst"].append(target)
        for target in resolved.via - {i}:
            columns["via_src"].append(i)
            columns["via_file"].append(target)


class _Memo(dict):
    """A function's results by argument, each computed once (names are looked up many times over)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.function(key)
        return value

    __call__ = dict.__getitem__


def _among(values: np.ndarray, members: set[int], size: int) -> np.ndarray:
    """Whether each of `values` (file indexes, -1 for none) is in `members`."""
    table = np.zeros(size + 1, np.bool_)
    table[np.fromiter(members, np.int64, len(members))] = True
    return table[values]


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
        saved = marshal.loads(memoryview(data)[len(MAGIC) :])
        arrays = {key: np.frombuffer(saved["arrays"][key], ARRAYS[key]) for key in ARRAYS}
        ranks = np.frombuffer(saved["ranks"], np.float64) if saved.get("ranks") else None
        names = NameTable(
            saved["names"], np.frombuffer(saved["name_offsets"], np.int64),
            np.frombuffer(saved["name_hashes"], np.uint64), np.frombuffer(saved["name_flags"], np.uint8),
        )  # fmt: skip
        columns = [_split(saved[key], saved["count"]) for key in ("paths", "blobs", "languages", "status")]
        languages: list[str | None] = [language or None for language in columns[2]]
        passed_over = dict(zip(_split(saved["passed_over"], 1), _split(saved["reasons"], 1), strict=True))
        passed_over.pop("", None)
        graph = Graph(columns[0], columns[1], languages, columns[3], saved["notes"], names, passed_over, arrays)
        graph.ranks = ranks
        return graph
    except (EOFError, ValueError, TypeError, KeyError):
        return None


def save(path: Path, graph: Graph) -> None:
    """Keep the graph for the next build (best effort; the oldest graphs beyond `MAX_GRAPHS` go)."""
    names = graph.names.settled()
    data = {
        "count": len(graph.paths), "paths": "\0".join(graph.paths), "blobs": "\0".join(graph.blobs),
        "languages": "\0".join(language or "" for language in graph.languages), "status": "\0".join(graph.status),
        "notes": graph.notes, "passed_over": "\0".join(graph.passed_over),
        "reasons": "\0".join(graph.passed_over.values()), "names": names.blob, "name_offsets": names.offsets.tobytes(),
        "name_hashes": names.hashes.tobytes(), "name_flags": names.flags.tobytes(),
        "arrays": {key: np.ascontiguousarray(graph.arrays[key], ARRAYS[key]).tobytes() for key in ARRAYS},
        "ranks": graph.ranks.tobytes() if graph.ranks is not None else b"",
    }  # fmt: skip
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, MAGIC + marshal.dumps(data))
        for pattern in ("*.graph", "*.untracked"):
            kept = sorted(path.parent.glob(pattern), key=lambda p: p.stat().st_mtime)
            for stale in kept[:-MAX_GRAPHS]:
                stale.unlink(missing_ok=True)


def _split(joined: str, count: int) -> list[str]:
    return joined.split("\0") if count else []
