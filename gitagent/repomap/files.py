"""The files a map covers, each with the git blob id of its current content, found cheaply.

Two git commands run side by side: `git ls-files -s` lists tracked files with the blob ids the index holds
(it reads the index only), and `git diff-files --name-only` names the tracked files whose content may differ
from the index (git's stat check of every file, spread over threads: at 50,000 files most of a warm map's
time). Untracked-but-not-ignored files come from `git ls-files -o`, whose walk is remembered. Only changed and
untracked files are hashed; an unchanged tracked file is never read. So a warm map of an unchanged repository
costs about one stat check.
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
from gitagent.store.locate import without_location

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


def list_files(root: Path, remember: Path | None = None, git_dir: Path | None = None) -> Listing:
    """Every tracked and untracked-but-not-ignored file under the work tree `root`, with its blob id. `git_dir`
    names the work tree's git directory where git would not find it from `root` (`GIT_DIR`, `core.worktree`).

    Finding untracked files walks every directory (at 50,000 files, most of a warm map's time). With
    `remember` (a file under the cache), the walk's result is kept with the modification times of the
    directories it saw, the index and the exclude files, and reused while none of them has changed: a file
    created, deleted or renamed changes its directory's time.
    """
    named = [f"--git-dir={git_dir}", f"--work-tree={root}"] if git_dir is not None else []
    own = git_dir or _worktree_git_dir(root.absolute())
    index = _start_git(root, [*named, "ls-files", "-z", "-s"])
    stat_check = _start_git(root, [*named, "diff-files", "-z", "--name-only"])
    untracked = _remembered_walk(root, remember, own)  # checked while git checks the files
    tracked, changed = _output(root, index), _output(root, stat_check)
    changed_paths = list(dict.fromkeys(path for path in changed.split(b"\0") if path))  # unmerged: once a stage
    if untracked is None or any(path.endswith(b".gitignore") for path in changed_paths):
        untracked = _walk(root, tracked, remember, own, named)
    dirty = dict.fromkeys([*changed_paths, *(line[2:] for line in untracked.split(b"\0") if line)])
    return Listing(tracked + untracked, {path: _hash_file(root / os.fsdecode(path)) for path in dirty})


def list_tree(git_dir: Path, tree: str) -> Listing:
    """The files of a committed tree, read from git's objects, listed exactly as `list_files` lists a clean
    checkout of it (the same blob ids, the same `state`): the map of a worktree still being written
    (a new conversation's) can be built, or recalled, before its files are there."""
    env = without_location(os.environ)
    argv = ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "--full-tree", tree]
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise GitagentError(f"cannot list the tree {tree}: {message}")
    return Listing(_AS_LS_FILES.sub(rb"\1 \2 0\t", proc.stdout), {})


_AS_LS_FILES = re.compile(rb"(?:^|(?<=\0))(\d{6}) [a-z]+ ([0-9a-f]+)\t")
"""`ls-tree` entries (`MODE TYPE OID\tPATH`) rewritten as `ls-files -s` writes them (`MODE OID 0\tPATH`)."""


def _start_git(root: Path, args: list[str]) -> subprocess.Popen[bytes]:
    env = without_location(os.environ)
    return subprocess.Popen(["git", *args], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _output(root: Path, proc: subprocess.Popen[bytes]) -> bytes:
    out, err = proc.communicate()
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip()
        raise GitagentError(f"cannot list the files of {root}: {message}", "run it inside a git work tree")
    return out


def _remembered_walk(root: Path, remember: Path | None, git_dir: Path) -> bytes | None:
    """The remembered `git ls-files -t -o --exclude-standard` while no directory it saw has changed, or None."""
    if remember is not None:
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            saved = marshal.loads(remember.read_bytes())
            if saved["times"] == _times(root, saved["dirs"], git_dir):
                return saved["output"]
    return None


def _walk(root: Path, tracked: bytes, remember: Path | None, git_dir: Path, named: list[str]) -> bytes:
    """`git ls-files -t -o --exclude-standard`, remembered with the times of the directories it saw."""
    output = _output(root, _start_git(root, [*named, "ls-files", "-z", "-t", "-o", "--exclude-standard"]))
    if remember is not None:
        dirs = sorted({os.fsdecode(p).rpartition("/")[0] for p in _paths(tracked + output)} | {""})
        times = _times(root, dirs, git_dir)
        if all(abs(time.time_ns() - t) > RACY_NS for t in times if t > 0):  # a time this fresh may move again
            with contextlib.suppress(OSError, ValueError):
                remember.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(remember, marshal.dumps({"dirs": dirs, "times": times, "output": output}))
    return output


def _times(root: Path, dirs: list[str], git_dir: Path) -> list[int]:
    """Modification times of the directories, the index and the exclude files (-1: missing)."""
    times = []
    top = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:  # looked up from the top's descriptor: at thousands of directories, half the cost of whole paths
        for path in [*(d or "." for d in dirs), str(git_dir / "index"), str(git_dir / "info" / "exclude")]:
            try:
                times.append(os.stat(path, dir_fd=top).st_mtime_ns)
            except OSError:
                times.append(-1)
    finally:
        os.close(top)
    return times


def _worktree_git_dir(root: Path) -> Path:
    dot_git = root / ".git"
    if dot_git.is_file():  # a linked worktree: `gitdir: …/.git/worktrees/<name>`
        return Path(dot_git.read_text().partition("gitdir:")[2].strip())
    return dot_git


def _paths(output: bytes) -> list[bytes]:
    return [line.partition(b"\t")[2] if b"\t" in line else line[2:] for line in output.split(b"\0") if line]


def _parse_listing(output: bytes) -> dict[bytes, bytes]:
    """`ls-files -s` and `ls-files -t -o` lines -> the index's blob ids (empty where the content must be hashed:
    untracked and unmerged files)."""
    blobs: dict[bytes, bytes] = {}
    for line in output.split(b"\0"):
        if line[:2] == b"? ":
            blobs[line[2:]] = b""
            continue
        meta, _, path = line.partition(b"\t")
        if not path or meta[:6] in SKIPPED_MODES:
            continue
        if meta.endswith(b" 0"):
            blobs[path] = meta[7:47]
        else:  # unmerged, once per stage
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
