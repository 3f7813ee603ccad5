"""Building the tags of a whole tree: list it, take what the cache has, parse the rest, remember it."""

from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.repomap.cache import TagCache
from gitagent.repomap.files import Listing, classify, list_files
from gitagent.repomap.languages import tags_version
from gitagent.repomap.parse import UNREADABLE, Job, Progress, parse_files, track
from gitagent.repomap.tags import Entry
from gitagent.store.repo import git_dir as common_git_dir

FLUSH_EVERY = 2000
"""During a long cold build, parsed tags are saved every this many files, so a crash loses little."""


@dataclass
class SourceFile:
    """A file in the map: its path, its language (None: a plain file) and its tags (None: plain)."""

    path: str
    language: str | None
    entry: Entry | None


@dataclass
class RepoIndex:
    """The tags of every listed file, what was left out and why, and what this build had to parse."""

    root: Path
    state: str
    files: list[SourceFile]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)

    def problems(self) -> list[tuple[str, str]]:
        """(path, why) of files whose tags could not be read: failed to parse or skipped on content."""
        return [(f.path, f"{f.entry[0]}: {f.entry[1]}") for f in self.files if f.entry and f.entry[0] == "failed"]

    def partial(self) -> list[str]:
        """Files parsed with syntax errors: their tags may be incomplete."""
        return [f.path for f in self.files if f.entry and f.entry[0] == "partial"]


def discover_git_dir(root: Path) -> Path:
    """The common git directory of the work tree `root` (a linked worktree shares its repository's)."""
    found = pygit2.discover_repository(str(root))
    if found is None:
        raise GitagentError(f"not a git repository: {root}", "run it inside a git work tree")
    return common_git_dir(pygit2.Repository(found))


def cache_dir(git_dir: Path) -> Path:
    """Where this version of the tags is cached: `$GIT_DIR/gitagent/cache/repomap/<tags version>`."""
    return git_dir / "gitagent" / "cache" / "repomap" / tags_version()


def build_index(
    root: Path,
    git_dir: Path,
    listing: Listing | None = None,
    paths: list[str] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> RepoIndex:
    """Tags of every file under `root` (only under `paths`, root-relative, when given), parsing only blobs
    the cache has not seen."""
    listing = listing or list_files(root)
    cache = TagCache(cache_dir(git_dir))
    known = cache.entries()
    index = RepoIndex(root, listing.state, [])
    todo: list[tuple[SourceFile, str]] = []
    live: set[str] = set()
    for path, blob in listing.blobs.items():
        if paths and not _under(path, paths):
            continue
        language, reason = classify(path)
        if reason:
            index.skipped.append((path, reason))
            continue
        source = SourceFile(path, language, None)
        index.files.append(source)
        if language is not None:
            key = f"{blob}:{language}"
            live.add(key)
            source.entry = known.get(key)
            if source.entry is None:
                todo.append((source, key))
    _parse_missing(root, cache, todo, index, progress, workers)
    cache.compact(None if paths else live)
    _move_skipped(index)
    return index


def _parse_missing(
    root: Path,
    cache: TagCache,
    todo: list[tuple[SourceFile, str]],
    index: RepoIndex,
    progress: Progress | None,
    workers: int | None,
) -> None:
    by_path = {source.path: (source, key) for source, key in todo}
    jobs: list[Job] = [(source.path, source.language or "") for source, _ in todo]
    fresh: dict[str, Entry] = {}
    for (path, _), entry in track(parse_files(root, jobs, workers), len(jobs), progress):
        source, key = by_path[path]
        source.entry = entry
        index.parsed.append(path)
        if not entry[1].startswith(UNREADABLE):  # a read error says nothing about the blob
            fresh[key] = entry
        if len(fresh) >= FLUSH_EVERY:
            cache.add(fresh)
            fresh = {}
    cache.add(fresh)


def _move_skipped(index: RepoIndex) -> None:
    """Files skipped on their content (minified, generated, huge) leave the map for the skipped list."""
    kept = []
    for source in index.files:
        if source.entry is not None and source.entry[0] == "skipped":
            index.skipped.append((source.path, source.entry[1]))
        else:
            kept.append(source)
    index.files = kept


def _under(path: str, prefixes: list[str]) -> bool:
    return any(p in ("", ".") or path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)
