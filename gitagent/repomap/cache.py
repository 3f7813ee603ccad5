"""The on-disk cache under `$GIT_DIR/gitagent/cache/repomap/<tags version>/`, keyed by git blob id.

Tags live in immutable pack files (`packs/*.pack`: an index of `blob-id:language` keys, then each entry
`marshal`led on its own, so a build reads only the entries it needs); every build that parses something
adds one pack, and many packs are merged into one now and then (entries copied as they are). Every file is
written to a temporary name and renamed into place, so a crash leaves either the old state or the new one,
never a torn file; a pack that cannot be read is ignored and its files parsed again. Computed maps are kept
under `maps/`, keyed by the repository's state, so a warm map of an unchanged tree is a single small read.
Any of it may be deleted at any time: it is only ever a shortcut.
"""

import contextlib
import json
import marshal
import mmap
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gitagent.repomap.tags import Entry

MAGIC = b"gitagent-tags 2\n"
MAX_PACKS = 8
"""More packs than this are merged into one at the end of a build."""
KEEP_FACTOR = 3
"""A merge drops entries of blobs no longer in the tree once it holds this many times the live ones."""
MAX_MAPS = 64
LOCK_STALE_S = 120


class Pack:
    """One pack file: `MAGIC`, the index's length (8 bytes), the index (a `marshal`led dict `key -> (offset,
    length)`), then each entry `marshal`led on its own, so one entry is read without reading the others."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f:
            self.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        head = len(MAGIC) + 8
        if self.data[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path.name} is not a tags pack")
        size = int.from_bytes(self.data[len(MAGIC) : head], "big")
        index = marshal.loads(self.data[head : head + size])
        if not isinstance(index, dict):
            raise ValueError(f"{path.name} has no index")
        self.index: dict[str, tuple[int, int]] = index
        self.start = head + size

    def raw(self, key: str) -> bytes:
        """The `marshal`led entry of `key` (which must be in the index)."""
        offset, length = self.index[key]
        return self.data[self.start + offset : self.start + offset + length]

    def get(self, key: str) -> Entry:
        """The entry of `key`."""
        return marshal.loads(self.raw(key))


def pack_bytes(raw: dict[str, bytes]) -> bytes:
    """A pack of already `marshal`led entries."""
    index, offset = {}, 0
    for key, blob in raw.items():
        index[key] = (offset, len(blob))
        offset += len(blob)
    encoded = marshal.dumps(index)
    return b"".join([MAGIC, len(encoded).to_bytes(8, "big"), encoded, *raw.values()])


class TagCache:
    """Tags by `blob-id:language`, in packs whose indexes are read on first use and entries on demand."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.packs = directory / "packs"
        self._packs: list[Pack] | None = None
        self._fresh: dict[str, Entry] = {}

    def _opened(self) -> list[Pack]:
        if self._packs is None:
            self._packs = self._open()
        return self._packs

    def _open(self) -> list[Pack]:
        for _ in range(3):  # a concurrent merge may delete a pack between listing and opening it
            try:
                names = sorted(p.name for p in self.packs.iterdir() if p.suffix == ".pack")
            except OSError:
                return []
            opened = []
            for name in names:
                try:
                    opened.append(Pack(self.packs / name))
                except FileNotFoundError:
                    break
                except (ValueError, EOFError, TypeError, OSError):
                    continue  # a damaged pack is ignored: its files are parsed again
            else:
                return opened
        return []

    def __contains__(self, key: str) -> bool:
        return key in self._fresh or any(key in pack.index for pack in self._opened())

    def get_many(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The cached entries of those `keys` that are cached (a damaged entry counts as not cached)."""
        found: dict[str, Entry] = {}
        packs = self._opened()
        for key in keys:
            if key in self._fresh:
                found[key] = self._fresh[key]
                continue
            for pack in reversed(packs):
                if key in pack.index:
                    with contextlib.suppress(EOFError, ValueError, TypeError):
                        found[key] = pack.get(key)
                    break
        return found

    def add(self, new: dict[str, Entry]) -> None:
        """Store `new` entries as one more pack (nothing on disk changes if writing fails)."""
        if not new:
            return
        self._fresh.update(new)
        with contextlib.suppress(OSError):
            if not self.packs.exists():
                self.packs.mkdir(parents=True)
                _remove_old_versions(self.directory)
            path = self.packs / f"{uuid.uuid4().hex}.pack"
            write_atomic(path, pack_bytes({key: marshal.dumps(entry) for key, entry in new.items()}))

    def compact(self, live: set[str] | None) -> None:
        """Merge the packs into one when there are many, dropping entries not in `live` when they dominate."""
        with contextlib.suppress(OSError):
            names = [p for p in self.packs.iterdir() if p.suffix == ".pack"]
            if len(names) <= MAX_PACKS:
                return
        with _lock(self.directory / "merge.lock") as locked:
            if not locked:
                return  # another process is merging right now
            self._packs = None
            packs = self._opened()
            keys = {key: pack for pack in packs for key in pack.index}
            if live is not None and len(keys) > KEEP_FACTOR * max(len(live), 1000):
                keys = {key: pack for key, pack in keys.items() if key in live}
            with contextlib.suppress(OSError):
                write_atomic(
                    self.packs / f"{uuid.uuid4().hex}.pack", pack_bytes({k: p.raw(k) for k, p in keys.items()})
                )
                for pack in packs:
                    with contextlib.suppress(FileNotFoundError):
                        pack.path.unlink()
            self._packs = None
            _remove_old_versions(self.directory)


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
