"""The change under review: its files, their hunks on the new side, and which files are skipped and why.

The diff is the merge base against the head, three lines of context and rename detection, as GitHub and
GitLab show a pull request, so a line valid here is a line they accept a comment on. Binary files, lock
files and generated files (by name, by a `@generated` / `DO NOT EDIT` header, or `linguist-generated` in
the *base* commit's `.gitattributes`, which the change cannot rewrite) are listed, not reviewed.
"""

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pygit2

from gitagent.errors import GitagentError
from gitagent.repomap.generated import HEADER_BYTES, generated_header
from gitagent.repomap.languages import language_of
from gitagent.workspace.git import run_git

CONTEXT_LINES = 3
SNIFF_BYTES = HEADER_BYTES
GIT_DEFAULTS = (
    "-c", "diff.algorithm=default", "-c", "diff.indentHeuristic=true", "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false", "-c", "diff.relative=false", "-c", "diff.interHunkContext=0",
    "-c", "diff.suppressBlankEmpty=false", "-c", "color.diff=false",
    "--no-pager",
)  # fmt: skip
"""The user's diff settings (another algorithm, no prefixes, …) must not make hunks differ from GitHub's."""
HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
BINARY_PATCH = re.compile(r"^Binary files .* differ$", re.MULTILINE)

LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "poetry.lock",
    "Pipfile.lock", "uv.lock", "pdm.lock", "Cargo.lock", "Gemfile.lock", "composer.lock", "go.sum",
    "mix.lock", "pubspec.lock", "Podfile.lock", "packages.lock.json", "flake.lock", "gradle.lockfile",
})  # fmt: skip
GENERATED_PATTERNS = (
    "*.min.js", "*.min.css", "*.map", "*_pb2.py", "*_pb2.pyi", "*_pb2_grpc.py", "*.pb.go", "*.pb.cc", "*.pb.h",
    "*_generated.*", "*.generated.*", "*.g.dart", "*.designer.cs", "vendor/*", "node_modules/*", "dist/*",
    "third_party/*", "*/vendor/*", "*/node_modules/*",
)  # fmt: skip
_STATUS = {"A": "added", "D": "deleted", "M": "modified", "R": "renamed", "C": "copied", "T": "typechange"}


@dataclass
class Hunk:
    """One hunk's new-side lines: its range, which lines it adds, and the old line of each context line."""

    new_start: int
    new_lines: int
    old_start: int
    old_lines: int
    added: set[int] = field(default_factory=set)
    context: dict[int, int] = field(default_factory=dict)
    deleted: int = 0

    @property
    def new_end(self) -> int:
        """The last new-side line the hunk shows."""
        return self.new_start + self.new_lines - 1

    def covers(self, start: int, end: int) -> bool:
        """Whether new-side lines `start`..`end` all lie inside this hunk."""
        return self.new_lines > 0 and self.new_start <= start <= end <= self.new_end


@dataclass
class FileChange:
    """One changed file: paths, status, size of the change, its patch and hunks, and why it is skipped."""

    path: str
    old_path: str
    status: str
    additions: int
    deletions: int
    patch: str = ""
    hunks: list[Hunk] = field(default_factory=list)
    skipped: str | None = None
    similarity: int | None = None
    """For a rename or copy, git's similarity score (the 61 of `R061`)."""

    def hunk_for(self, start: int, end: int) -> Hunk | None:
        """The hunk holding new-side lines `start`..`end`, if one does."""
        return next((h for h in self.hunks if h.covers(start, end)), None)

    @property
    def changed_ranges(self) -> list[tuple[int, int]]:
        """The new-side line ranges of the hunks, for telling the model where comments can go."""
        return [(h.new_start, h.new_end) for h in self.hunks if h.new_lines > 0]


def changed_files(repo: pygit2.Repository, merge_base: str, head: str) -> list[FileChange]:
    """Every file the change touches, in path order, with its hunks; skipped files keep no patch.

    Taken from `git diff -M` itself, not libgit2: git's indent heuristic places hunk edges where GitHub
    shows them, and its rename scoring is the one `git diff -M` and GitHub report.
    """
    base_commit = repo[merge_base].peel(pygit2.Commit)
    records, patches = _git_diff(Path(repo.path), merge_base, head)
    generated_attr = _generated_patterns(base_commit)
    files = []
    for record, patch in zip(records, patches, strict=True):
        change = FileChange(
            path=record.path, old_path=record.old_path, status=_STATUS.get(record.status, "modified"),
            additions=0, deletions=0, similarity=record.score,
        )  # fmt: skip
        hunks = _hunks(patch)
        change.additions = sum(len(h.added) for h in hunks)
        change.deletions = sum(h.deleted for h in hunks)
        change.skipped = _skip_reason(repo, record, patch, generated_attr)
        if change.skipped is None:
            change.patch, change.hunks = patch, hunks
        files.append(change)
    return sorted(files, key=lambda f: f.path)


@dataclass(frozen=True)
class _Record:
    """One `git diff --raw -z` entry: status letter, rename/copy score, paths, new mode and blob."""

    status: str
    score: int | None
    old_path: str
    path: str
    new_mode: str
    new_blob: str


def _git_diff(git_dir: Path, old: str, new: str) -> tuple[list[_Record], list[str]]:
    """git's own file list and per-file patches, with git's defaults whatever the user configured."""
    argv = [*GIT_DEFAULTS, "diff", "--patch-with-raw", "-z", "--no-abbrev", "-M", "-O/dev/null", f"-U{CONTEXT_LINES}"]
    proc = run_git([*argv, old, new, "--"], cwd=git_dir)
    output = proc.stdout
    records, offset = _raw_records(output)
    text = output[offset:].decode("utf-8", errors="replace")
    parts = text.split("\ndiff --git ") if text else []
    patches = parts[:1] + ["diff --git " + part for part in parts[1:]]
    if len(patches) != len(records):
        raise GitagentError(f"git diff gave {len(records)} files but {len(patches)} patches for {old}..{new}")
    return records, [p if p.endswith("\n") else p + "\n" for p in patches]


def _raw_records(output: bytes) -> tuple[list[_Record], int]:
    """Parse the `--raw -z` part (`:modes blobs status NUL path NUL [path NUL]`); return where the patch starts."""
    records: list[_Record] = []
    pos = 0
    while pos < len(output) and output[pos : pos + 1] == b":":
        meta_end = output.index(b"\0", pos)
        _, new_mode, _, new_blob, status = output[pos + 1 : meta_end].decode().split(" ")
        first_end = output.index(b"\0", meta_end + 1)
        old_path = path = os.fsdecode(output[meta_end + 1 : first_end])
        pos = first_end + 1
        if status[0] in "RC":
            second_end = output.index(b"\0", pos)
            path = os.fsdecode(output[pos:second_end])
            pos = second_end + 1
        score = int(status[1:]) if status[1:] else None
        records.append(_Record(status[0], score, old_path, path, new_mode, new_blob))
    return records, pos + 1 if records else pos


def _hunks(patch: str) -> list[Hunk]:
    """The hunks of one file's unified patch, with each new-side line's role."""
    hunks: list[Hunk] = []
    old_line = new_line = 0
    for line in patch.split("\n"):
        header = HUNK_HEADER.match(line)
        if header:
            old_start, old_count, new_start, new_count = (
                int(g) if g is not None else 1 for g in header.groups()
            )  # fmt: skip
            hunks.append(Hunk(new_start, new_count, old_start, old_count))
            old_line, new_line = old_start, new_start
        elif not hunks or not line:
            continue
        elif line[0] == "+":
            hunks[-1].added.add(new_line)
            new_line += 1
        elif line[0] == "-":
            hunks[-1].deleted += 1
            old_line += 1
        elif line[0] == " ":
            hunks[-1].context[new_line] = old_line
            old_line, new_line = old_line + 1, new_line + 1
    return hunks


def _skip_reason(repo: pygit2.Repository, record: _Record, patch: str, generated_attr: list[str]) -> str | None:
    path = record.path
    name = PurePosixPath(path).name
    if record.status == "D":
        return "deleted"
    if record.new_mode == "160000":
        return "submodule"
    if BINARY_PATCH.search(patch):
        return "binary"
    if name in LOCK_FILES:
        return "lock file"
    if any(fnmatch.fnmatch(path, p) for p in GENERATED_PATTERNS):
        return "generated (by name)"
    if any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(name, p) for p in generated_attr):
        return "generated (linguist-generated in .gitattributes)"
    head = _blob_head(repo, record.new_blob)
    if b"\0" in head:
        return "binary"
    if generated_header(head, language_of(path)):
        return "generated (header)"
    return None


def _blob_head(repo: pygit2.Repository, oid: str) -> bytes:
    try:
        return repo[oid].data[:SNIFF_BYTES]
    except (KeyError, ValueError):
        return b""


def _generated_patterns(commit: pygit2.Commit) -> list[str]:
    """Patterns the base commit's root `.gitattributes` marks `linguist-generated` or `linguist-vendored`."""
    if ".gitattributes" not in commit.tree:
        return []
    text = commit.tree[".gitattributes"].data.decode(errors="replace")
    patterns = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0].startswith("#"):
            continue
        if any(a in ("linguist-generated", "linguist-generated=true", "linguist-vendored") for a in parts[1:]):
            patterns.append(parts[0].lstrip("/").removesuffix("/**") + ("*" if parts[0].endswith("/**") else ""))
    return patterns
