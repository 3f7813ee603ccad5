"""The files a map covers, each with the git blob id of its current content, found cheaply.

One `git ls-files` run lists tracked files with the blob ids the index holds, untracked-but-not-ignored files,
and the tracked files whose content may differ from the index (git's stat check). Only those last two are
hashed; an unchanged tracked file is never read. So a warm map of an unchanged repository costs about one
`git ls-files`.
"""

import contextlib
import hashlib
import marshal
import os
import re
import subprocess
import time
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.repomap.cache import write_atomic
from gitagent.repomap.languages import language_of

VENDORED = re.compile(
    r"(?:^|/)(?:node_modules|vendor|vendors|third_party|thirdparty|3rdparty|bower_components|site-packages|"
    r"\.venv|venv|dist|Pods)/"
)
GENERATED_NAMES = re.compile(
    r"(?:\.min\.(?:js|css|mjs)|-min\.js|\.bundle\.js|_pb2(?:_grpc)?\.pyi?|\.pb\.go|\.pb\.(?:h|cc)|\.g\.dart|"
    r"(?:^|/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|Gemfile\.lock|go\.sum))$"
)
BINARY_NAMES = re.compile(
    r"\.(?:png|jpe?g|gif|ico|bmp|webp|svgz|pdf|zip|gz|tgz|bz2|xz|7z|jar|whl|egg|so|dylib|dll|exe|o|a|pyc|"
    r"class|woff2?|ttf|otf|eot|mp[34]|mov|avi|wav|ogg|sqlite3?|db|bin)$",
    re.IGNORECASE,
)
RACY_NS = 2_000_000_000
"""Directory times within this of the walk are not trusted: a file made in the same tick would not move them."""
SKIPPED_MODES = (b"160000", b"120000")
"""Submodules and symbolic links: neither is source to parse in this repository."""


DIRTY_MARKERS = (b"\0? ", b"\0C ", b"\0M ")
"""Entries whose content must be hashed: untracked (`?`), changed since the index (`C`), unmerged (`M`)."""


class Listing:
    """The listed files (path -> blob id, in git's order) and a key that changes iff any of them changes.

    The key is computed from git's raw output and the hashes of the files that needed hashing, so recalling
    a map of an unchanged tree never decodes the listing (at 50,000 files that would double the cost).
    """

    def __init__(self, output: bytes, hashed: dict[bytes, bytes | None]) -> None:
        self._output = output
        self._hashed = hashed
        digest = hashlib.sha1(output)
        for path, oid in hashed.items():
            digest.update(b"\0%s %s" % (path, oid or b"-"))
        self.state = digest.hexdigest()
        self._blobs: dict[str, str] | None = None

    @property
    def blobs(self) -> dict[str, str]:
        """Path -> blob id of every listed file (deleted files left out)."""
        if self._blobs is None:
            blobs = _parse_listing(self._output)
            for path, oid in self._hashed.items():
                if oid is None:
                    blobs.pop(path, None)
                else:
                    blobs[path] = oid
            self._blobs = {os.fsdecode(path): oid.decode() for path, oid in blobs.items()}
        return self._blobs


def list_files(root: Path, remember: Path | None = None) -> Listing:
    """Every tracked and untracked-but-not-ignored file under the work tree `root`, with its blob id.

    Finding untracked files walks every directory (at 50,000 files, most of a warm map's time). With
    `remember` (a file under the cache), the walk's result is kept with the modification times of the
    directories it saw, the index and the exclude files, and reused while none of them has changed: a file
    created, deleted or renamed changes its directory's time.
    """
    tracked = _git_ls_files(root, ["-t", "-s", "-c", "-m"])
    output = tracked + _untracked(root, tracked, remember)
    dirty = _dirty_paths(output)
    return Listing(output, {path: _hash_file(root / os.fsdecode(path)) for path in dirty})


def list_tree(git_dir: Path, tree: str) -> Listing:
    """The files of a committed tree, read from git's objects, listed exactly as `list_files` lists a clean
    checkout of it (the same blob ids, the same `state`): the map of a worktree still being written
    (a new conversation's) can be built, or recalled, before its files are there."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    argv = ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "--full-tree", tree]
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise GitagentError(f"cannot list the tree {tree}: {message}")
    return Listing(_AS_LS_FILES.sub(rb"H \1 \2 0\t", proc.stdout), {})


_AS_LS_FILES = re.compile(rb"(?:^|(?<=\0))(\d{6}) [a-z]+ ([0-9a-f]+)\t")
"""`ls-tree` entries (`MODE TYPE OID\tPATH`) rewritten as `ls-files -t -s` writes them (`H MODE OID 0\tPATH`)."""


def _git_ls_files(root: Path, options: list[str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    proc = subprocess.run(["git", "ls-files", "-z", *options], cwd=root, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise GitagentError(f"cannot list the files of {root}: {message}", "run it inside a git work tree")
    return proc.stdout


def _untracked(root: Path, tracked: bytes, remember: Path | None) -> bytes:
    """`git ls-files -t -o --exclude-standard`, or the remembered result of it while it still holds."""
    if remember is not None:
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            saved = marshal.loads(remember.read_bytes())
            ignores_edited = any(path.endswith(b".gitignore") for path in _dirty_paths(tracked))
            if not ignores_edited and saved["times"] == _times(root, saved["dirs"]):
                return saved["output"]
    output = _git_ls_files(root, ["-t", "-o", "--exclude-standard"])
    if remember is not None:
        dirs = sorted({os.fsdecode(p).rpartition("/")[0] for p in _paths(tracked + output)} | {""})
        times = _times(root, dirs)
        if all(abs(time.time_ns() - t) > RACY_NS for t in times if t > 0):  # a time this fresh may move again
            with contextlib.suppress(OSError, ValueError):
                remember.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(remember, marshal.dumps({"dirs": dirs, "times": times, "output": output}))
    return output


def _times(root: Path, dirs: list[str]) -> list[int]:
    """Modification times of the directories, the index and the exclude files (-1: missing)."""
    git_dir = _worktree_git_dir(root)
    paths = [root / d for d in dirs] + [git_dir / "index", git_dir / "info" / "exclude"]
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime_ns)
        except OSError:
            times.append(-1)
    return times


def _worktree_git_dir(root: Path) -> Path:
    dot_git = root / ".git"
    if dot_git.is_file():  # a linked worktree: `gitdir: …/.git/worktrees/<name>`
        return Path(dot_git.read_text().partition("gitdir:")[2].strip())
    return dot_git


def _paths(output: bytes) -> list[bytes]:
    return [line.partition(b"\t")[2] if b"\t" in line else line[2:] for line in output.split(b"\0") if line]


def _dirty_paths(output: bytes) -> list[bytes]:
    """The paths of the `?`, `C` and `M` entries; found with `find`, as there are usually few among many."""
    data = b"\0" + output
    paths: dict[bytes, None] = {}
    for marker in DIRTY_MARKERS:
        start = data.find(marker)
        while start != -1:
            end = data.find(b"\0", start + 1)
            line = data[start + 1 : end if end != -1 else None]
            paths[line[2:] if marker == b"\0? " else line.partition(b"\t")[2]] = None
            start = data.find(marker, end) if end != -1 else -1
    return list(paths)


def _parse_listing(output: bytes) -> dict[bytes, bytes]:
    """`ls-files -t -s` lines -> the index's blob ids (an empty id where the content must be hashed)."""
    blobs: dict[bytes, bytes] = {}
    for line in output.split(b"\0"):
        tag = line[:1]
        if tag == b"?":
            blobs[line[2:]] = b""
            continue
        meta, _, path = line[2:].partition(b"\t")
        if not path or meta[:6] in SKIPPED_MODES:
            continue
        if tag in (b"H", b"S") and meta.endswith(b" 0"):
            blobs[path] = meta[7:47]
        else:  # C: changed since the index, M: unmerged (once per stage)
            blobs.setdefault(path, b"")
    return blobs


def _hash_file(path: Path) -> bytes | None:
    """The blob id of a regular file's content; None for a deleted file, a link or a directory."""
    try:
        if not path.is_file() or path.is_symlink():
            return None
        return str(pygit2.hashfile(str(path))).encode()
    except OSError:
        return None


def skip_reason(path: str) -> str:
    """Why a path is left out of the map without reading it (vendored, generated, binary), or ''."""
    if VENDORED.search(path):
        return "vendored"
    if GENERATED_NAMES.search(path):
        return "generated"
    if BINARY_NAMES.search(path):
        return "binary"
    return ""


def classify(path: str) -> tuple[str | None, str]:
    """(language or None for a plain file, skip reason or '') of a listed path."""
    reason = skip_reason(path)
    return (None, reason) if reason else (language_of(path), "")
