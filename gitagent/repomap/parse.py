"""Parsing many files at once: in worker processes on a cold build, in this one for a handful of files."""

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from gitagent.repomap.tags import Entry, extract

T = TypeVar("T")

Job = tuple[str, str]
"""A file to parse: its path relative to the root, and its language."""
Progress = Callable[[int, int, str], None]
"""Called with (done, to do, phase) as a build goes through `PHASES` in order; a phase counts files, or
nothing (0, 0) when it is one step. It may raise to stop the build."""
LISTING, PARSING, INDEXING, RESOLVING, RANKING, SAVING = PHASES = (
    "listing", "parsing", "indexing", "resolving imports", "ranking", "saving",
)  # fmt: skip
REPORTS_PER_PHASE = 200
"""A phase that counts files reports about this many times (and at its start and end)."""

PARALLEL_MIN = 64
"""Below this many files, starting worker processes (~0.2 s each) costs more than it saves."""
UNREADABLE = "unreadable"


def available_cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_files(root: Path, jobs: list[Job], workers: int | None = None) -> Iterator[tuple[Job, Entry]]:
    """Parse every job, yielding each with its tags as soon as it is done (in no particular order)."""
    workers = workers or available_cores()
    if workers <= 1 or len(jobs) < PARALLEL_MIN:
        for job in jobs:
            yield job, parse_one(root, job)
        return
    import multiprocessing  # only a cold build of many files needs them (a warm turn is spared their import)
    from concurrent.futures import ProcessPoolExecutor, as_completed

    size = max(8, min(256, len(jobs) // (workers * 8)))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    # spawn, not fork: the caller may be a threaded app (the TUI), where fork can deadlock.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(parse_chunk, str(root), chunk): chunk for chunk in chunks}
        for future in as_completed(futures):
            yield from zip(futures[future], future.result(), strict=True)
    finally:
        pool.shutdown(cancel_futures=True)  # a build stopped early waits for the running chunks only


def parse_chunk(root: str, jobs: list[Job]) -> list[Entry]:
    """Parse a chunk of files in a worker process."""
    return [parse_one(Path(root), job) for job in jobs]


def parse_one(root: Path, job: Job) -> Entry:
    """Read and parse one file; an unreadable file gives a `failed` entry, never an exception."""
    path, language = job
    try:
        source = (root / path).read_bytes()
    except OSError as e:
        return ("failed", f"{UNREADABLE}: {e.strerror or e}", (), ())
    return extract(source, language)


def counted(items: Iterable[T], total: int, progress: Progress | None, phase: str) -> Iterator[T]:
    """Pass `items` (`total` of them) through, reporting `phase`'s progress at its start and every few items."""
    if progress is None:
        yield from items
        return
    progress(0, total, phase)
    step = max(1, total // REPORTS_PER_PHASE)
    for done, item in enumerate(items, start=1):
        yield item
        if done % step == 0 or done == total:
            progress(done, total, phase)
