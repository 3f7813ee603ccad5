"""Ordering a change's files by importance and packing their patches into chunks that fit a token budget.

Importance: source code first, then build and CI configuration, then tests, then documentation; within a
kind, the bigger change first. Chunks are filled in that order, so the first chunk (which always runs)
holds the files that matter most, and a `--max-cost` that stops later chunks leaves out the least.
"""

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from gitagent.review.diff import FileChange

DEFAULT_CHUNK_TOKENS = 30_000
CHARS_PER_TOKEN = 4

DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ".org"})
CONFIG_SUFFIXES = frozenset({".toml", ".yaml", ".yml", ".json", ".ini", ".cfg", ".conf", ".xml", ".gradle", ".lock"})
CONFIG_NAMES = frozenset({"Dockerfile", "Makefile", "Containerfile", "Jenkinsfile", "CMakeLists.txt", "setup.py"})
KIND_ORDER = ("source", "config", "test", "docs")


@dataclass
class Chunk:
    """The files one review turn reads in its prompt (their patches, cut to the budget if need be)."""

    number: int
    files: list[FileChange] = field(default_factory=list)
    patches: list[str] = field(default_factory=list)
    tokens: int = 0

    @property
    def paths(self) -> list[str]:
        """The files of the chunk, in order."""
        return [f.path for f in self.files]


def estimate_tokens(text: str) -> int:
    """About four characters a token: good enough to pack prompts, and needs no tokenizer."""
    return len(text) // CHARS_PER_TOKEN + 1


def kind(path: str) -> str:
    """`source`, `config`, `test` or `docs`, from the path alone."""
    p = PurePosixPath(path)
    parts = {part.lower() for part in p.parts[:-1]}
    name = p.name.lower()
    if p.suffix.lower() in DOC_SUFFIXES or parts & {"docs", "doc"} or name in ("license", "changelog"):
        return "docs"
    if parts & {"test", "tests", "spec", "specs", "__tests__", "testdata"} or name.startswith("test_"):
        return "test"
    if any(m in name for m in ("_test.", ".test.", ".spec.", "_spec.")):
        return "test"
    if p.suffix.lower() in CONFIG_SUFFIXES or p.name in CONFIG_NAMES or parts & {".github", ".gitlab", ".circleci"}:
        return "config"
    return "source"


def by_importance(files: list[FileChange]) -> list[FileChange]:
    """The reviewable files, most important first (kind, then lines changed, then path)."""
    reviewable = [f for f in files if f.skipped is None]
    return sorted(reviewable, key=lambda f: (KIND_ORDER.index(kind(f.path)), -(f.additions + f.deletions), f.path))


def pack(files: list[FileChange], budget: int = DEFAULT_CHUNK_TOKENS) -> list[Chunk]:
    """Pack the files' patches, in importance order, into chunks of at most `budget` tokens each.

    A patch bigger than the whole budget gets a chunk of its own, cut to the budget with a note telling the
    model to read the rest of the file itself.
    """
    chunks: list[Chunk] = []
    current = Chunk(1)
    for change in by_importance(files):
        patch = _fitted(change, budget)
        tokens = estimate_tokens(patch)
        if current.files and current.tokens + tokens > budget:
            chunks.append(current)
            current = Chunk(len(chunks) + 1)
        current.files.append(change)
        current.patches.append(patch)
        current.tokens += tokens
    if current.files:
        chunks.append(current)
    return chunks


def _fitted(change: FileChange, budget: int) -> str:
    limit = budget * CHARS_PER_TOKEN
    if len(change.patch) <= limit:
        return change.patch
    kept = change.patch[: limit - 200].rsplit("\n", 1)[0]
    cut = change.patch.count("\n") - kept.count("\n")
    return f"{kept}\n[gitagent: {cut} more lines of this patch cut to fit the budget; read {change.path} itself]\n"
