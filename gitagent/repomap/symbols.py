"""Looking things up by name or by file: where a symbol is defined and used, and a file's outline."""

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from gitagent.repomap.cache import TagCache
from gitagent.repomap.index import build_index, cache_dir
from gitagent.repomap.languages import language_of
from gitagent.repomap.tags import Entry, extract

MAX_SUGGESTIONS = 8


@dataclass
class SymbolHits:
    """Definitions as (path, line, kind, signature); references as (path, lines); close names if none."""

    name: str
    definitions: list[tuple[str, int, str, str]] = field(default_factory=list)
    references: list[tuple[str, list[int]]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)


def find_symbol(root: Path, git_dir: Path, name: str) -> SymbolHits:
    """Every definition of `name` (`Class.method` and `a::b` look up the last part) and every reference."""
    wanted = name.replace("::", ".").rsplit(".", 1)[-1].strip()
    hits = SymbolHits(name)
    index = build_index(root, git_dir)
    all_names: set[str] = set()
    for source in index.files:
        if not source.entry:
            continue
        for def_name, kind, line, signature in source.entry[2]:
            all_names.add(def_name)
            if def_name == wanted:
                hits.definitions.append((source.path, line, kind, signature))
        lines = sorted({n for ref, rows, _ in source.entry[3] if ref == wanted for n in rows})
        if lines:
            hits.references.append((source.path, lines))
    if not hits.definitions and not hits.references:
        hits.suggestions = _close_names(wanted, all_names)
    return hits


def _close_names(wanted: str, names: set[str]) -> list[str]:
    folded = wanted.lower()
    same_case = sorted(n for n in names if n.lower() == folded or folded in n.lower())
    return (same_case + difflib.get_close_matches(wanted, sorted(names), n=MAX_SUGGESTIONS))[:MAX_SUGGESTIONS]


def outline(root: Path, git_dir: Path, path: str) -> Entry | None:
    """The tags of one file (root-relative `path`), from the cache when its content was seen before;
    None for a file in a language we do not parse."""
    language = language_of(path)
    if language is None:
        return None
    source = (root / path).read_bytes()
    key = f"{pygit2.hash(source)}:{language}"
    cache = TagCache(cache_dir(git_dir))
    entry = cache.get_many([key]).get(key)
    if entry is None:
        entry = extract(source, language)
        cache.add({key: entry})
    return entry
