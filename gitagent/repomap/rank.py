"""Ranking: which files and definitions matter, as personalised PageRank over the reference graph.

Every file is a node. An edge runs from a file to each file defining a name it uses, weighted by how often
it uses it (square root, so one file calling a helper forty times does not drown the rest):

- a Python file's bare names (`Printer`, `precedence(…)`, a base class) link only to what its imports
  resolve them to (`imports.py`): a call to a builtin such as `str(…)` links nowhere;
- in other languages a bare name links to the files defining it, but not to methods where a method cannot
  be called bare (everywhere but Java, C++ and Ruby, which have an implicit receiver);
- `x.name` links to every file defining `name`, weakly unless the file also uses that file otherwise;
  names defined in many files (`get`, `run`) link nothing, and protocol methods (`__init__`) never do.

PageRank's restart vector is the focus: the focus files and the files defining the identifiers it names.
A definition's score is the rank flowing into it; a focused map also puts first, for each file a focus
file uses directly (its imports, its base classes), the definition it uses most, so the map shows what
the focus relies on before what is merely big. Computed with numpy over all edges at once.
"""

from dataclasses import dataclass

import numpy as np

from gitagent.repomap.graph import Graph
from gitagent.repomap.names import DUNDER, PRIVATE

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-7
MAX_DEFINERS = 40
"""A bare name defined in more files than this says nothing about who uses whom."""
MAX_MEMBER_DEFINERS = 12
"""`x.name` is linked only when `name` is defined in at most this many files (`x.get()` could be anything)."""
FOCUS_BOOST = 10.0
PRIVATE_DAMPING = 0.1
MEMBER_WEIGHT = 0.05
"""`x.get()` may be any object's `get`, unless the file also names something from the defining file."""
FILE_SHARE = 0.05
"""Part of a file's own rank spread over its definitions, so unreferenced ones in top files still show."""
IMPLICIT_RECEIVER = frozenset({"java", "cpp", "ruby"})
"""Languages where a bare call inside a class may be one of its methods."""
NAMED_BONUS = 1.0
DIRECT_BONUS = 0.5
"""Score added to the best-used definition of each file a focus file uses directly (after named ones)."""
ALSO_USED_BONUS = 0.01


@dataclass(frozen=True)
class Focus:
    """What the map should lean towards: file indexes and identifiers."""

    files: frozenset[int] = frozenset()
    names: frozenset[str] = frozenset()


@dataclass
class Ranking:
    """File ranks (summing to 1) and every definition row's score (`Graph.def_*` order)."""

    file_rank: np.ndarray
    scores: np.ndarray


@dataclass
class Edges:
    """Weighted file-to-file edges; `def_row` is the definition receiving the flow (-1: a module import)."""

    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    def_row: np.ndarray


def rank(graph: Graph, focus: Focus, scope: np.ndarray | None = None) -> Ranking:
    """Rank the files and definitions of `graph` towards `focus` (uniformly, within `scope`, when empty)."""
    n = len(graph.paths)
    focus_names = _name_ids(graph, focus.names)
    edges = edges_of(graph, focus_names)
    restart = _restart(graph, focus, focus_names, scope)
    start = graph.ranks if not focus.files and not focus.names and scope is None else None
    ranks = pagerank(n, edges, restart, start)
    out = np.bincount(edges.src, edges.weight, n)
    flow = ranks[edges.src] * edges.weight / np.where(out[edges.src] > 0, out[edges.src], 1.0)
    into = np.bincount(edges.def_row[edges.def_row >= 0], flow[edges.def_row >= 0], len(graph.def_file))
    per_file = np.bincount(graph.def_file, minlength=n).astype(np.float64)
    scores = into + FILE_SHARE * ranks[graph.def_file] / np.maximum(per_file[graph.def_file], 1.0)
    if len(focus_names):
        named = np.isin(graph.def_name, focus_names)
        scores[named] += ranks[graph.def_file[named]] + NAMED_BONUS
    if focus.files:
        _direct_bonus(graph, scores, edges, focus.files)
    return Ranking(ranks, scores)


def _name_ids(graph: Graph, names: frozenset[str]) -> np.ndarray:
    found = [graph.names.find(name) for name in names]
    return np.asarray([i for i in found if i is not None], np.int32)


def edges_of(graph: Graph, focus_names: np.ndarray) -> Edges:
    """Every edge of the graph: Python import links, module imports, then names matched by definition."""
    defs = _Definers(graph)
    link_rows = defs.row_of(graph.link_dst, graph.link_name)
    weight = np.sqrt(graph.link_count.astype(np.float64)) * defs.name_weight(graph.link_name, focus_names)
    parts = [Edges(graph.link_src, graph.link_dst, weight, link_rows)]
    parts.append(Edges(graph.mod_src, graph.mod_dst, np.ones(len(graph.mod_src)), np.full(len(graph.mod_src), -1)))
    python = np.asarray([language == "python" for language in graph.languages], np.bool_)
    implicit = np.asarray([language in IMPLICIT_RECEIVER for language in graph.languages], np.bool_)
    member = graph.ref_member
    if len(python):
        bare = ~member & ~python[graph.ref_file]
        parts.append(defs.join(graph, bare & implicit[graph.ref_file], focus_names, methods=True))
        parts.append(defs.join(graph, bare & ~implicit[graph.ref_file], focus_names, methods=False))
    named = _concat(parts)
    members = defs.join(graph, member, focus_names, methods=True, cap=MAX_MEMBER_DEFINERS)
    n = max(1, len(graph.paths))
    known = np.sort(named.src.astype(np.int64) * n + named.dst)
    keys = members.src.astype(np.int64) * n + members.dst
    at = np.clip(np.searchsorted(known, keys), 0, max(0, len(known) - 1))
    weak = known[at] != keys if len(known) else np.ones(len(keys), np.bool_)
    members.weight[weak] *= MEMBER_WEIGHT
    return _concat([named, members])


class _Definers:
    """The (name, file) pairs that have a definition, with the first definition row of each, by name."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.all = self._pairs(np.ones(len(graph.def_file), np.bool_))
        self.bare = self._pairs(~graph.def_method)
        self.private = (graph.names.flags & PRIVATE) > 0
        # protocol methods (`__init__`, `__eq__`): every class has them, so they link nothing in particular
        self.dunder = (graph.names.flags & DUNDER) > 0

    def name_weight(self, names: np.ndarray, focus_names: np.ndarray) -> np.ndarray:
        """Per reference: private names count a tenth, focus names ten times."""
        weight = np.where(self.private[names], PRIVATE_DAMPING, 1.0)
        return np.where(np.isin(names, focus_names), FOCUS_BOOST, weight) if len(focus_names) else weight

    def _pairs(self, mask: np.ndarray) -> tuple[np.ndarray, ...]:
        g = self.graph
        rows = np.flatnonzero(mask)
        keys = g.def_name[rows].astype(np.int64) * max(1, len(g.paths)) + g.def_file[rows]
        unique, first, _ = unique_keys(keys)
        names = (unique // max(1, len(g.paths))).astype(np.int64)
        counts = np.bincount(names, minlength=len(g.names))
        starts = np.concatenate([[0], np.cumsum(counts)])
        return unique, rows[first], counts, starts

    def row_of(self, files: np.ndarray, names: np.ndarray) -> np.ndarray:
        """The first definition row of each (file, name) pair (-1 where there is none)."""
        unique, rows = self.all[0], self.all[1]
        keys = names.astype(np.int64) * max(1, len(self.graph.paths)) + files
        at = np.searchsorted(unique, keys)
        at = np.clip(at, 0, max(0, len(unique) - 1))
        found = (unique[at] == keys) if len(unique) else np.zeros(len(keys), np.bool_)
        return np.where(found, rows[at] if len(rows) else -1, -1)

    def join(
        self, graph: Graph, mask: np.ndarray, focus_names: np.ndarray, methods: bool, cap: int = MAX_DEFINERS
    ) -> Edges:
        """Edges from the reference rows in `mask` to every file defining their name (methods too, or not)."""
        unique, first_rows, counts, starts = self.all if methods else self.bare
        rows = np.flatnonzero(mask)
        names = graph.ref_name[rows]
        count = counts[names] if len(counts) else np.zeros(len(rows), np.int64)
        focused = np.isin(names, focus_names)
        keep = (count > 0) & ((count <= cap) | focused) & ~self.dunder[names]
        rows, names, count = rows[keep], names[keep], count[keep]
        repeat = np.repeat(np.arange(len(rows)), count)
        offset = np.arange(len(repeat)) - np.repeat(np.cumsum(count) - count, count)
        at = np.repeat(starts[names], count) + offset
        src = graph.ref_file[rows][repeat]
        dst = (unique[at] % max(1, len(graph.paths))).astype(np.int64)
        weight = (np.sqrt(graph.ref_count[rows].astype(np.float64)) / count)[repeat]
        weight *= self.name_weight(names, focus_names)[repeat]
        other = src != dst
        return Edges(src[other], dst[other], weight[other], first_rows[at][other])


def _concat(parts: list[Edges]) -> Edges:
    return Edges(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("src", "dst", "weight", "def_row")))


def _restart(graph: Graph, focus: Focus, focus_names: np.ndarray, scope: np.ndarray | None) -> np.ndarray:
    n = len(graph.paths)
    weights = np.zeros(n)
    for i in focus.files:
        weights[i] += 1.0
    if len(focus_names):
        definers = np.unique(graph.def_file[np.isin(graph.def_name, focus_names)])
        weights[definers] += 1.0
    if weights.sum() == 0:
        weights = np.ones(n) if scope is None else scope.astype(np.float64)
    total = weights.sum()
    return weights / total if total else weights


def pagerank(n: int, edges: Edges, restart: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Personalised PageRank by power iteration; dangling files give their rank back to `restart`.

    Edges are merged per (source, target) first, so each iteration is one gather and one bincount."""
    if n == 0:
        return np.zeros(0)
    keys, _, inverse = unique_keys(edges.src.astype(np.int64) * n + edges.dst)
    weight = np.bincount(inverse, edges.weight, len(keys))
    src, dst = keys // n, keys % n
    out = np.bincount(src, weight, n)
    normalised = weight / out[src]
    dangling = out == 0
    ranks = start.copy() if start is not None and len(start) == n else restart.copy()
    for _ in range(MAX_ITERATIONS):
        new = DAMPING * np.bincount(dst, ranks[src] * normalised, n)
        new += ((1 - DAMPING) + DAMPING * ranks[dangling].sum()) * restart
        change = np.abs(new - ranks).sum()
        ranks = new
        if change < TOLERANCE:
            break
    return ranks


def unique_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted distinct keys, the index of each one's first occurrence, and each key's distinct index
    (`np.unique` with `return_index` and `return_inverse`, by one stable sort)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, np.bool_)
    inverse = np.empty(len(keys), np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], order[starts], inverse


def _direct_bonus(graph: Graph, scores: np.ndarray, edges: Edges, focus_files: frozenset[int]) -> None:
    """For each file a focus file uses directly, its best-used definition goes just after named ones (for a
    module used as a whole, or only for names it re-exports from elsewhere, its best-ranked definition)."""
    from_focus = np.isin(edges.src, np.fromiter(focus_files, np.int64), kind="table")
    named = from_focus & (edges.def_row >= 0)
    rows, weights = edges.def_row[named], edges.weight[named]
    used = np.bincount(rows, weights, len(scores))
    scores[np.flatnonzero(used)] += ALSO_USED_BONUS
    best = _first_per_file(rows, edges.dst[named], -used[rows])
    scores[best] += DIRECT_BONUS + used[best] / max(float(used.max()) if len(used) else 0.0, 1e-12) * 0.1
    whole = np.setdiff1d(edges.dst[from_focus & (edges.def_row < 0)], edges.dst[named])
    if not len(whole):
        return
    candidates = np.flatnonzero(np.isin(graph.def_file, whole, kind="table") & ~graph.def_method)
    scores[_first_per_file(candidates, graph.def_file[candidates], -scores[candidates])] += DIRECT_BONUS


def _first_per_file(rows: np.ndarray, files: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """The first of `rows` in each file, by `order_key` (lowest first)."""
    if not len(rows):
        return rows
    order = np.lexsort((order_key, files))
    files = files[order]
    return rows[order][np.concatenate([[True], files[1:] != files[:-1]])]
