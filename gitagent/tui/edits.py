"""An edit shown as a diff against the file it changes, so hunk headers count lines from the top of the file
(`@@ -120,3 +120,4 @@`), not from the start of the snippet the model sent."""

import difflib
import re
from pathlib import Path
from typing import Any

from rich.text import Text

from gitagent.tools.paths import resolve_in_root
from gitagent.tui.widgets.blocks import call_detail, colour_diff

_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def file_text(root: Path, file_path: str) -> str | None:
    """The file's current text in the worktree, or None when it is missing, outside it or not text."""
    try:
        return resolve_in_root(root, file_path).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def shifted(lines: list[str], by: int) -> list[str]:
    """Unified-diff lines with their hunk headers moved down by `by` lines."""
    out = []
    for line in lines:
        match = _HUNK.match(line)
        if match:
            old, old_len, new, new_len = match.groups()
            line = f"@@ -{int(old) + by}{old_len or ''} +{int(new) + by}{new_len or ''} @@{line[match.end() :]}"
        out.append(line)
    return out


def pending_call_detail(name: str, tool_input: dict[str, Any], root: Path) -> Text:
    """What a tool call about to run asks for; an edit or a write is diffed against the file as it is now."""
    if name not in ("Edit", "Write"):
        return call_detail(name, tool_input)
    path = str(tool_input.get("file_path", ""))
    current = file_text(root, path) or ""
    offset = 0
    if name == "Write":
        old, new = current, str(tool_input.get("content", ""))
    else:
        old, new = str(tool_input.get("old_string", "")), str(tool_input.get("new_string", ""))
        start = current.find(old) if old else -1
        offset = current[:start].count("\n") if start > 0 else 0
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{path}", f"b/{path}", lineterm="")
    return colour_diff(shifted(list(lines), offset), limit=None)  # whole: nobody approves lines they cannot see
