"""Ranking: which files and definitions matter, as personalised PageRank over the reference graph.

Every file is a node; a file that references a name has an edge to each file defining it, weighted by
how often it does (square root, so one file calling a helper forty times does not drown the rest) and
shared among the definers. PageRank's restart vector is the focus: the files the conversation is about
and the files defining the identifiers it names. A definition's score is the rank that flows into it
along those edges, so the map shows what the focus relies on, not just what is big.
"""

import math
from dataclasses import dataclass

from gitagent.repomap.index import SourceFile
from gitagent.repomap.tags import Definition

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-9
MAX_DEFINERS = 40
"""A name defined in more files than this (`get`, `run`, `__init__`) says nothing about who uses whom."""
FOCUS_BOOST = 10.0
PRIVATE_DAMPING = 0.1
MEMBER_WEIGHT = 0.05
"""`x.get()` may be any object's `get`, unless the file also names something from the defining file."""
FILE_SHARE = 0.05
"""Part of a file's own rank spread over its definitions, so unreferenced ones in top files still show."""


@dataclass(frozen=True)
class Focus:
    """What the map should lean towards: file indexes and identifiers."""

    files: frozenset[int] = frozenset()
    names: frozenset[str] = frozenset()


@dataclass
class Ranking:
    """File ranks (summing to 1) and the scored definitions, best first."""

    file_rank: list[float]
    definitions: list[tuple[float, int, Definition]]


Edges = dict[int, dict[int, float]]


def rank(files: list[SourceFile], focus: Focus) -> Ranking:
    """Rank the files and their definitions towards `focus` (uniformly when it is empty)."""
    definers = _definers(files)
    edges, flows = _edges(files, definers, focus)
    restart = _restart(len(files), focus, definers)
    ranks = pagerank(len(files), edges, restart)
    into = _inflow(edges, flows, ranks)
    scored = []
    for i, source in enumerate(files):
        defs = source.entry[2] if source.entry else ()
        for definition in defs:
            score = into.get((i, definition[0]), 0.0) + FILE_SHARE * ranks[i] / len(defs)
            if definition[0] in focus.names:
                score += ranks[i] + 1.0
            scored.append((score, i, definition))
    scored.sort(key=lambda item: (-item[0], files[item[1]].path, item[2][2]))
    return Ranking(ranks, scored)


def _definers(files: list[SourceFile]) -> dict[str, list[int]]:
    definers: dict[str, list[int]] = {}
    for i, source in enumerate(files):
        if source.entry:
            for name in {d[0] for d in source.entry[2]}:
                definers.setdefault(name, []).append(i)
    return definers


def _edges(
    files: list[SourceFile], definers: dict[str, list[int]], focus: Focus
) -> tuple[Edges, dict[int, list[tuple[int, str, float]]]]:
    """The weighted file graph, and per source file the (target, name, weight) flows that make it up."""
    edges: Edges = {}
    flows: dict[int, list[tuple[int, str, float]]] = {}
    for src, source in enumerate(files):
        if not source.entry:
            continue
        refs = [(name, len(lines), member) for name, lines, member in source.entry[3] if _links(name, definers, focus)]
        named = {dst for name, _, member in refs if not member for dst in definers[name]}
        for name, count, member in refs:
            targets = definers[name]
            weight = math.sqrt(count) / len(targets) * _name_weight(name, focus)
            for dst in targets:
                if dst == src:
                    continue
                # `x.save()` most likely means the `save` of a file this one names something from.
                share = weight * (1.0 if not member or dst in named else MEMBER_WEIGHT)
                out = edges.setdefault(src, {})
                out[dst] = out.get(dst, 0.0) + share
                flows.setdefault(src, []).append((dst, name, share))
    return edges, flows


def _links(name: str, definers: dict[str, list[int]], focus: Focus) -> bool:
    targets = definers.get(name)
    if not targets or _is_dunder(name):
        return False
    return len(targets) <= MAX_DEFINERS or name in focus.names


def _is_dunder(name: str) -> bool:
    """`__init__`, `__eq__`: protocol methods every class has; calls to them link nothing in particular."""
    return name.startswith("__") and name.endswith("__")


def _name_weight(name: str, focus: Focus) -> float:
    if name in focus.names:
        return FOCUS_BOOST
    return PRIVATE_DAMPING if name.startswith("_") else 1.0


def _restart(n: int, focus: Focus, definers: dict[str, list[int]]) -> list[float]:
    weights = [0.0] * n
    for i in focus.files:
        weights[i] += 1.0
    for name in focus.names:
        for i in definers.get(name, ()):
            weights[i] += 1.0
    total = sum(weights)
    return [w / total for w in weights] if total else [1.0 / n] * n if n else []


def pagerank(n: int, edges: Edges, restart: list[float]) -> list[float]:
    """Personalised PageRank by power iteration; dangling files give their rank back to `restart`."""
    ranks = list(restart)
    out_weight = {src: sum(outs.values()) for src, outs in edges.items()}
    normalised = {src: [(dst, w / out_weight[src]) for dst, w in outs.items()] for src, outs in edges.items()}
    dangling_nodes = [i for i in range(n) if i not in normalised]
    for _ in range(MAX_ITERATIONS):
        dangling = sum(ranks[i] for i in dangling_nodes)
        base = (1 - DAMPING) + DAMPING * dangling
        new = [base * p for p in restart]
        for src, outs in normalised.items():
            share = DAMPING * ranks[src]
            for dst, w in outs:
                new[dst] += share * w
        change = sum(abs(a - b) for a, b in zip(new, ranks, strict=True))
        ranks = new
        if change < TOLERANCE:
            break
    return ranks


def _inflow(edges: Edges, flows: dict[int, list[tuple[int, str, float]]], ranks: list[float]) -> dict:
    """The rank each (file, name) definition receives along the edges that reference it."""
    into: dict[tuple[int, str], float] = {}
    for src, parts in flows.items():
        total = sum(edges[src].values())
        for dst, name, weight in parts:
            into[(dst, name)] = into.get((dst, name), 0.0) + ranks[src] * weight / total
    return into
