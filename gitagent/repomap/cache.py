"""The on-disk cache under `$GIT_DIR/gitagent/cache/repomap/<tags version>/`, keyed by git blob id.

Tags live in immutable pack files (`packs/*.pack`, a `marshal`led dict `blob-id:language -> entry`); every
build that parses something adds one pack, and many packs are merged into one now and then. Every file is
written to a temporary name and renamed into place, so a crash leaves either the old state or the new one,
never a torn file; a pack that cannot be read is ignored and its files parsed again. Computed maps are kept
under `maps/`, keyed by the repository's state, so a warm map of an unchanged tree is a single small read.
Any of it may be deleted at any time: it is only ever a shortcut.
"""

import contextlib
import json
import marshal
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from gitagent.repomap.tags import Entry

MAGIC = b"gitagent-tags 1\n"
MAX_PACKS = 8
"""More packs than this are merged into one at the end of a build."""
KEEP_FACTOR = 3
"""A merge drops entries of blobs no longer in the tree once it holds this many times the live ones."""
MAX_MAPS = 64
LOCK_STALE_S = 120


class TagCache:
    """Tags by `blob-id:language`, loaded from every pack on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.packs = directory / "packs"
        self._entries: dict[str, Entry] | None = None
        self._pack_names: list[str] = []

    def entries(self) -> dict[str, Entry]:
        """Every cached entry (read from disk once per instance)."""
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def _load(self) -> dict[str, Entry]:
        for _ in range(3):  # a concurrent merge may delete a pack between listing and reading it
            try:
                names = sorted(p.name for p in self.packs.iterdir() if p.suffix == ".pack")
            except OSError:
                return {}
            try:
                merged = {}
                for name in names:
                    merged.update(_read_pack(self.packs / name))
            except FileNotFoundError:
                continue
            self._pack_names = names
            return merged
        return {}

    def add(self, new: dict[str, Entry]) -> None:
        """Store `new` entries as one more pack (nothing on disk changes if writing fails)."""
        if not new:
            return
        self.entries().update(new)
        with contextlib.suppress(OSError):
            if not self.packs.exists():
                self.packs.mkdir(parents=True)
                _remove_old_versions(self.directory)
            name = f"{uuid.uuid4().hex}.pack"
            write_atomic(self.packs / name, MAGIC + marshal.dumps(new))
            self._pack_names.append(name)

    def compact(self, live: set[str] | None) -> None:
        """Merge the packs into one when there are many, dropping entries not in `live` when they dominate."""
        if len(self._pack_names) <= MAX_PACKS:
            return
        with _lock(self.directory / "merge.lock") as locked:
            if not locked:
                return  # another process is merging right now
            entries = self.entries()
            if live is not None and len(entries) > KEEP_FACTOR * max(len(live), 1000):
                entries = {key: entry for key, entry in entries.items() if key in live}
            with contextlib.suppress(OSError):
                write_atomic(self.packs / f"{uuid.uuid4().hex}.pack", MAGIC + marshal.dumps(entries))
                for name in self._pack_names:
                    with contextlib.suppress(FileNotFoundError):
                        (self.packs / name).unlink()
            _remove_old_versions(self.directory)


def _read_pack(path: Path) -> dict[str, Entry]:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        return {}
    try:
        loaded = marshal.loads(data[len(MAGIC) :])
    except (EOFError, ValueError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _remove_old_versions(directory: Path) -> None:
    """Drop the caches of other tags versions: after an upgrade they are never read again."""
    with contextlib.suppress(OSError):
        for sibling in directory.parent.iterdir():
            if sibling != directory and sibling.is_dir() and sibling.name.startswith("v"):
                shutil.rmtree(sibling, ignore_errors=True)


class MapMemo:
    """Finished maps by a key of the repository state and the options; the newest few are kept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "maps"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored map for `key`, or None."""
        try:
            return json.loads((self.directory / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Store a map; the oldest beyond `MAX_MAPS` are removed."""
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(self.directory / f"{key}.json", json.dumps(data).encode())
            maps = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in maps[:-MAX_MAPS]:
                old.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` by a rename from a temporary file in the same directory."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


@contextlib.contextmanager
def _lock(path: Path):
    """An advisory lock file; yields False (without waiting) when another process holds it."""
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > LOCK_STALE_S:
            path.unlink()  # left behind by a process that died while merging
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError:
        yield False
        return
    try:
        yield True
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
