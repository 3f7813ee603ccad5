"""A skill folder's files: their listing, and the git tree id that names their exact content."""

import hashlib
import os
import stat
from pathlib import Path

SKIPPED_DIRS = frozenset({".git"})
"""Directories neither listed nor hashed: a skill vendored as a git checkout has its own `.git`."""


def object_id(kind: bytes, data: bytes) -> str:
    """The git object id (SHA-1) of `data` stored as an object of `kind` (b"blob", b"tree")."""
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).hexdigest()


def tree_id(folder: Path) -> str:
    """The id git gives the tree of `folder` (files, executable bits, symlinks; empty directories omitted).

    Computed in-process without a repository: the same bytes `git write-tree` would hash, so a committed,
    unchanged skill folder has the id `git rev-parse HEAD:path/to/skill` prints.
    """
    found = _tree(folder)
    return found if found is not None else object_id(b"tree", b"")


def _tree(folder: Path) -> str | None:
    entries: list[tuple[bytes, bytes, str]] = []  # (sort key, "mode name", id)
    with os.scandir(folder) as it:
        for entry in it:
            name = os.fsencode(entry.name)
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                mode, oid = b"120000", object_id(b"blob", os.fsencode(os.readlink(entry.path)))
            elif stat.S_ISDIR(st.st_mode):
                sub = None if entry.name in SKIPPED_DIRS else _tree(Path(entry.path))
                if sub is None:
                    continue
                entries.append((name + b"/", b"40000 " + name, sub))
                continue
            elif stat.S_ISREG(st.st_mode):
                mode = b"100755" if st.st_mode & stat.S_IXUSR else b"100644"
                oid = object_id(b"blob", Path(entry.path).read_bytes())
            else:
                continue  # sockets, FIFOs: git cannot store them either
            entries.append((name, mode + b" " + name, oid))
    if not entries:
        return None
    entries.sort(key=lambda e: e[0])  # git orders a directory as if its name ended in "/"
    return object_id(b"tree", b"".join(head + b"\0" + bytes.fromhex(oid) for _, head, oid in entries))


def list_files(folder: Path, limit: int | None = None) -> tuple[list[str], int]:
    """Files under `folder` as sorted `/`-separated relative paths (symlinks listed, not followed).

    With `limit`, at most that many are returned; the second value says how many were left out.
    """
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        rel = Path(dirpath).relative_to(folder)
        # os.walk does not descend into symlinked directories; list them as the entries they are.
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        found += [(rel / name).as_posix() for name in [*filenames, *links]]
    found.sort()
    if limit is None or len(found) <= limit:
        return found, 0
    return found[:limit], len(found) - limit
