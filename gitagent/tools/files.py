"""Read, Write and Edit: the agent's file tools, confined to the worktree."""

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gitagent.tools.base import OUTPUT_LIMIT, ToolContext, ToolResult
from gitagent.tools.paths import ToolError, resolve_in_root, run_checked

READ_LIMIT = 2000
"""Lines Read shows when no limit is given."""

LINE_LIMIT = 2000
"""Characters of one line shown before it is cut."""

BINARY_PROBE = 8192
"""Bytes looked at for a NUL byte to decide that a file is binary."""

ORIGINAL_LIMIT = 1 << 20
"""Bytes of a file Write replaces that are kept for PostToolUse hooks (`originalFile`)."""


def cut_line(line: str, limit: int = LINE_LIMIT) -> str:
    """Cut a line longer than `limit` characters, saying how many were left out."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]} [... line cut, {len(line) - limit} more characters]"


def is_binary(head: bytes) -> bool:
    """Whether the first bytes of a file say it is binary (they hold a NUL byte)."""
    return b"\0" in head[:BINARY_PROBE]


def _existing_file(root: Path, file_path: str) -> Path:
    path = resolve_in_root(root, file_path)
    if path.is_dir():
        raise ToolError(f"'{file_path}' is a directory, not a file; use Glob or Bash `ls` to list it")
    if not path.exists():
        raise ToolError(f"file '{file_path}' does not exist")
    _require_regular(path, file_path)
    return path


def _require_regular(path: Path, file_path: str) -> None:
    # Opening a FIFO or device would block or never end.
    if path.exists() and not path.is_file():
        raise ToolError(f"'{file_path}' is not a regular file")


def _write_bytes(path: Path, data: bytes) -> None:
    # The path was resolved and checked just before; O_NOFOLLOW refuses a symlink put in its place since.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


_READ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "description": "The file to read, relative to the worktree root."},
        "offset": {"type": "integer", "minimum": 1, "description": "The 1-based line number to start at."},
        "limit": {"type": "integer", "minimum": 1, "description": "How many lines to read (default 2000)."},
    },
    "required": ["file_path"],
    "additionalProperties": False,
}


class Read:
    """Show a text file with line numbers, a window of lines at a time."""

    name = "Read"
    description = (
        "Read a text file from the worktree. Output is numbered like `cat -n` (line number, tab, line); "
        "the numbers are not part of the file. Reads up to 2000 lines from the start by default; use "
        "offset (1-based line number) and limit to read other parts of long files. Lines over 2000 "
        "characters are cut. Read a file before editing it."
    )
    input_schema = _READ_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Read the requested lines of `file_path`."""
        return run_checked(self.input_schema, tool_input, lambda args: _read(args, ctx.root))


def _read(args: dict[str, Any], root: Path) -> ToolResult:
    file_path: str = args["file_path"]
    path = _existing_file(root, file_path)
    with path.open("rb") as f:
        if is_binary(f.read(BINARY_PROBE)):
            raise ToolError(f"'{file_path}' is a binary file; Read shows text files only")
    offset: int = args.get("offset", 1)
    limit: int = args.get("limit", READ_LIMIT)
    raw: list[str] = []
    # newline="\n": lines end only at LF, so a lone CR does not shift the numbering away from Grep's.
    with path.open(encoding="utf-8", errors="replace", newline="\n") as f:
        shown, total, ends_with_newline = _numbered_lines(f, offset, limit, raw)
    # What a hook's tool_response says, counted as Claude Code does: text.split("\n").
    if total == 0 or (ends_with_newline and offset + len(shown) - 1 == total and len(raw) < limit):
        raw.append("")
    metadata = {"content": "\n".join(raw), "start_line": offset, "num_lines": len(raw),
                "total_lines": total + ends_with_newline or 1}  # fmt: skip
    if total == 0:
        return ToolResult(f"'{file_path}' is empty.", metadata=metadata)
    if not shown:
        raise ToolError(f"'{file_path}' has {total} lines; offset {offset} is past the end")
    last = offset + len(shown) - 1
    if last < total:
        shown.append(f"\n(Showing lines {offset}-{last} of {total}. Use offset={last + 1} to read more.)")
    return ToolResult("\n".join(shown), metadata=metadata)


def _numbered_lines(lines: Iterable[str], offset: int, limit: int, raw: list[str]) -> tuple[list[str], int, bool]:
    """The numbered lines from `offset` on, at most `limit` and within the output budget (their text also
    appended to `raw`); the total; and whether the last line ends with a newline."""
    shown: list[str] = []
    budget = OUTPUT_LIMIT - 200
    total = 0
    line = ""
    for total, line in enumerate(lines, 1):
        if total < offset or len(shown) >= limit or budget < 0:
            continue
        text = line.removesuffix("\n").removesuffix("\r")
        entry = f"{total:>6}\t{cut_line(text)}"
        budget -= len(entry) + 1
        if budget >= 0:
            shown.append(entry)
            raw.append(line.removesuffix("\n"))
    return shown, total, line.endswith("\n")


_WRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "description": "The file to write, relative to the worktree root."},
        "content": {"type": "string", "description": "The complete new content of the file."},
    },
    "required": ["file_path", "content"],
    "additionalProperties": False,
}


class Write:
    """Create or replace a whole file."""

    name = "Write"
    description = (
        "Write a file in the worktree, replacing it entirely if it exists; parent directories are "
        "created. Prefer Edit to change part of an existing file. Content is written as UTF-8, exactly "
        "as given."
    )
    input_schema = _WRITE_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Write `content` to `file_path`."""
        return run_checked(self.input_schema, tool_input, lambda args: _write(args, ctx.root))


def _write(args: dict[str, Any], root: Path) -> ToolResult:
    file_path: str = args["file_path"]
    path = resolve_in_root(root, file_path)
    if path.is_dir():
        raise ToolError(f"'{file_path}' is a directory; give the path of a file to write")
    _require_regular(path, file_path)
    existed = path.exists()
    original = _text_for_hooks(path) if existed else None
    data = args["content"].encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_bytes(path, data)
    verb = "Updated" if existed else "Created"
    return ToolResult(f"{verb} '{file_path}' ({len(data)} bytes)", metadata={"existed": existed, "original": original})


def _text_for_hooks(path: Path) -> str | None:
    """A file's text before a Write, for hooks' `originalFile` (None when it is large or not UTF-8)."""
    if path.stat().st_size > ORIGINAL_LIMIT:
        return None
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


_EDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "file_path": {"type": "string", "description": "The file to edit, relative to the worktree root."},
        "old_string": {"type": "string", "description": "The exact text to replace."},
        "new_string": {"type": "string", "description": "The text to put in its place."},
        "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)."},
    },
    "required": ["file_path", "old_string", "new_string"],
    "additionalProperties": False,
}


class Edit:
    """Replace exact text in a file, leaving every other byte as it was."""

    name = "Edit"
    description = (
        "Replace old_string with new_string in a file. old_string must match the file exactly "
        "(whitespace and indentation included, without Read's line-number prefix) and occur exactly "
        "once, unless replace_all is true; add surrounding lines to make it unique. The rest of the "
        "file is left byte for byte as it was."
    )
    input_schema = _EDIT_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Replace `old_string` with `new_string` in `file_path`."""
        return run_checked(self.input_schema, tool_input, lambda args: _edit(args, ctx.root))


def _edit(args: dict[str, Any], root: Path) -> ToolResult:
    file_path: str = args["file_path"]
    old: str = args["old_string"]
    new: str = args["new_string"]
    if not old:
        raise ToolError("old_string is empty; give the text to replace, or use Write to create a file")
    if old == new:
        raise ToolError("old_string and new_string are the same; there is nothing to change")
    path = _existing_file(root, file_path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ToolError(f"'{file_path}' is not UTF-8 text ({e.reason} at byte {e.start})") from e
    old, new = _match_line_endings(text, old, new)
    count = text.count(old)
    if count == 0:
        raise ToolError(
            f"old_string was not found in '{file_path}'; it must match the file exactly, "
            "whitespace included. Read the file to check."
        )
    if count > 1 and not args.get("replace_all", False):
        raise ToolError(
            f"old_string occurs {count} times in '{file_path}'; add surrounding lines to make it "
            "unique, or set replace_all to true to replace every occurrence"
        )
    replaced = count if args.get("replace_all", False) else 1
    updated = text.replace(old, new, replaced)
    _write_bytes(path, updated.encode("utf-8"))
    return ToolResult(
        f"Edited '{file_path}': {replaced} replacement{'' if replaced == 1 else 's'}",
        metadata={"original": text, "updated": updated},
    )


def _match_line_endings(text: str, old: str, new: str) -> tuple[str, str]:
    """Give old/new the file's CRLF endings when only that makes old_string match.

    Read shows lines without their CR, so a model editing a CRLF file sends LF-only text.
    """
    if old in text or "\r\n" not in text or "\n" not in old or "\r" in old:
        return old, new
    crlf_old = old.replace("\n", "\r\n")
    if crlf_old not in text:
        return old, new
    return crlf_old, new.replace("\r\n", "\n").replace("\n", "\r\n")
