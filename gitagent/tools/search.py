"""Glob and Grep: finding files and text in the worktree, skipping what git ignores."""

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from gitagent.store.locate import without_location
from gitagent.tools.base import ToolContext, ToolResult, truncate
from gitagent.tools.files import cut_line, is_binary
from gitagent.tools.paths import ToolError, glob_regex, relative_to_root, resolve_in_root, run_checked

GLOB_LIMIT = 1000
"""Paths Glob lists at most."""

Hit = tuple[Path, list[str], list[int]]
"""A file with matches: its path, its lines, and the indexes of the matching lines."""


def list_files(directory: Path) -> list[str]:
    """Files under `directory`, relative to it with `/` separators, leaving out what git ignores.

    Uses `git ls-files` (tracked and untracked-but-not-ignored files); outside a git work tree it walks
    the directory, skipping `.git`.
    """
    env = without_location(os.environ)
    argv = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        proc = subprocess.run(argv, cwd=directory, env=env, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        proc = None
    if proc is None or proc.returncode != 0:
        names = _walk(directory)
    else:
        # dict.fromkeys: an unmerged path is listed once per stage.
        names = list(dict.fromkeys(os.fsdecode(n) for n in proc.stdout.split(b"\0") if n))
    # --cached lists files deleted from the work tree, and submodules as directories.
    return [name for name in names if os.path.lexists(directory / name) and not (directory / name).is_dir()]


def _walk(directory: Path) -> list[str]:
    names: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = Path(dirpath).relative_to(directory)
        names.extend((rel / f).as_posix() for f in filenames)
    return names


_GLOB_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pattern": {"type": "string", "description": "Glob pattern, e.g. `**/*.py` or `src/*.{ts,tsx}`."},
        "path": {"type": "string", "description": "Directory to search in (default: the worktree root)."},
    },
    "required": ["pattern"],
    "additionalProperties": False,
}


class Glob:
    """List the files whose paths match a glob pattern, newest first."""

    name = "Glob"
    description = (
        "Find files by path pattern. `*` and `?` match within one directory, `**` spans any number of "
        "directories, `[...]` is a character class and `{a,b}` alternatives: `*.py` matches only in the "
        "search directory, `**/*.py` at any depth. Files ignored by git are skipped. Returns paths "
        "relative to the worktree root, most recently modified first."
    )
    input_schema = _GLOB_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """List the files under `path` matching `pattern`."""
        return run_checked(self.input_schema, tool_input, lambda args: _glob(args, ctx.root))


def _glob(args: dict[str, Any], root: Path) -> ToolResult:
    started = time.monotonic()
    base = _search_dir(root, args.get("path", "."))
    pattern, base = _relative_pattern(root, args["pattern"], base)
    regex = glob_regex(pattern)
    names = [name for name in list_files(base) if regex.fullmatch(name)]
    paths = _newest_first(root, [base / name for name in names])
    shown = paths[:GLOB_LIMIT]
    metadata = {  # for hooks: the files as absolute paths, as Claude Code's Glob gives them
        "filenames": [os.path.join(root, name) for name in shown], "total": len(paths),
        "duration_ms": int((time.monotonic() - started) * 1000),
    }  # fmt: skip
    if not names:
        return ToolResult(f"No files matched '{args['pattern']}'", metadata=metadata)
    if len(paths) > GLOB_LIMIT:
        more = len(paths) - GLOB_LIMIT
        note = f"(Showing {GLOB_LIMIT} of {len(paths)} files; {more} more not shown."
        shown = [*shown, f"{note} Use a narrower pattern or path.)"]
    return ToolResult(truncate("\n".join(shown)), metadata=metadata)


def _search_dir(root: Path, path: str) -> Path:
    base = resolve_in_root(root, path)
    if not base.is_dir():
        raise ToolError(f"path '{path}' is not a directory" if base.exists() else f"'{path}' does not exist")
    return base


def _relative_pattern(root: Path, pattern: str, base: Path) -> tuple[str, Path]:
    """Make an absolute pattern relative to the worktree root, since models often write them that way."""
    if not pattern.startswith("/"):
        return pattern.removeprefix("./"), base
    for prefix in (str(root), os.path.realpath(root)):
        if pattern.startswith(prefix.rstrip("/") + "/"):
            return pattern[len(prefix.rstrip("/")) + 1 :], Path(os.path.realpath(root))
    raise ToolError(f"pattern '{pattern}' is outside the worktree; use a pattern relative to it")


def _newest_first(root: Path, paths: list[Path]) -> list[str]:
    stamped = [(-os.lstat(path).st_mtime_ns, relative_to_root(root, path)) for path in paths]
    return [name for _, name in sorted(stamped)]


_GREP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pattern": {"type": "string", "description": "Python regular expression to search for."},
        "path": {"type": "string", "description": "File or directory to search (default: worktree root)."},
        "glob": {"type": "string", "description": "Only search files matching this glob, e.g. `*.py`."},
        "output_mode": {
            "type": "string",
            "enum": ["files_with_matches", "content", "count"],
            "description": "files_with_matches (default): paths; content: matching lines; count: per file.",
        },
        "-i": {"type": "boolean", "description": "Case-insensitive search."},
        "-n": {"type": "boolean", "description": "Show line numbers in content mode (default true)."},
        "-A": {"type": "integer", "minimum": 0, "description": "Lines of context after each match."},
        "-B": {"type": "integer", "minimum": 0, "description": "Lines of context before each match."},
        "-C": {"type": "integer", "minimum": 0, "description": "Lines of context before and after."},
        "head_limit": {"type": "integer", "minimum": 1, "description": "Show only the first N entries."},
    },
    "required": ["pattern"],
    "additionalProperties": False,
}


class Grep:
    """Search file contents with a regular expression."""

    name = "Grep"
    description = (
        "Search the contents of files with a Python regular expression, line by line. output_mode "
        "`files_with_matches` (default) lists matching files newest first, `content` shows matching "
        "lines as `path:line:text` (with -A/-B/-C context lines), `count` shows `path:N`. Filter files "
        "with glob (`*.py` matches file names at any depth, `src/**/*.ts` whole paths). Files ignored "
        "by git and binary files are skipped. Use head_limit to cap the number of entries."
    )
    input_schema = _GREP_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Search the files under `path` for `pattern`."""
        return run_checked(self.input_schema, tool_input, lambda args: _grep(args, ctx.root))


def _grep(args: dict[str, Any], root: Path) -> ToolResult:
    try:
        regex = re.compile(args["pattern"], re.IGNORECASE if args.get("-i") else 0)
    except re.error as e:
        raise ToolError(f"invalid regular expression '{args['pattern']}': {e}") from e
    mode = args.get("output_mode", "files_with_matches")
    hits: list[Hit] = []
    for path in _grep_files(root, args.get("path", "."), args.get("glob")):
        lines = _text_lines(root, path) or []
        matched = [i for i, line in enumerate(lines) if regex.search(line)]
        if matched:
            hits.append((path, lines, matched))
    if not hits:
        return ToolResult(f"No matches found for '{args['pattern']}'", metadata=_grep_metadata(mode, root, [], []))
    if mode == "files_with_matches":
        entries = _newest_first(root, [path for path, _, _ in hits])
        header = f"Found {len(entries)} file{'' if len(entries) == 1 else 's'}"
    elif mode == "count":
        entries = [f"{relative_to_root(root, path)}:{len(matched)}" for path, _, matched in hits]
        header = ""
    else:
        entries = _content_entries(root, hits, args)
        header = ""
    shown = entries[: args.get("head_limit") or len(entries)]
    metadata = _grep_metadata(mode, root, hits, shown)
    return ToolResult(truncate(_limited(header, entries, args.get("head_limit"))), metadata=metadata)


def _grep_metadata(mode: str, root: Path, hits: list[Hit], shown: list[str]) -> dict[str, Any]:
    """What hooks get to know of a search (Claude Code's Grep output): the files as absolute paths, or the
    lines shown and how many."""
    if mode == "files_with_matches":
        return {"mode": mode, "filenames": [os.path.join(root, name) for name in shown], "num_files": len(shown)}
    found = {"mode": mode, "filenames": [], "num_files": len(hits), "content": "\n".join(shown)}
    if mode == "count":
        return {**found, "num_matches": sum(len(matched) for _, _, matched in hits)}
    return {**found, "num_lines": len(shown)}


def _grep_files(root: Path, path: str, glob: str | None) -> list[Path]:
    """The files to search: `path` itself if it is a file, else the listed files under it matching `glob`."""
    target = resolve_in_root(root, path)
    if target.is_file():
        return [target]
    base = _search_dir(root, path)
    names = sorted(list_files(base))
    if glob:
        regex = glob_regex(glob)
        # Like ripgrep's --glob: a pattern without a slash is matched against the file name at any depth.
        names = [name for name in names if regex.fullmatch(name if "/" in glob else name.rsplit("/", 1)[-1])]
    return [base / name for name in names]


def _text_lines(root: Path, path: Path) -> list[str] | None:
    """The lines of a text file inside the worktree; None for binary, unreadable or escaping files."""
    if not path.is_file():  # a FIFO would block the read; a dangling link has nothing to read
        return None
    if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root)):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if is_binary(data):
        return None
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _content_entries(root: Path, hits: list[Hit], args: dict[str, Any]) -> list[str]:
    """Matching lines as `path:N:text`, context lines as `path-N-text`, `--` between separate groups."""
    context = args.get("-C", 0)
    before, after = args.get("-B", context), args.get("-A", context)
    numbered = args.get("-n", True)
    entries: list[str] = []
    for path, lines, matched in hits:
        name = relative_to_root(root, path)
        matched_set = set(matched)
        previous = -2  # so that the first line of every file after the first is preceded by `--`
        for i in _with_context(matched, before, after, len(lines)):
            if (before or after) and entries and i != previous + 1:
                entries.append("--")
            sep = ":" if i in matched_set else "-"
            number = f"{i + 1}{sep}" if numbered else ""
            entries.append(f"{name}{sep}{number}{cut_line(lines[i])}")
            previous = i
    return entries


def _with_context(matched: list[int], before: int, after: int, count: int) -> list[int]:
    shown: set[int] = set()
    for i in matched:
        shown.update(range(max(0, i - before), min(count, i + after + 1)))
    return sorted(shown)


def _limited(header: str, entries: list[str], head_limit: int | None) -> str:
    lines = [header] if header else []
    if head_limit is not None and len(entries) > head_limit:
        more = len(entries) - head_limit
        note = f"(Showing {head_limit} entries; {more} more not shown.)"
        return "\n".join([*lines, *entries[:head_limit], note])
    return "\n".join([*lines, *entries])
