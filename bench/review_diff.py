"""The review's diff against git's, file for file, on real merges (issue 21).

For each merge commit M of a real repository, the change its second parent brought (`git merge-base M^1 M^2`
to `M^2`, what the pull request showed) is collected by `gitagent review`'s `changed_files` and compared
with git's own output: `git diff -M --name-status` (the files, statuses and rename scores), `git diff -M
--numstat` (lines added and removed) and, for every file the review reads, the `@@` headers and added lines
of `git diff -M` for that file. Any difference is printed. Also timed against `git diff -M` of the range.

Default: sympy's history (the `--repo` work tree or clone, e.g. `git clone https://github.com/sympy/sympy`)
and three of its merges: a 6-file pull request (e9a0fd33e7), a 53-file one (a777382032) and a 1,041-file
branch merge whose range renames masses.rst with 61% similarity (1e5316d5c3).

Run: python bench/review_diff.py --repo PATH [MERGE ...]
"""

import re
import sys
import time
from pathlib import Path

import pygit2
from common import Check, git, report

from gitagent.review.diff import FileChange, changed_files

MERGES = ["e9a0fd33e7", "a777382032", "1e5316d5c3"]
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def gits_view(root: Path, base: str, head: str) -> dict[str, tuple[str, str, str]]:
    """Per new path: git's status with score, old path, and `added<TAB>deleted`."""
    statuses = {}
    for line in git(["-c", "core.quotePath=false", "diff", "-M", "--name-status", base, head], root).splitlines():
        status, *paths = line.split("\t")
        statuses[paths[-1]] = (status, paths[0])
    counts = {}
    raw = git(["-c", "core.quotePath=false", "diff", "-M", "--numstat", "-z", base, head], root).split("\0")
    i = 0
    while i < len(raw) - 1:
        added, deleted, path = raw[i].split("\t", 2)
        if not path:  # a rename: the old and new paths follow
            path = raw[i + 2]
            i += 2
        counts[path] = f"{added}\t{deleted}".replace("-\t-", "0\t0")
        i += 1
    return {path: (*statuses[path], counts[path]) for path in statuses}


def hunks_of(patch: str) -> tuple[list[str], list[int]]:
    """The `@@` ranges and the added new-side lines of a unified patch."""
    headers: list[str] = []
    added: list[int] = []
    line = 0
    for text in patch.splitlines():
        match = HUNK.match(text)
        if match:
            a, b, c, d = match.groups()
            headers.append(f"-{a},{b or 1} +{c},{d or 1}")
            line = int(c)
        elif headers and text[:1] == "+":
            added.append(line)
            line += 1
        elif headers and text[:1] == " ":
            line += 1
    return headers, added


def ours(change: FileChange) -> tuple[str, str, str]:
    status = change.status[0].upper() + (f"{change.similarity:03d}" if change.similarity is not None else "")
    return status, change.old_path, f"{change.additions}\t{change.deletions}"


def compare(root: Path, merge: str) -> tuple[str, int, float, float]:
    """(summary, differences, ms of changed_files, ms of `git diff -M`) for one merge."""
    base = git(["merge-base", f"{merge}^1", f"{merge}^2"], root).strip()
    head = git(["rev-parse", f"{merge}^2"], root).strip()
    started = time.perf_counter()
    files = changed_files(pygit2.Repository(str(root)), base, head)
    ours_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    git(["diff", "-M", base, head], root)
    git_ms = (time.perf_counter() - started) * 1000
    expected = gits_view(root, base, head)
    problems = []
    if [f.path for f in files] != sorted(expected):
        problems.append(f"file lists differ: {sorted(set(expected) ^ {f.path for f in files})[:5]}")
    hunked = 0
    for change in files:
        if change.path in expected and ours(change) != expected[change.path]:
            problems.append(f"{change.path}: ours {ours(change)}, git {expected[change.path]}")
        if change.skipped is None:
            hunked += 1
            patch = git(["diff", "-M", base, head, "--", change.old_path, change.path], root)
            theirs = hunks_of(patch)
            mine = ([f"-{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines}" for h in change.hunks],
                    sorted(n for h in change.hunks for n in h.added))  # fmt: skip
            if mine != theirs:
                problems.append(f"{change.path}: hunks {mine[0][:3]} vs git {theirs[0][:3]}")
    renames = sorted(ours(f)[0] + " " + f.path for f in files if f.similarity is not None and f.similarity < 100)
    summary = (
        f"{merge}: {len(files):,} files ({hunked:,} with hunks compared), {len(problems)} differences; "
        f"renames below 100%: {', '.join(renames[:3]) or 'none'}"
    )
    for problem in problems[:10]:
        summary += f"\n      {problem}"
    return summary, len(problems), ours_ms, git_ms


def main() -> list[Check]:
    """Compare every merge named (or the default three) and report the differences."""
    args = sys.argv[1:]
    if "--repo" not in args:
        sys.exit(
            "usage: python bench/review_diff.py --repo PATH [MERGE ...]  (a clone of sympy/sympy for the defaults)"
        )
    at = args.index("--repo")
    root = Path(args[at + 1]).resolve()
    merges = args[:at] + args[at + 2 :] or MERGES
    figures, differences = [], 0
    for merge in merges:
        summary, count, ours_ms, git_ms = compare(root, merge)
        differences += count
        figures.append(f"{summary}\n      changed_files {ours_ms:.0f} ms, git diff -M {git_ms:.0f} ms")
    checks = [Check(f"files or hunks unlike git's, {len(merges)} merges", differences, 0, "")]
    report("review_diff", f"gitagent review's diff against `git diff -M` on {root.name}", figures, checks)
    return checks


if __name__ == "__main__":
    main()
