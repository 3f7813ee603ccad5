"""Which tree-sitter grammar reads which file, and the tags query for it.

Each grammar wheel ships `queries/tags.scm` inside its package; we use it as is and append a query file of
our own from `gitagent/repomap/queries/` where the wheel's misses references we rank by (imports, base
classes, type names) — package data, not Python strings. TypeScript's wheel query only covers what it adds
to JavaScript (upstream tooling inherits the JavaScript one), so both are combined.
"""

import hashlib
import importlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tree_sitter import Language, Parser, Query

QUERIES = Path(__file__).parent / "queries"
FORMAT = 6
"""Bump when the cached tag format or the extraction rules change: old cache entries are then unused."""


@dataclass(frozen=True)
class Grammar:
    """A language: its wheel, the function giving its grammar, and the tags queries to run, in order."""

    module: str
    function: str
    wheel_queries: tuple[str, ...]
    own_queries: tuple[str, ...] = ()


GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python", "language", ("tree_sitter_python",), ("python.scm",)),
    "javascript": Grammar(
        "tree_sitter_javascript",
        "language",
        ("tree_sitter_javascript",),
        ("ecmascript.scm", "javascript.scm", "jsx.scm"),
    ),
    "typescript": Grammar(
        "tree_sitter_typescript",
        "language_typescript",
        ("tree_sitter_javascript", "tree_sitter_typescript"),
        ("ecmascript.scm", "typescript.scm"),
    ),
    "tsx": Grammar(
        "tree_sitter_typescript",
        "language_tsx",
        ("tree_sitter_javascript", "tree_sitter_typescript"),
        ("ecmascript.scm", "typescript.scm", "jsx.scm"),
    ),
    "go": Grammar("tree_sitter_go", "language", ("tree_sitter_go",)),
    "rust": Grammar("tree_sitter_rust", "language", ("tree_sitter_rust",)),
    "java": Grammar("tree_sitter_java", "language", ("tree_sitter_java",)),
    "c": Grammar("tree_sitter_c", "language", ("tree_sitter_c",), ("c.scm",)),
    "cpp": Grammar("tree_sitter_cpp", "language", ("tree_sitter_cpp",), ("cpp.scm",)),
    "ruby": Grammar("tree_sitter_ruby", "language", ("tree_sitter_ruby",)),
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
    ".h++": "cpp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
}
FILENAMES: dict[str, str] = {"Rakefile": "ruby", "Gemfile": "ruby"}


def language_of(path: str) -> str | None:
    """The language of a `/`-separated path, by its name or extension; None for files we cannot parse."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot > 0:
        found = EXTENSIONS.get(name[dot:].lower())
        if found:
            return found
    return FILENAMES.get(name)


@cache
def parser_and_query(language: str) -> tuple[Parser, Query]:
    """A parser and the compiled tags query for `language`, made once per process."""
    grammar = GRAMMARS[language]
    module = importlib.import_module(grammar.module)
    lang = Language(getattr(module, grammar.function)())
    return Parser(lang), Query(lang, "\n".join(_query_sources(grammar)))


def _query_sources(grammar: Grammar) -> list[str]:
    sources = [(_package_dir(name) / "queries" / "tags.scm").read_text() for name in grammar.wheel_queries]
    sources += [(QUERIES / name).read_text() for name in grammar.own_queries]
    return sources


def _package_dir(module: str) -> Path:
    """Where an installed package lives, found without importing it (importing loads its grammar)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the grammar package {module} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def tags_version() -> str:
    """A short id of everything the tags depend on: our format, every query text, every grammar binary.

    Cache entries are filed under it, so upgrading a grammar or editing a query never serves stale tags.
    """
    digest = hashlib.sha1(f"format {FORMAT}".encode())
    for name, grammar in sorted(GRAMMARS.items()):
        digest.update(name.encode())
        for source in _query_sources(grammar):
            digest.update(source.encode())
        for binary in sorted(_package_dir(grammar.module).glob("_binding*")):
            digest.update(f"{binary.name}:{binary.stat().st_size}".encode())
    return f"v{FORMAT}-{digest.hexdigest()[:12]}"
