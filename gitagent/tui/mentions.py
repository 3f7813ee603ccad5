"""`@path` mentions: the files and directories of the conversation's worktree offered as completions while
the person types, and the mentioned ones attached to the prompt when it is sent (a file as the Read tool
shows it, a directory as a listing), as Claude Code attaches them. Before a conversation's first turn it has
no worktree yet, and the user's checkout (which the worktree will start from) stands in for it."""

import os
import re
import subprocess
from pathlib import Path

from gitagent.agent.attachments import Attachment, directory_attachment, file_attachment
from gitagent.sandbox import UnconfinedSandbox
from gitagent.store.locate import without_location
from gitagent.tools import Read, ToolContext
from gitagent.tools.paths import PathOutsideRoot, resolve_in_root

MENTION = re.compile(r'(?<!\S)@(?:"([^"\n]+)"|([^\s"]+))')
TRAILING = ".,;:!?)]}'"
"""Punctuation that ends a sentence rather than a path (`look at @app.py.`)."""
SHOWN = 8
DIRECTORY_ENTRIES = 200


def list_paths(root: Path) -> list[str]:
    """The files git would see in `root` (tracked, and untracked but not ignored), then their directories."""
    env = without_location(os.environ)
    argv = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, check=False)
    files = sorted({os.fsdecode(p) for p in done.stdout.split(b"\0") if p}) if done.returncode == 0 else []
    directories = sorted({parent.as_posix() + "/" for f in files for parent in Path(f).parents if parent.parts})
    return files + directories


def matches(paths: list[str], partial: str, limit: int = SHOWN) -> list[str]:
    """The paths a partial mention could mean, best first: the name starting with it, the path starting with
    it, containing it, then holding its letters in order."""
    needle = partial.casefold()
    ranked: list[tuple[int, int, str]] = []
    for path in paths:
        folded = path.casefold()
        name = folded.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith(needle):
            rank = 0
        elif folded.startswith(needle):
            rank = 1
        elif needle in folded:
            rank = 2
        elif _in_order(needle, folded):
            rank = 3
        else:
            continue
        ranked.append((rank, len(path), path))
    ranked.sort()
    return [path for _, _, path in ranked[:limit]]


def _in_order(needle: str, text: str) -> bool:
    position = 0
    for char in needle:
        position = text.find(char, position) + 1
        if not position:
            return False
    return True


def partial_at(line: str, column: int) -> str | None:
    """The mention being typed just before `column` of `line` (the text after `@`), or None if there is none."""
    before = line[:column]
    match = re.search(r'(?:^|\s)@("?[^\s"]*)$', before)
    return match[1].lstrip('"') if match else None


def mentioned(prompt: str) -> list[str]:
    """The paths `@`-mentioned in a prompt, in order, each once (`@"a b.txt"` for a name with spaces)."""
    found = [m[1] or m[2] for m in MENTION.finditer(prompt)]
    return list(dict.fromkeys(found))


def attachments_for(prompt: str, root: Path) -> list[Attachment]:
    """What the prompt's mentions attach: each file inside `root` as Read shows it, each directory's entries.
    A mention of nothing (or of something outside `root`) attaches nothing: it stays plain text."""
    attached: list[Attachment] = []
    for raw in mentioned(prompt):
        path = _existing(root, raw)
        if path is None:
            continue
        relative = path.relative_to(root.resolve()).as_posix()
        if path.is_dir():
            attached.append(directory_attachment(relative, _entries(path)))
            continue
        result = Read().run({"file_path": relative}, ToolContext(root, UnconfinedSandbox()))  # Read runs nothing
        if not result.is_error:
            attached.append(file_attachment(relative, result.output))
    return attached


def _existing(root: Path, raw: str) -> Path | None:
    for candidate in (raw, raw.rstrip(TRAILING)):
        try:
            path = resolve_in_root(root, candidate.rstrip("/") or ".")
        except PathOutsideRoot:
            return None
        if path.exists() and path != root.resolve() and ".git" not in path.relative_to(root.resolve()).parts:
            return path
    return None


def _entries(directory: Path) -> list[str]:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in directory.iterdir() if p.name != ".git")
    more = len(names) - DIRECTORY_ENTRIES
    return names[:DIRECTORY_ENTRIES] + ([f"… {more} more"] if more > 0 else [])
