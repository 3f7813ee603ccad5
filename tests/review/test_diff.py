"""The review's diff is git's diff: the same files, statuses, renames, line counts and hunks as `git diff -M`."""

import random
import re
from pathlib import Path

import pygit2

from gitagent.review.diff import FileChange, changed_files
from tests.conftest import git
from tests.review.conftest import commit_files

KEYS = """class AssumptionKeys:
    @memoize_property
    def integer(self):
        from .handlers.sets import IntegerPredicate
        return IntegerPredicate()

    @memoize_property
    def rational(self):
        from .handlers.sets import RationalPredicate
        return RationalPredicate()
"""
NONINTEGER = """        return IntegerPredicate()

    @memoize_property
    def noninteger(self):
        from .predicates.sets import NonIntegerPredicate
        return NonIntegerPredicate()
"""
WORDS = ["mass", "body", "frame", "point", "inertia", "particle", "rigid", "velocity", "system", "vector", "angular"]


def new_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Ada Tester")
    git(path, "config", "user.email", "ada@example.com")
    return path


def git_view(path: Path, old: str, new: str) -> dict[str, tuple[str, str, str, list[str], list[int]]]:
    """Per new path, from git's own porcelain output: (status with score, old path, numstat, hunk headers,
    added new-side lines)."""
    view = {}
    for line in git(path, "-c", "core.quotePath=false", "diff", "-M", "--name-status", old, new).splitlines():
        status, *paths = line.split("\t")
        patch = git(path, "diff", "-M", old, new, "--", *paths)
        numstat = git(path, "diff", "-M", "--numstat", old, new, "--", *paths).split("\t")[:2]
        view[paths[-1]] = (status, paths[0], "\t".join(numstat), *_hunks_of(patch))
    return view


def _hunks_of(patch: str) -> tuple[list[str], list[int]]:
    headers, added, line = [], [], 0
    for text in patch.splitlines():
        match = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", text)
        if match:
            old_start, old_count, new_start, new_count = match.groups()
            headers.append(f"-{old_start},{old_count or 1} +{new_start},{new_count or 1}")
            line = int(new_start)
        elif headers and text.startswith("+"):
            added.append(line)
            line += 1
        elif headers and text.startswith(" "):
            line += 1
    return headers, added


def assert_same_as_git(path: Path, old: str, new: str) -> None:
    """The file list, statuses, line counts and (for reviewed files) hunks equal git's."""
    expected = git_view(path, old, new)
    files = changed_files(pygit2.Repository(str(path)), old, new)
    assert [f.path for f in files] == sorted(expected)
    for f in files:
        status, old_path, numstat, headers, added = expected[f.path]
        assert _view(f)[:3] == (status, old_path, numstat if numstat != "-\t-" else "0\t0"), f.path
        if f.skipped is None:
            assert _view(f)[3:] == (headers, added), f.path


def _view(f: FileChange) -> tuple[str, str, str, list[str], list[int]]:
    status = f.status[0].upper() + (f"{f.similarity:03d}" if f.similarity is not None else "")
    headers = [f"-{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines}" for h in f.hunks]
    added = sorted(n for h in f.hunks for n in h.added)
    return (status, f.old_path, f"{f.additions}\t{f.deletions}", headers, added)


def test_hunks_follow_gits_indent_heuristic(tmp_path: Path) -> None:
    """A method inserted before one with the same decorator: git (and GitHub) show the new method whole."""
    repo = new_repo(tmp_path / "repo")
    base = commit_files(repo, {"ask.py": KEYS}, "keys")
    head = commit_files(repo, {"ask.py": KEYS.replace("        return IntegerPredicate()\n", NONINTEGER)}, "add")
    assert_same_as_git(repo, base, head)
    change = changed_files(pygit2.Repository(str(repo)), base, head)[0]
    assert change.hunks[0].new_start == 4
    assert sorted(change.hunks[0].added) == [7, 8, 9, 10, 11]  # the blank line, decorator and the new method


def test_renames_are_the_ones_git_reports(tmp_path: Path) -> None:
    """A page moved and much rewritten is an add and a delete to git (no rename is invented), while one moved
    and lightly edited is a rename with git's score."""
    repo = new_repo(tmp_path / "repo")
    rng = random.Random(0)
    sentence = lambda: " ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + "."  # noqa: E731
    masses = ["Masses, Inertias, Particles and Rigid Bodies", "=" * 44, ""]
    for i in range(12):
        masses += [f"Section {i}", "-" * 10, "", *(sentence() for _ in range(5)), ""]
    bodies = ["Bodies", "======", "", *(sentence() for _ in range(30))]
    base = commit_files(repo, {"masses.rst": "\n".join(masses) + "\n", "bodies.rst": "\n".join(bodies) + "\n"}, "docs")
    rewritten = [
        sentence() if line and not line.startswith(("-", "=", "Section")) and rng.random() < 0.55 else line
        for line in masses
    ]
    edited = bodies[:-4] + [sentence() for _ in range(4)]
    git(repo, "rm", "-q", "masses.rst", "bodies.rst")
    head = commit_files(
        repo,
        {"doc/explanation/masses.rst": "\n".join(rewritten) + "\n", "doc/api/bodies.rst": "\n".join(edited) + "\n"},
        "move the docs",
    )
    assert {path: view[0][0] for path, view in git_view(repo, base, head).items()} == {
        "doc/api/bodies.rst": "R", "doc/explanation/masses.rst": "A", "masses.rst": "D",
    }  # fmt: skip
    assert_same_as_git(repo, base, head)


def test_the_users_diff_settings_do_not_change_the_hunks(tmp_path: Path) -> None:
    """Another algorithm, no indent heuristic, no prefixes in git config: the review still sees git's defaults."""
    repo = new_repo(tmp_path / "repo")
    base = commit_files(repo, {"ask.py": KEYS}, "keys")
    head = commit_files(repo, {"ask.py": KEYS.replace("        return IntegerPredicate()\n", NONINTEGER)}, "add")
    for key, value in [("diff.algorithm", "histogram"), ("diff.indentHeuristic", "false"), ("diff.noprefix", "true")]:
        git(repo, "config", key, value)
    change = changed_files(pygit2.Repository(str(repo)), base, head)[0]
    assert [(h.new_start, sorted(h.added)) for h in change.hunks] == [(4, [7, 8, 9, 10, 11])]
    assert change.patch.startswith("diff --git a/ask.py b/ask.py\n")


def test_odd_paths_modes_and_binaries_match_git(tmp_path: Path) -> None:
    """Spaces and non-ASCII in names, a mode-only change, a binary and a file without a final newline."""
    repo = new_repo(tmp_path / "repo")
    files: dict[str, str | bytes] = {
        "my docs/über notes.md": "one\ntwo\nthree\n", "run.sh": "echo hi\n", "logo.png": b"\x89PNG\0\0\1",
        "last.txt": "a\nb",
    }  # fmt: skip
    base = commit_files(repo, files, "base")
    (repo / "run.sh").chmod(0o755)
    head = commit_files(
        repo, {"my docs/über notes.md": "one\n2\nthree\n", "logo.png": b"\x89PNG\0\0\2", "last.txt": "a\nc"}, "edit"
    )
    assert set(git_view(repo, base, head)) == {"my docs/über notes.md", "run.sh", "logo.png", "last.txt"}
    assert_same_as_git(repo, base, head)
    skipped = {f.path: f.skipped for f in changed_files(pygit2.Repository(str(repo)), base, head)}
    assert skipped["logo.png"] == "binary"


def test_only_a_generators_header_skips_a_file_as_generated(tmp_path: Path) -> None:
    """Words like "DO NOT EDIT" in a string or a later comment are code to review; a header is not."""
    repo = new_repo(tmp_path / "repo")
    template = 'import os\n\nHEADER = "# *** GENERATED BY antlr, DO NOT EDIT BY HAND ***"\n\n\ndef header():\n'
    base = commit_files(repo, {"build_parser.py": template + "    return HEADER\n", "parser.py": "x = 1\n"}, "base")
    head = commit_files(
        repo,
        {"build_parser.py": template + "    return HEADER + os.linesep\n",
         "parser.py": "# *** GENERATED BY antlr, DO NOT EDIT BY HAND ***\nx = 2\n"},
        "regenerate",
    )  # fmt: skip
    skipped = {f.path: f.skipped for f in changed_files(pygit2.Repository(str(repo)), base, head)}
    assert skipped == {"build_parser.py": None, "parser.py": "generated (header)"}
