"""RepoMap, FindSymbol and Outline: the agent's view of the code's structure, from tree-sitter tags."""

from pathlib import Path
from typing import Any

from gitagent.repomap import DEFAULT_TOKENS, build_map, discover_git_dir, find_symbol, outline
from gitagent.repomap.languages import EXTENSIONS
from gitagent.repomap.maps import looks_like_path
from gitagent.tools.base import ToolContext, ToolResult, truncate
from gitagent.tools.paths import ToolError, relative_to_root, resolve_in_root, run_checked

MAX_BUDGET = 16_000
MAX_REFERENCE_FILES = 50
"""FindSymbol lists references in at most this many files (the rest are counted)."""

_REPO_MAP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "focus": {
            "type": "string",
            "description": "Files, directories or identifiers to centre the map on, separated by spaces or commas.",
        },
        "budget": {
            "type": "integer",
            "minimum": 64,
            "maximum": MAX_BUDGET,
            "description": f"Approximate size of the map in tokens (default {DEFAULT_TOKENS}).",
        },
    },
    "additionalProperties": False,
}


class RepoMap:
    """A ranked map of the repository: its most important files and their definitions' signatures."""

    name = "RepoMap"
    description = (
        "Show a map of the repository: the most important files (ranked by how much other code "
        "references them) with the signature lines of their key definitions, as `line signature` under "
        "each path. Give `focus` (files, directories or identifiers) to centre the map on what you are "
        "working on: it then shows what those files use and what uses them. Fitted to `budget` tokens."
    )
    input_schema = _REPO_MAP_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Build the map of the worktree."""
        return run_checked(self.input_schema, tool_input, lambda args: _repo_map(args, ctx.root))


def _repo_map(args: dict[str, Any], root: Path) -> ToolResult:
    focus = [_focus_item(root, item) for item in args.get("focus", "").replace(",", " ").split()]
    result = build_map(root, discover_git_dir(root), focus=focus, budget=args.get("budget", DEFAULT_TOKENS))
    text = result.text() or "The repository has no files to map."
    shown = len(result.files)
    note = f"\n({shown} of {result.total_files} files shown, ~{result.tokens} tokens"
    note += f"; {len(result.problems)} could not be parsed)" if result.problems else ")"
    return ToolResult(truncate(text + note), metadata={"files": shown, "tokens": result.tokens})


def _focus_item(root: Path, item: str) -> str:
    """A focus path as the map names files (root-relative); identifiers pass through unchanged."""
    if not Path(root, item).exists():
        if looks_like_path(item):
            raise ToolError(f"focus '{item}' does not exist: give an existing file or directory, or an identifier")
        return item
    return relative_to_root(root, resolve_in_root(root, item))


_FIND_SYMBOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Identifier to look up, e.g. `parse_config` or `Config.load`."},
    },
    "required": ["name"],
    "additionalProperties": False,
}


class FindSymbol:
    """Where a symbol is defined and where it is referenced."""

    name = "FindSymbol"
    description = (
        "Find where an identifier (function, class, method, type, constant) is defined and every place it "
        "is referenced (called, imported, subclassed, used as a type), across the repository, as "
        "`path:line` with the definition's signature. `Class.method` looks up `method`. Exact, "
        "case-sensitive names; close names are suggested when nothing matches."
    )
    input_schema = _FIND_SYMBOL_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Look up the symbol in the worktree's tags."""
        return run_checked(self.input_schema, tool_input, lambda args: _find_symbol(args["name"], ctx.root))


def _find_symbol(name: str, root: Path) -> ToolResult:
    if not name.strip():
        raise ToolError("parameter 'name' must not be empty")
    hits = find_symbol(root, discover_git_dir(root), name)
    if not hits.definitions and not hits.references:
        hint = f" Similar names: {', '.join(hits.suggestions)}" if hits.suggestions else ""
        return ToolResult(f"No definition or reference of '{name}' found.{hint}")
    lines = [f"Definitions of '{name}' ({len(hits.definitions)}):"]
    lines += [f"  {path}:{line}  [{kind}]  {signature.strip()}" for path, line, kind, signature in hits.definitions]
    if not hits.definitions:
        lines.append("  (none found: it may come from a library or a file type we do not parse)")
    count = sum(len(rows) for _, rows in hits.references)
    lines.append(f"References ({count} in {len(hits.references)} files):")
    for path, rows in hits.references[:MAX_REFERENCE_FILES]:
        lines.append(f"  {path}:{','.join(str(r) for r in rows)}")
    if len(hits.references) > MAX_REFERENCE_FILES:
        lines.append(f"  ... and {len(hits.references) - MAX_REFERENCE_FILES} more files")
    return ToolResult(truncate("\n".join(lines)))


_OUTLINE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"file_path": {"type": "string", "description": "The file to outline."}},
    "required": ["file_path"],
    "additionalProperties": False,
}


class Outline:
    """A file's definitions and their signatures, in order."""

    name = "Outline"
    description = (
        "List the definitions in one source file (classes, functions, methods, types, constants) with "
        "their line numbers and signature lines, in file order, without reading the whole file. Use "
        "Read with offset to see a definition's body."
    )
    input_schema = _OUTLINE_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Outline the file."""
        return run_checked(self.input_schema, tool_input, lambda args: _outline(args["file_path"], ctx.root))


def _outline(file_path: str, root: Path) -> ToolResult:
    path = resolve_in_root(root, file_path)
    if not path.is_file():
        raise ToolError(f"'{file_path}' is not a file" if path.exists() else f"'{file_path}' does not exist")
    relative = relative_to_root(root, path)
    entry = outline(root, discover_git_dir(root), relative)
    if entry is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise ToolError(f"cannot outline '{relative}': not a language with a parser ({known})")
    status, note, definitions = entry[:3]
    if status in ("skipped", "failed"):
        raise ToolError(f"cannot outline '{relative}': {note}")
    if not definitions:
        return ToolResult(f"{relative}: no definitions found")
    lines = [f"{relative}:"] + [f"{line:>5} {signature}" for _, _, line, signature in definitions]
    if status == "partial":
        lines.append("(the file has syntax errors; the outline may be incomplete)")
    return ToolResult(truncate("\n".join(lines)))
