"""Fitting a ranked map into a token budget and printing it the way a person skims a codebase."""

from dataclasses import dataclass, field

from gitagent.repomap.index import SourceFile
from gitagent.repomap.rank import Ranking

CHARS_PER_TOKEN = 4
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


def select(files: list[SourceFile], ranking: Ranking, budget: int) -> list[MapFile]:
    """The best definitions and files that fit in `budget` tokens: ranked definitions first, then files
    with none (parsed files by rank, then plain files by path). Files come out best first."""
    chosen: dict[int, MapFile] = {}
    chars = 0
    limit = budget * CHARS_PER_TOKEN
    for _, i, definition in ranking.definitions:
        cost = len(definition_line(definition)) + 1 + (0 if i in chosen else len(files[i].path) + 2)
        if chars + cost > limit:
            break  # stop at the first that does not fit: later ones rank lower
        chars += cost
        _entry(chosen, files, ranking, i).definitions.append(definition)
    else:
        for i in _bare_files(files, ranking):
            cost = len(files[i].path) + 1
            if i in chosen:
                continue
            if chars + cost > limit:
                break
            chars += cost
            _entry(chosen, files, ranking, i)
    for item in chosen.values():
        item.definitions.sort(key=lambda d: d[2])
    return sorted(chosen.values(), key=lambda f: (f.language is None, -f.rank, f.path))


def _entry(chosen: dict[int, MapFile], files: list[SourceFile], ranking: Ranking, i: int) -> MapFile:
    if i not in chosen:
        chosen[i] = MapFile(files[i].path, files[i].language, ranking.file_rank[i])
    return chosen[i]


def _bare_files(files: list[SourceFile], ranking: Ranking) -> list[int]:
    parsed = [i for i, f in enumerate(files) if f.language is not None]
    plain = [i for i, f in enumerate(files) if f.language is None]
    parsed.sort(key=lambda i: -ranking.file_rank[i])
    plain.sort(key=lambda i: (files[i].path.count("/"), files[i].path))
    return parsed + plain
