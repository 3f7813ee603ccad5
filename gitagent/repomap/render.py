"""Fitting a ranked map into a token budget and printing it the way a person skims a codebase."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitagent.repomap.tags import Definition

if TYPE_CHECKING:
    import numpy as np

    from gitagent.repomap.graph import Graph
    from gitagent.repomap.rank import Ranking

CHARS_PER_TOKEN = 4
FIRST_SORTED = 4096
"""The usual estimate for code and English; the budget is approximate by design."""


@dataclass
class MapFile:
    """One file in the map: its definitions as (name, kind, line, signature), in line order."""

    path: str
    language: str | None
    rank: float
    definitions: list[tuple[str, str, int, str]] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    """Tokens a model will likely count for `text` (characters / 4, rounded up)."""
    return -(-len(text) // CHARS_PER_TOKEN)


def definition_line(definition: tuple[str, str, int, str]) -> str:
    """`  line signature`, the line number right-aligned so signatures line up."""
    return f"{definition[2]:>5} {definition[3]}"


def render_text(files: list[MapFile]) -> str:
    """The map as text: each file's path, then its definitions' signature lines."""
    lines: list[str] = []
    for item in files:
        lines.append(f"{item.path}:" if item.definitions else item.path)
        lines.extend(definition_line(d) for d in item.definitions)
    return "\n".join(lines)


def select(
    graph: Graph, ranking: Ranking, budget: int, definition: Callable[[int], Definition | None], shown: np.ndarray
) -> list[MapFile]:
    """The best definitions and files that fit in `budget` tokens: ranked definitions first, then files
    with none (parsed files by rank, then plain files by path). Files come out in the order of their best
    definition (a focused map: what the focus file uses first), then those without any.

    `definition(row)` gives a definition row's (name, kind, line, signature); `shown` masks the files the
    map may show."""

    chosen: dict[int, MapFile] = {}
    chars = 0
    limit = budget * CHARS_PER_TOKEN
    fitted = True
    for row in _best_first(graph, ranking, shown, limit):
        i = int(graph.def_file[row])
        found = definition(int(row))
        if found is None:
            continue
        cost = len(definition_line(found)) + 1 + (0 if i in chosen else len(graph.paths[i]) + 2)
        if chars + cost > limit:
            fitted = False
            break  # stop at the first that does not fit: later ones rank lower
        chars += cost
        _entry(chosen, graph, ranking, i).definitions.append(found)
    if fitted:
        for i in _bare_files(graph, ranking, shown):
            cost = len(graph.paths[i]) + 1
            if i in chosen:
                continue
            if chars + cost > limit:
                break
            chars += cost
            _entry(chosen, graph, ranking, i)
    for item in chosen.values():
        item.definitions.sort(key=lambda d: d[2])
    return list(chosen.values())  # in the order of each file's best definition, then files without any


def _best_first(graph: Graph, ranking: Ranking, shown: np.ndarray, limit: int) -> Iterator[int]:
    """Definition rows of shown files, best score first (ties: path order, then line): the top few thousand
    sorted first, as a budget seldom reaches further; the rest only if it does."""
    import numpy as np

    rows = np.flatnonzero(shown[graph.def_file]) if len(graph.def_file) else np.zeros(0, np.int64)
    head = min(len(rows), max(FIRST_SORTED, limit // 8))
    if head < len(rows):
        cut = np.partition(-ranking.scores[rows], head)[head]
        first = rows[-ranking.scores[rows] < cut]
        rest = rows[-ranking.scores[rows] >= cut]
    else:
        first, rest = rows, rows[:0]
    for part in (first, rest):
        yield from part[np.lexsort((graph.def_ord[part], graph.def_file[part], -ranking.scores[part]))].tolist()


def _entry(chosen: dict[int, MapFile], graph: Graph, ranking: Ranking, i: int) -> MapFile:
    if i not in chosen:
        chosen[i] = MapFile(graph.paths[i], graph.languages[i], float(ranking.file_rank[i]))
    return chosen[i]


def _bare_files(graph: Graph, ranking: Ranking, shown: np.ndarray) -> list[int]:
    indexes = shown.nonzero()[0].tolist()
    parsed = [i for i in indexes if graph.languages[i] is not None]
    plain = [i for i in indexes if graph.languages[i] is None]
    parsed.sort(key=lambda i: -ranking.file_rank[i])
    plain.sort(key=lambda i: (graph.paths[i].count("/"), graph.paths[i]))
    return parsed + plain
