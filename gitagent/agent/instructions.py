"""Instructions for the model: the user's own files, then `CLAUDE.md` / `AGENTS.md` files of the repository.

Read from the user's checkout (never the agent's worktree, which the agent can write), in this order, each
file once under a header naming it, the whole capped at 32 KiB with a note saying how much was cut:

1. the user's own: `~/.claude/CLAUDE.md` (Claude Code's; `$CLAUDE_CONFIG_DIR` moves it) and `AGENTS.md` in
   gitagent's user config dir;
2. in each directory from the repository root down to where the user works, as Claude Code orders them:
   `CLAUDE.md`, `.claude/CLAUDE.md`, `CLAUDE.local.md`, then as Codex reads them `AGENTS.override.md`, or
   else `AGENTS.md` (Codex reads one of the two per directory; an empty file counts as absent).

A Claude Code file may import others with `@path` (relative to it, `@~/path`, or absolute), outside code,
up to five levels deep; each imported file follows its importer under its own header. As in Claude Code, the
model never sees the block-level HTML comments of these files, and an import inside one is not followed
(`gitagent.agent.mdcomments`); Codex's files are shown as written. An import reaches
only files inside the repository (symlinks followed, `.git` excluded) and Markdown files in the user's
own instruction folders (`~/.claude`, gitagent's user config dir): anything else (`/proc`, `/etc`, `..`
out of the repository, a link out, a device) is refused with a notice naming the file and line.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from gitagent.agent.mdcomments import strip_comments, visible_lines
from gitagent.userdir import claude_config_dir, user_config_dir

LIMIT = 32 * 1024
MAX_IMPORT_DEPTH = 5
CLAUDE_FILES = ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md")
CODEX_FILES = ("AGENTS.override.md", "AGENTS.md")
USER_AGENTS = "AGENTS.md"
_IMPORT = re.compile(r"(?:^|(?<=\s))@(\S+)")
_CODE_SPAN = re.compile(r"`+[^`]*`+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True)
class InstructionFile:
    """One file whose text is in the prompt: where it is, how it is shown, its size, who imported it."""

    path: Path
    label: str
    """The path as people read it: relative to the repository, or from `~`."""
    size: int
    note: str = ""
    """Why it is here, when that is not obvious: "imported by CLAUDE.md:3", "yours, for every project"."""

    @property
    def header(self) -> str:
        """The line that heads the file's text in the prompt."""
        return f"# Instructions from {self.label}" + (f" ({self.note})" if self.note else "")


@dataclass
class Instructions:
    """The instruction files found, in prompt order, their text, and what was refused."""

    files: list[InstructionFile] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The prompt section: each file under its header, capped at 32 KiB."""
        parts = [f"{f.header}\n\n{t.strip()}\n" for f, t in zip(self.files, self.texts, strict=True)]
        return _cap("\n".join(parts))


def load_instructions(root: Path, subdir: str = "", *, user: bool = True) -> Instructions:
    """The instruction files for work in `root/subdir` (`root` a checkout), the user's own first when `user`."""
    loader = _Loader(root.resolve())
    if user:
        loader.user_files()
    for directory in _directories(loader.root, subdir):
        for name in CLAUDE_FILES:
            loader.add(directory / name, imports=True)
        codex = next((directory / n for n in CODEX_FILES if _has_text(directory / n)), None)
        if codex is not None:
            loader.add(codex, imports=False)
    return loader.found


def project_instructions(root: Path, subdir: str = "") -> str:
    """The prompt section for work in `root/subdir`: `load_instructions(...).text`."""
    return load_instructions(root, subdir).text


def import_targets(text: str) -> list[tuple[int, str]]:
    """The `@path` imports of a Claude Code file outside code blocks, spans and comments: (line number, path)."""
    found, in_code = [], False
    for number, line in visible_lines(text):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            found += [(number, m[1]) for m in _IMPORT.finditer(_CODE_SPAN.sub(" ", line))]
    return found


class _Loader:
    """Collects files once each, following imports within the places they may reach."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.found = Instructions()
        self.seen: set[Path] = set()
        self.user_dirs = [d.resolve() for d in (claude_config_dir(), Path.home() / ".claude", user_config_dir())]

    def user_files(self) -> None:
        """The user's own instruction files: theirs wherever they point, so no confinement check."""
        mine = "yours, for every project"
        claude, agents = claude_config_dir() / "CLAUDE.md", user_config_dir() / USER_AGENTS
        self._include(claude, _tilde(claude), mine, MAX_IMPORT_DEPTH)
        self._include(agents, _tilde(agents), mine, 0, claude=False)

    def add(self, path: Path, imports: bool) -> None:
        """A repository file at its place in the order (with its imports after it when `imports`)."""
        if not path.is_file() and not path.is_symlink():
            return
        resolved = path.resolve()
        if not self._in_repository(resolved):
            self._refuse(f"{self._label(path)}: not read: it leads out of the repository (to {resolved})")
            return
        self._include(path, self._label(path), "", MAX_IMPORT_DEPTH if imports else 0, claude=imports)

    def _include(self, path: Path, label: str, note: str, depth: int, claude: bool = True) -> None:
        """Add a file (a Claude Code one without its block-level comments) and, `depth` allowing, its imports."""
        resolved = path.resolve()
        if resolved in self.seen or not resolved.is_file():
            return
        text = _read_text(resolved)
        if text is None:
            self._refuse(f"{label}: not read: not a text file")
            return
        self.seen.add(resolved)
        self.found.files.append(InstructionFile(resolved, label, len(text.encode()), note))
        self.found.texts.append(strip_comments(text) if claude else text)
        if depth > 0:
            self._imports(path, label, text, depth)

    def _imports(self, source: Path, label: str, text: str, depth: int) -> None:
        for line, written in import_targets(text):
            target = _target(source, written)
            if target is None:
                continue
            where = f"{label}:{line}"
            if not self._may_import(target):
                self._refuse(f"{where}: @{written} not imported: only files in the repository and your own "
                             "~/.claude/*.md can be imported")  # fmt: skip
                continue
            self._include(target, self._label(target), f"imported by {where}", depth - 1)

    def _may_import(self, target: Path) -> bool:
        resolved = target.resolve()
        if self._in_repository(resolved):
            return True
        # Markdown only: the same folders hold credentials (`.credentials.json`, gitagent's `credentials.json`).
        return resolved.suffix == ".md" and any(resolved.is_relative_to(d) for d in self.user_dirs)

    def _in_repository(self, resolved: Path) -> bool:
        return resolved.is_relative_to(self.root) and ".git" not in resolved.relative_to(self.root).parts

    def _label(self, path: Path) -> str:
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(self.root):
            return absolute.relative_to(self.root).as_posix()
        return _tilde(absolute)

    def _refuse(self, notice: str) -> None:
        self.found.notices.append(f"instructions: {notice}")


def _target(source: Path, written: str) -> Path | None:
    """The file an `@path` names, trailing punctuation tolerated; None when nothing is there (a mention)."""
    for candidate in dict.fromkeys((written, written.rstrip(_TRAILING))):
        if not candidate:
            continue
        path = Path(candidate).expanduser() if candidate.startswith("~/") else source.parent / candidate
        if path.exists() or path.is_symlink():
            return path
    return None


def _directories(root: Path, subdir: str) -> list[Path]:
    found = [root]
    for part in Path(subdir).parts:
        if part in ("", ".", ".."):
            continue
        found.append(found[-1] / part)
    return found


def _has_text(path: Path) -> bool:
    try:
        return path.is_file() and bool(path.read_bytes()[: LIMIT + 1].strip())
    except OSError:
        return False


def _read_text(path: Path) -> str | None:
    """At most the cap's worth of a regular file, as text; None for a non-text or unreadable file."""
    try:
        with path.open("rb") as f:
            data = f.read(LIMIT + 1)
    except OSError:
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def _tilde(path: Path) -> str:
    home = Path.home()
    return f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home) else str(path)


def _cap(text: str) -> str:
    data = text.encode()
    if len(data) <= LIMIT:
        return text
    kept = data[:LIMIT].decode(errors="ignore")
    return f"{kept}\n\n[gitagent: instructions cut at 32 KiB; {len(data) - LIMIT} more bytes left out]"
