"""Building the tags of a whole tree: list it, take what the cache has, parse the rest, remember it."""

from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.repomap.cache import TagCache
from gitagent.repomap.files import Listing, classify, list_files
from gitagent.repomap.languages import tags_version
from gitagent.repomap.parse import PARSING, UNREADABLE, Job, Progress, counted, parse_files
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
    index = RepoIndex(root, listing.state, [])
    wanted: list[tuple[str, str, str]] = []
    for path, blob in listing.blobs.items():
        if paths and not _under(path, paths):
            continue
        language, reason = classify(path)
        if reason:
            index.skipped.append((path, reason))
            continue
        index.files.append(SourceFile(path, language, None))
        if language is not None:
            wanted.append((path, language, f"{blob}:{language}"))
    entries, index.parsed = load_entries(root, cache, wanted, progress, workers)
    by_path = {path: entries.get(key) for path, _, key in wanted}
    for source in index.files:
        source.entry = by_path.get(source.path)
    cache.compact(None if paths else {key for _, _, key in wanted})
    _move_skipped(index)
    return index


def load_entries(
    root: Path,
    cache: TagCache,
    wanted: list[tuple[str, str, str]],
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[dict[str, Entry], list[str]]:
    """The entries of `wanted` (path, language, cache key): from the cache, the rest parsed and cached.

    Returns them by key, and the paths that had to be parsed."""
    found = cache.get_many(key for _, _, key in wanted)
    todo = {path: key for path, _, key in wanted if key not in found}
    jobs: list[Job] = [(path, language) for path, language, key in wanted if path in todo]
    fresh: dict[str, Entry] = {}
    parsed: list[str] = []
    for (path, _), entry in counted(parse_files(root, jobs, workers), len(jobs), progress, PARSING):
        found[todo[path]] = entry
        parsed.append(path)
        if not entry[1].startswith(UNREADABLE):  # a read error says nothing about the blob
            fresh[todo[path]] = entry
        if len(fresh) >= FLUSH_EVERY:
            cache.add(fresh)
            fresh = {}
    cache.add(fresh)
    return found, parsed


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
