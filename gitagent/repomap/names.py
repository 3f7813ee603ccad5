"""The graph's identifiers, interned to integers and stored as one byte string, loaded without decoding.

A 50,000-file repository has hundreds of thousands of distinct names; turning them all into Python strings
and a dict on every build would cost more than the rest of a small update. So a name's id is found by its
stable 64-bit hash (binary search in a sorted copy), and a name is decoded only when it is asked for.
"""

import hashlib

import numpy as np

PRIVATE = 1
DUNDER = 2


def name_hash(name: str) -> int:
    """A hash of `name` that is the same in every process (Python's own `hash` is salted)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class NameTable:
    """Names by id: `get(i)`, `find(name)`, `intern(name)`; per-name flags (private, protocol method)."""

    def __init__(
        self,
        blob: bytes = b"",
        offsets: np.ndarray | None = None,
        hashes: np.ndarray | None = None,
        flags: np.ndarray | None = None,
    ) -> None:
        self.blob = blob
        self.offsets = offsets if offsets is not None else np.zeros(1, np.int64)
        self.hashes = hashes if hashes is not None else np.zeros(0, np.uint64)
        self.flags = flags if flags is not None else np.zeros(0, np.uint8)
        self._order = np.argsort(self.hashes, kind="stable")
        self._sorted = self.hashes[self._order]
        self._new: list[str] = []
        self._new_ids: dict[int, int] = {}
        self._new_flags: list[int] = []
        self._known: dict[str, int] = {}
        """Ids already looked up by `intern_many`, by name."""

    def __len__(self) -> int:
        return len(self.hashes) + len(self._new)

    def get(self, i: int) -> str:
        """The name of id `i`."""
        if i >= len(self.hashes):
            return self._new[i - len(self.hashes)]
        return self.blob[self.offsets[i] : self.offsets[i + 1]].decode("utf-8", errors="replace")

    def find(self, name: str) -> int | None:
        """The id of `name`, or None when no file has it."""
        key = name_hash(name)
        found = self._new_ids.get(key)
        if found is not None:
            return found
        at = int(np.searchsorted(self._sorted, np.uint64(key)))
        if at < len(self._sorted) and int(self._sorted[at]) == key:
            return int(self._order[at])
        return None

    def intern(self, name: str) -> int:
        """The id of `name`, adding it when it is new."""
        found = self.find(name)
        if found is None:
            found = len(self)
            self._new_ids[name_hash(name)] = found
            self._new.append(name)
            self._new_flags.append(_flags(name))
        return found

    def intern_many(self, names: list[str]) -> list[int]:
        """The ids of `names` (new ones added), each distinct name hashed and looked up once per table."""
        known = self._known
        distinct = [name for name in dict.fromkeys(names) if name not in known]
        keys = np.fromiter(map(name_hash, distinct), np.uint64, len(distinct))
        at = np.clip(np.searchsorted(self._sorted, keys), 0, max(0, len(self._sorted) - 1))
        stored = self._sorted[at] == keys if len(self._sorted) else np.zeros(len(keys), np.bool_)
        found = np.where(stored, self._order[at] if len(self._order) else 0, -1).tolist()
        for name, key, i in zip(distinct, keys.tolist(), found, strict=True):
            if i < 0:
                i = self._new_ids.get(key, -1)
            if i < 0:
                i = self._new_ids[key] = len(self)
                self._new.append(name)
                self._new_flags.append(_flags(name))
            known[name] = i
        return list(map(known.__getitem__, names))

    def settled(self) -> "NameTable":
        """A table with the names added since loading folded into the stored arrays."""
        if not self._new:
            return self
        encoded = [name.encode() for name in self._new]
        lengths = np.fromiter((len(e) for e in encoded), np.int64, len(encoded))
        offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
        hashes = np.concatenate([self.hashes, np.fromiter(self._new_ids, np.uint64, len(self._new_ids))])
        flags = np.concatenate([self.flags, np.asarray(self._new_flags, np.uint8)])
        return NameTable(self.blob + b"".join(encoded), offsets, hashes, flags)


def _flags(name: str) -> int:
    dunder = len(name) > 4 and name.startswith("__") and name.endswith("__")
    return (PRIVATE if name.startswith("_") else 0) | (DUNDER if dunder else 0)
