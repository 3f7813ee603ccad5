"""Project instructions: `AGENTS.md` and `CLAUDE.md` from the repository root down to the working directory.

They are concatenated root first (general before specific) into the system prompt, capped at 32 KiB with
a note saying how much was cut. `CLAUDE.md` may import other files with `@path` (relative to the file,
or `@~/path` from the home directory), as Claude Code reads them, up to five levels deep.
"""

import re
from pathlib import Path

LIMIT = 32 * 1024
NAMES = ("AGENTS.md", "CLAUDE.md")
MAX_IMPORT_DEPTH = 5
_IMPORT = re.compile(r"(?<![\w`@])@((?:~/|\.{0,2}/)?[\w.\-/]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def project_instructions(root: Path, subdir: str = "") -> str:
    """The instruction files between `root` and `root/subdir`, root first, headed by their paths."""
    parts = []
    for directory in _directories(root, subdir):
        for name in NAMES:
            path = directory / name
            if path.is_file():
                text = _expand(path, MAX_IMPORT_DEPTH, set()) if name == "CLAUDE.md" else _read(path)
                parts.append(f"# Instructions from {path.relative_to(root)}\n\n{text.strip()}\n")
    return _cap("\n".join(parts))


def _directories(root: Path, subdir: str) -> list[Path]:
    found = [root]
    for part in Path(subdir).parts:
        if part in ("", ".", ".."):
            continue
        found.append(found[-1] / part)
    return found


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _expand(path: Path, depth: int, seen: set[Path]) -> str:
    """The file's text with each `@path` outside code replaced by that file's (expanded) text."""
    seen = seen | {path.resolve()}
    lines, in_code = [], False
    for line in _read(path).splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        if in_code or depth <= 0:
            lines.append(line)
            continue
        lines.append(_IMPORT.sub(lambda m: _imported(path, m, depth, seen), line))
    return "\n".join(lines)


def _imported(source: Path, match: re.Match[str], depth: int, seen: set[Path]) -> str:
    target = Path(match[1]).expanduser() if match[1].startswith("~/") else source.parent / match[1]
    if not target.is_file() or target.resolve() in seen:
        return match[0]
    return _expand(target, depth - 1, seen)


def _cap(text: str) -> str:
    data = text.encode()
    if len(data) <= LIMIT:
        return text
    kept = data[:LIMIT].decode(errors="ignore")
    return f"{kept}\n\n[gitagent: project instructions cut at 32 KiB; {len(data) - LIMIT} more bytes left out]"
