"""Code understanding with tree-sitter: tags cached by git blob id, a ranked repo map, symbol look-ups.

build_map(root, git_dir, focus, budget, paths)  -> RepoMap   (the map, fitted to a token budget)
repo_map_for_prompt(root, git_dir, budget)      -> str       (a heading and the map, for a system prompt)
find_symbol(root, git_dir, name)                -> SymbolHits
outline(root, git_dir, path)                    -> tags of one file
build_index(root, git_dir)                      -> RepoIndex (every file's tags; `parsed` = cache misses)
"""

from gitagent.repomap.index import RepoIndex, build_index, discover_git_dir
from gitagent.repomap.maps import DEFAULT_TOKENS, RepoMap, build_map, repo_map_for_prompt
from gitagent.repomap.symbols import SymbolHits, find_symbol, outline

__all__ = [
    "DEFAULT_TOKENS",
    "RepoIndex",
    "RepoMap",
    "SymbolHits",
    "build_index",
    "build_map",
    "discover_git_dir",
    "find_symbol",
    "outline",
    "repo_map_for_prompt",
]
