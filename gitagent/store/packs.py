"""Writing a batch of new objects as one pack file instead of one loose file each.

A loose object is a new file, and on ext4 creating a file is most of what a new object costs (about
0.3 ms on the shared VM, nearly all of it in the inode allocator). A snapshot after a busy turn makes
dozens of blobs and trees, so `ObjectBatch` catches everything libgit2 writes through one `Repository`
in memory (a Python object database backend ahead of the loose one) and `flush` writes it as a single
version-2 pack and index under `objects/pack`: two new files, whatever the number of objects, readable by
git and libgit2 alike. No deltas: the objects are small and new. Trees are stored without compression:
they are mostly object ids, which do not compress, and deflating them cost more than the rest of the pack
(`git gc` compresses them if it repacks them with deltas).

One pack per flush would pile up, and every pack is a place git and libgit2 look in on a miss, so once
there are more than `MAX_SMALL_PACKS` small packs, `flush` merges the smallest geometrically (as
`git repack --geometric=2` does): afterwards each small pack left holds at least twice the objects of all
smaller ones together, which keeps their number logarithmic in the objects written, and rewrites each
object a logarithmic number of times. A merge copies the stored entries as they are (no inflating and
deflating again). Packs larger than `MERGE_MAX_BYTES`, packs holding deltas (git's), and kept (`.keep`)
or promisor packs are left to `git gc`.
"""

import hashlib
import os
import struct
import weakref
import zlib
from collections.abc import Iterable
from pathlib import Path

import pygit2
from pygit2.enums import ObjectType

from gitagent.store.repo import git_dir

MERGE_MAX_BYTES = 8 * 1024 * 1024
"""Packs up to this size may be merged by `flush`; bigger ones (a clone's) are git gc's business."""
MAX_SMALL_PACKS = 10
"""Small packs are merged only when there are more than this many, so most flushes write one pack only."""
GEOMETRIC_FACTOR = 2
_PRIORITY = 2
"""Above the loose backend's 1, so writes land here (the pack backend, also at 2, never writes)."""
_IDX_MAGIC = b"\377tOc"
_LARGE_OFFSET = 0x80000000

Entry = tuple[int, bytes]
"""An object's type (pygit2's GIT_OBJECT_* number, the same as the pack's) and its contents."""


class _Pending(pygit2.OdbBackend):
    """An in-memory object database backend: keeps what libgit2 writes, serves it back until flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[pygit2.Oid, Entry] = {}

    def write_cb(self, oid: pygit2.Oid, data: bytes, type_: int) -> None:
        self.objects[oid] = (type_, data)

    def read_cb(self, oid: pygit2.Oid) -> Entry:
        return self.objects[oid]

    def read_header_cb(self, oid: pygit2.Oid) -> tuple[int, int]:
        type_, data = self.objects[oid]
        return type_, len(data)

    def read_prefix_cb(self, oid: pygit2.Oid) -> tuple[int, bytes, pygit2.Oid]:
        prefix = str(oid).rstrip("0")  # libgit2 pads a short id with zeros
        matches = [o for o in self.objects if str(o).startswith(prefix)]
        if len(matches) != 1:
            raise KeyError(oid)
        return (*self.objects[matches[0]], matches[0])

    def exists_cb(self, oid: pygit2.Oid) -> bool:
        return oid in self.objects

    def exists_prefix_cb(self, oid: pygit2.Oid) -> pygit2.Oid:
        return self.read_prefix_cb(oid)[2]

    def refresh_cb(self) -> None:
        pass

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.objects))


class ObjectBatch:
    """Collects every object libgit2 writes through `repo` from now on; `flush` writes them as one pack.

    Until `flush`, the objects exist only in this process (readable through `repo`, nowhere else), so
    flush before handing an id to anything that reads the object store on its own. pygit2 keeps every
    backend added to an object database alive for good, so `flush` leaves this one empty.
    """

    def __init__(self, repo: pygit2.Repository) -> None:
        self.pack_dir = git_dir(repo) / "objects" / "pack"
        self.fsync = _config_bool(repo, "core.fsyncObjectFiles")
        self._pending = _Pending()
        repo.odb.add_backend(self._pending, _PRIORITY)
        _BATCHES[repo] = self

    def flush(self) -> Path | None:
        """Write the collected objects as one pack (none if there are none), then merge small packs."""
        objects, self._pending.objects = self._pending.objects, {}
        if not objects:
            return None
        written = write_pack(self.pack_dir, objects.items(), fsync=self.fsync)
        merge_small_packs(self.pack_dir, fsync=self.fsync)
        return written


_BATCHES: "weakref.WeakKeyDictionary[pygit2.Repository, ObjectBatch]" = weakref.WeakKeyDictionary()


def flush_pending(repo: pygit2.Repository) -> None:
    """Write out what an `ObjectBatch` on `repo` holds, if there is one: called before a ref is moved, so a
    ref never names an object that exists only in this process."""
    batch = _BATCHES.get(repo)
    if batch is not None:
        batch.flush()


def write_pack(pack_dir: Path, objects: Iterable[tuple[pygit2.Oid, Entry]], fsync: bool = False) -> Path:
    """Write `objects` as `pack-<checksum>.pack` and its `.idx` in `pack_dir`; return the `.pack` path."""
    entries = []
    for oid, (type_, data) in objects:
        packed = _entry_header(type_, len(data)) + _deflate(type_, data)
        entries.append((oid.raw, packed, zlib.crc32(packed)))
    return _write_entries(pack_dir, entries, fsync)


def merge_small_packs(pack_dir: Path, fsync: bool = False) -> Path | None:
    """When there are more than `MAX_SMALL_PACKS` small packs, merge the smallest into one so that each
    small pack left holds at least twice the objects of all smaller ones together.

    Returns the merged pack, or None when nothing was merged. Best effort: a pack that cannot be copied as
    it is (gone because another process merged it, holding deltas, damaged) is left where it is.
    """
    candidates = _small_packs(pack_dir)
    if len(candidates) <= MAX_SMALL_PACKS:
        return None
    packs = sorted((count, path) for path in candidates if (count := _object_count(path)) is not None)
    total, split = 0, 0
    for i, (count, _) in enumerate(packs):
        if i > 0 and count < GEOMETRIC_FACTOR * total:
            split = i + 1
        total += count
    merging: list[Path] = []
    entries: dict[bytes, tuple[bytes, bytes, int]] = {}
    for _, idx in packs[:split]:
        try:
            found = _packed_entries(idx)
        except (OSError, ValueError, struct.error):
            continue
        merging.append(idx)
        for entry in found:
            entries.setdefault(entry[0], entry)
    if len(merging) < 2:
        return None
    try:
        written = _write_entries(pack_dir, list(entries.values()), fsync)
    except OSError:
        return None
    for idx in merging:
        if idx.with_suffix(".pack") != written:
            idx.unlink(missing_ok=True)  # the index first: without it no reader looks at the pack
            idx.with_suffix(".pack").unlink(missing_ok=True)
    return written


def _write_entries(pack_dir: Path, entries: list[tuple[bytes, bytes, int]], fsync: bool) -> Path:
    """Write packed entries (raw id, type-size header + deflated data, its CRC32) as a pack and its index.

    The pack is renamed into place before its index, as git does: a reader only looks at packs that have
    an index, so it never sees a partial one.
    """
    parts = [b"PACK" + struct.pack(">II", 2, len(entries))]
    offset = len(parts[0])
    located = []
    for raw, packed, crc in entries:
        located.append((raw, crc, offset))
        parts.append(packed)
        offset += len(packed)
    pack = b"".join(parts)
    checksum = hashlib.sha1(pack).digest()
    name = f"pack-{checksum.hex()}"
    pack_path = pack_dir / f"{name}.pack"
    pack_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(pack_path, pack + checksum, fsync)
    _write_atomically(pack_dir / f"{name}.idx", _index(located, checksum), fsync)
    if fsync:
        _fsync_dir(pack_dir)
    return pack_path


def _packed_entries(idx: Path) -> list[tuple[bytes, bytes, int]]:
    """Every entry of a version-2 pack as stored (raw id, header + deflated data, CRC32), checked against
    the index's CRC32. Raises ValueError for an entry stored as a delta (its base would move)."""
    data = idx.read_bytes()
    count = _object_count_of(data)
    ids_at = 8 + 256 * 4
    crcs_at = ids_at + 20 * count
    offsets_at = crcs_at + 4 * count
    large_at = offsets_at + 4 * count
    crcs = struct.unpack_from(f">{count}I", data, crcs_at)
    offsets = list(struct.unpack_from(f">{count}I", data, offsets_at))
    for i, offset in enumerate(offsets):
        if offset & _LARGE_OFFSET:
            offsets[i] = struct.unpack_from(">Q", data, large_at + 8 * (offset & ~_LARGE_OFFSET))[0]
    pack = idx.with_suffix(".pack").read_bytes()
    if pack[:4] != b"PACK" or pack[-20:] != data[-40:-20]:
        raise ValueError(f"{idx.name} does not match its pack")
    ends = dict(zip(sorted(offsets), [*sorted(offsets)[1:], len(pack) - 20], strict=True))
    entries = []
    for i, offset in enumerate(offsets):
        packed = pack[offset : ends[offset]]
        if (packed[0] >> 4) & 7 not in (1, 2, 3, 4):
            raise ValueError(f"{idx.name} stores deltas")
        if zlib.crc32(packed) != crcs[i]:
            raise ValueError(f"{idx.name}: CRC mismatch")
        entries.append((data[ids_at + 20 * i : ids_at + 20 * (i + 1)], packed, crcs[i]))
    return entries


def _small_packs(pack_dir: Path) -> list[Path]:
    """The `.idx` of each pack in `pack_dir` small enough to merge and neither kept nor a promisor.

    With no more than `MAX_SMALL_PACKS` packs in all, none: there is nothing to merge, and most flushes
    then cost one directory listing rather than a `stat` of every pack.
    """
    try:
        names = set(os.listdir(pack_dir))
    except FileNotFoundError:
        return []
    if sum(name.endswith(".idx") for name in names) <= MAX_SMALL_PACKS:
        return []
    small = []
    for name in names:
        if not (name.startswith("pack-") and name.endswith(".idx")):
            continue
        stem = name[: -len(".idx")]
        if f"{stem}.pack" not in names or f"{stem}.keep" in names or f"{stem}.promisor" in names:
            continue
        try:
            size = os.stat(pack_dir / f"{stem}.pack").st_size
        except FileNotFoundError:
            continue
        if size <= MERGE_MAX_BYTES:
            small.append(pack_dir / name)
    return small


def _object_count(idx: Path) -> int | None:
    """The number of objects a version-2 pack index lists (the last fan-out entry), or None if unreadable."""
    try:
        with idx.open("rb") as f:
            head = f.read(8 + 256 * 4)
    except FileNotFoundError:
        return None
    try:
        return _object_count_of(head)
    except ValueError:
        return None


def _object_count_of(idx: bytes) -> int:
    if len(idx) < 8 + 256 * 4 or idx[:4] != _IDX_MAGIC or struct.unpack_from(">I", idx, 4)[0] != 2:
        raise ValueError("not a version-2 pack index")
    return int(struct.unpack_from(">I", idx, 8 + 255 * 4)[0])


def _deflate(type_: int, data: bytes) -> bytes:
    """A tree as stored zlib blocks; anything else at level 1 like libgit2's loose objects, with a window
    no bigger than the object: a small object then costs a small allocation (zlib's default 256 KiB is
    most of a small object's cost)."""
    if type_ == ObjectType.TREE:
        return zlib.compress(data, 0)
    window_bits = max(9, min(15, len(data).bit_length()))
    compressor = zlib.compressobj(1, zlib.DEFLATED, window_bits, max(1, window_bits - 7))
    return compressor.compress(data) + compressor.flush()


def _entry_header(type_: int, size: int) -> bytes:
    """A pack entry's type-and-size header: 3 bits of type, then the size 4 bits first, 7 bits a byte."""
    out = bytearray()
    byte = (type_ << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def _index(entries: list[tuple[bytes, int, int]], pack_checksum: bytes) -> bytes:
    """A version-2 pack index: fan-out table, sorted ids, CRC32s, offsets (large ones in a second table)."""
    entries = sorted(entries)
    fanout = [0] * 256
    for raw, _, _ in entries:
        fanout[raw[0]] += 1
    running = 0
    for i in range(256):
        running += fanout[i]
        fanout[i] = running
    small_offsets = []
    large_offsets = []
    for _, _, offset in entries:
        if offset < _LARGE_OFFSET:
            small_offsets.append(offset)
        else:
            small_offsets.append(_LARGE_OFFSET | len(large_offsets))
            large_offsets.append(offset)
    out = bytearray(_IDX_MAGIC + struct.pack(">I", 2))
    out += struct.pack(">256I", *fanout)
    out += b"".join(raw for raw, _, _ in entries)
    out += struct.pack(f">{len(entries)}I", *(crc for _, crc, _ in entries))
    out += struct.pack(f">{len(small_offsets)}I", *small_offsets)
    out += struct.pack(f">{len(large_offsets)}Q", *large_offsets)
    out += pack_checksum
    out += hashlib.sha1(out).digest()
    return bytes(out)


def _write_atomically(path: Path, data: bytes, fsync: bool) -> None:
    """Write `data` to a temporary file beside `path`, read-only like every object file, then rename it."""
    tmp = path.with_name(f"tmp_{path.name}_{os.getpid()}")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave an empty temporary pack behind
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _config_bool(repo: pygit2.Repository, key: str) -> bool:
    try:
        return repo.config.get_bool(key)
    except (KeyError, pygit2.GitError):
        return False
