"""What a repository hook can run from the repository, so that trusting the hook covers all of it.

A hook is rarely one file: `uv run $CLAUDE_PROJECT_DIR/.claude/hooks/stop.py` imports or runs the helpers
next to it. So a repository hook's content id is taken over its own file or declaration plus:

- every file under `.claude/hooks/` and `.gitagent/hooks/` (the usual homes of hooks and their helpers);
- for each script its command names elsewhere in the repository, the whole folder that script lives in
  (only the script itself when it lies at the repository root).

Files git ignores are left out (a pull cannot bring them, and they are where hooks keep their state), as
are `__pycache__` folders, and so is a file the command only writes to (`>> "$CLAUDE_PROJECT_DIR"/hook.log`):
otherwise a hook that logs would change its own content id by running, and be skipped as untrusted from
then on. A script that resolves into a `.git` directory, where the agent's worktrees
live, is refused: the agent could change it between trust and run.
"""

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pygit2

HOOK_FOLDERS = (".claude/hooks", ".gitagent/hooks")
_PROJECT_VAR = re.compile(r"\$\{?(CLAUDE_PROJECT_DIR|GITAGENT_PROJECT_DIR)\}?")
_SKIPPED_DIRS = frozenset({".git", "__pycache__"})
_OPERATOR_CHARS = frozenset("<>&|;()")


class Listing:
    """Lists folders of one repository checkout for content ids (ignored files left out)."""

    def __init__(self, repo_root: Path) -> None:
        self.root = repo_root.resolve()
        try:
            self._repo: pygit2.Repository | None = pygit2.Repository(str(self.root))
        except pygit2.GitError:
            self._repo = None  # a materialized base commit (review): nothing is ignored
        self.shared = b"".join(self.folder(self.root / name) for name in HOOK_FOLDERS)
        """The listing of the hook folders: part of every repository hook's content id."""

    def folder(self, folder: Path) -> bytes:
        """Every file under `folder` (symlinked folders not followed): path, kind and content id, one a line."""
        if not folder.is_dir() or folder.is_symlink():
            return b""
        lines = []
        for top, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not self.ignored(Path(top, d), True))
            for name in sorted(files):
                path = Path(top, name)
                if not self.ignored(path):
                    lines.append(entry(path, self.root))
        return "".join(lines).encode()

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        """Whether git ignores `path` (a path under the checkout)."""
        if self._repo is None:
            return False
        relative = path.relative_to(self.root).as_posix() + ("/" if is_dir else "")
        try:
            return self._repo.path_is_ignored(relative)
        except pygit2.GitError:
            return False


def entry(path: Path, root: Path) -> str:
    """One line of a listing: the path, whether it is executable or a link (and where to), its content id."""
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if path.is_symlink():
        target = os.readlink(path)
        content = _blob_id(path) if path.is_file() else "-"
        return f"{shown}\0link\0{target}\0{content}\n"
    kind = "x" if os.access(path, os.X_OK) else "f"
    return f"{shown}\0{kind}\0{_blob_id(path)}\n"


def _blob_id(path: Path) -> str:
    try:
        return str(pygit2.hashfile(str(path)))
    except (OSError, pygit2.GitError):
        return "unreadable"


def into_git_dir(path: Path) -> bool:
    """Whether `path`, symlinks followed, lies in a `.git` directory (where the agent's worktrees are)."""
    return ".git" in path.resolve().parts


def command_coverage(command: str, listing: Listing) -> tuple[bytes, str | None]:
    """What a declared command can run from the repository, as bytes for its content id; and a problem
    (a script that resolves into a `.git` directory) when it must not run."""
    covered = [listing.shared]
    for token, path in named_scripts(command, listing.root):
        if into_git_dir(path):
            return b"", f"{token} resolves into a .git directory, where the agent's worktrees live; it never runs"
        folder = path.parent
        if folder == listing.root:
            if not listing.ignored(path):
                covered.append(entry(path, listing.root).encode())
        elif not any(folder.is_relative_to(listing.root / name) for name in HOOK_FOLDERS):
            covered.append(listing.folder(folder))
    return b"\0".join(covered), None


def named_scripts(command: str, root: Path) -> Iterator[tuple[str, Path]]:
    """Best effort: the files of the repository that `command` names (a relative name counts from `root`,
    the hook's working directory). Paths are kept as written: a symlink is listed, not its target. The
    target of an output redirection is written, not run, so it is not named."""
    for token in _run_tokens(command):
        expanded = _PROJECT_VAR.sub(str(root).replace("\\", "\\\\"), token)
        path = Path(os.path.normpath(root / expanded))  # an absolute `expanded` replaces `root`
        if not path.is_relative_to(root) or path == root:
            continue
        try:
            if path.is_file():
                yield token, path
        except OSError:
            continue


def _run_tokens(command: str) -> Iterator[str]:
    """The words of `command`, less redirection operators and the files output is redirected to."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    writes_next = False
    for token in tokens:
        if writes_next:
            writes_next = False
            continue
        if token and set(token) <= _OPERATOR_CHARS:
            writes_next = ">" in token
            continue
        yield token
