"""Glob and Grep over real directories and real git repositories."""

import os
import subprocess
from pathlib import Path

import pytest

from gitagent.tools import Glob, Grep, ToolContext
from gitagent.tools.paths import glob_regex


def touch(root: Path, name: str, content: str = "", mtime: int | None = None) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*.py", ["a.py", ".hidden.py"], ["src/a.py", "a.pyc"]),
        ("**/*.py", ["a.py", "src/a.py", "src/deep/er/b.py"], ["a.pyc"]),
        ("src/**", ["src/a.py", "src/x/y"], ["src", "srcx/a"]),
        ("src/**/test_*.py", ["src/test_a.py", "src/x/y/test_b.py"], ["test_a.py", "src/x/atest_b.py"]),
        ("?.txt", ["a.txt"], ["ab.txt", "/.txt"]),
        ("file[0-9].txt", ["file1.txt"], ["filea.txt"]),
        ("file[!0-9].txt", ["filea.txt"], ["file1.txt", "file/.txt"]),
        ("**/*.{ts,tsx}", ["a.ts", "x/b.tsx"], ["c.js"]),
        ("a+b(1).txt", ["a+b(1).txt"], ["aab1.txt"]),
    ],
)
def test_glob_regex(pattern: str, matches: list[str], misses: list[str]) -> None:
    regex = glob_regex(pattern)
    assert [m for m in matches if regex.fullmatch(m)] == matches
    assert [m for m in misses if regex.fullmatch(m)] == []


def glob(ctx: ToolContext, pattern: str, **extra: object) -> str:
    result = Glob().run({"pattern": pattern, **extra}, ctx)
    assert not result.is_error, result.output
    return result.output


def test_glob_star_is_one_level_and_double_star_any(ctx: ToolContext, root: Path) -> None:
    for name in ("top.py", "src/mid.py", "src/pkg/deep.py", "README.md"):
        touch(root, name, mtime=1000)
    assert glob(ctx, "*.py") == "top.py"
    assert glob(ctx, "**/*.py").splitlines() == ["src/mid.py", "src/pkg/deep.py", "top.py"]
    assert glob(ctx, "*.py", path="src") == "src/mid.py"
    assert glob(ctx, "./src/*.py") == "src/mid.py"


def test_glob_newest_first(ctx: ToolContext, root: Path) -> None:
    touch(root, "old.txt", mtime=1_000_000)
    touch(root, "new.txt", mtime=3_000_000)
    touch(root, "mid.txt", mtime=2_000_000)
    assert glob(ctx, "*.txt").splitlines() == ["new.txt", "mid.txt", "old.txt"]


def test_glob_respects_gitignore_and_skips_git_dir(ctx: ToolContext, repo: Path) -> None:
    touch(repo, ".gitignore", "build/\n*.log\n")
    for name in ("src/a.py", "build/gen.py", "debug.log", "notes.txt"):
        touch(repo, name)
    files = glob(ctx, "**").splitlines()
    assert sorted(files) == [".gitignore", "notes.txt", "src/a.py"]
    assert glob(ctx, "**/*.py") == "src/a.py"


def test_glob_and_grep_in_a_subdirectory_of_a_repo(ctx: ToolContext, repo: Path) -> None:
    touch(repo, ".gitignore", "*.tmp\n")
    touch(repo, "top.py", "needle\n")
    touch(repo, "src/a.py", "needle\n")
    touch(repo, "src/b.tmp", "needle\n")
    touch(repo, "src/sub/c.py", "needle\n")
    assert sorted(glob(ctx, "**", path="src").splitlines()) == ["src/a.py", "src/sub/c.py"]
    assert grep(ctx, "needle", path="src", output_mode="count") == "src/a.py:1\nsrc/sub/c.py:1"


def test_glob_lists_tracked_files_and_not_deleted_ones(ctx: ToolContext, repo: Path) -> None:
    touch(repo, "kept.txt")
    touch(repo, "gone.txt")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    (repo / "gone.txt").unlink()
    assert glob(ctx, "*.txt") == "kept.txt"


def test_glob_without_git_walks_and_skips_dot_git(ctx: ToolContext, root: Path) -> None:
    touch(root, ".git/config")
    touch(root, "a/b.txt")
    assert glob(ctx, "**") == "a/b.txt"


def test_glob_no_match_is_not_an_error(ctx: ToolContext, root: Path) -> None:
    touch(root, "a.py")
    result = Glob().run({"pattern": "**/*.rs"}, ctx)
    assert (result.is_error, result.output) == (False, "No files matched '**/*.rs'")


def test_glob_caps_at_1000(ctx: ToolContext, root: Path) -> None:
    for i in range(1005):
        (root / f"f{i:04}.txt").write_text("")
    lines = glob(ctx, "*.txt").splitlines()
    assert len(lines) == 1001
    assert lines[-1] == "(Showing 1000 of 1005 files; 5 more not shown. Use a narrower pattern or path.)"


def test_glob_absolute_pattern_inside_root(ctx: ToolContext, root: Path) -> None:
    touch(root, "src/a.py")
    assert glob(ctx, f"{root}/src/*.py") == "src/a.py"
    result = Glob().run({"pattern": "/etc/*"}, ctx)
    assert result.is_error
    assert result.output == "pattern '/etc/*' is outside the worktree; use a pattern relative to it"


def test_glob_path_errors(ctx: ToolContext, root: Path, outside: Path) -> None:
    touch(root, "f.txt")
    (root / "out").symlink_to(outside)
    for path, message in [
        ("f.txt", "path 'f.txt' is not a directory"),
        ("nope", "'nope' does not exist"),
        ("out", "path 'out' is outside the worktree"),
        ("..", "path '..' is outside the worktree"),
    ]:
        result = Glob().run({"pattern": "*", "path": path}, ctx)
        assert result.is_error
        assert result.output.startswith(message)


def grep(ctx: ToolContext, pattern: str, **extra: object) -> str:
    result = Grep().run({"pattern": pattern, **extra}, ctx)
    assert not result.is_error, result.output
    return result.output


@pytest.fixture
def code(root: Path) -> Path:
    touch(root, "a.py", "import os\n\ndef main():\n    return os.getcwd()\n", mtime=1000)
    touch(root, "pkg/b.py", "def helper():\n    pass\n\n\ndef main():\n    helper()\n", mtime=2000)
    touch(root, "notes.md", "main ideas\n", mtime=3000)
    return root


def test_grep_files_with_matches_newest_first(ctx: ToolContext, code: Path) -> None:
    assert grep(ctx, r"def main") == "Found 2 files\npkg/b.py\na.py"
    assert grep(ctx, "main").splitlines()[1:] == ["notes.md", "pkg/b.py", "a.py"]


def test_grep_content_with_line_numbers(ctx: ToolContext, code: Path) -> None:
    assert (
        grep(ctx, r"^def ", output_mode="content")
        == "a.py:3:def main():\npkg/b.py:1:def helper():\npkg/b.py:5:def main():"
    )
    assert grep(ctx, r"helper\(\)$", output_mode="content", **{"-n": False}) == "pkg/b.py:    helper()"


def test_grep_content_with_context(ctx: ToolContext, code: Path) -> None:
    output = grep(ctx, "def main", output_mode="content", **{"-B": 1, "-A": 1})
    assert output.splitlines() == [
        "a.py-2-",
        "a.py:3:def main():",
        "a.py-4-    return os.getcwd()",
        "--",
        "pkg/b.py-4-",
        "pkg/b.py:5:def main():",
        "pkg/b.py-6-    helper()",
    ]
    output = grep(ctx, "def", path="pkg/b.py", output_mode="content", **{"-C": 1})
    assert output.splitlines() == [
        "pkg/b.py:1:def helper():",
        "pkg/b.py-2-    pass",
        "--",
        "pkg/b.py-4-",
        "pkg/b.py:5:def main():",
        "pkg/b.py-6-    helper()",
    ]


def test_grep_count_and_case_insensitive(ctx: ToolContext, code: Path) -> None:
    assert grep(ctx, "MAIN", output_mode="count") == "No matches found for 'MAIN'"
    assert grep(ctx, "MAIN", output_mode="count", **{"-i": True}) == "a.py:1\nnotes.md:1\npkg/b.py:1"


def test_grep_glob_filter(ctx: ToolContext, code: Path) -> None:
    assert grep(ctx, "main", glob="*.py") == "Found 2 files\npkg/b.py\na.py"
    assert grep(ctx, "main", glob="pkg/*.py") == "Found 1 file\npkg/b.py"
    assert grep(ctx, "main", glob="*.{md,txt}") == "Found 1 file\nnotes.md"


def test_grep_head_limit(ctx: ToolContext, code: Path) -> None:
    output = grep(ctx, ".", output_mode="content", head_limit=2)
    assert output.splitlines() == [
        "a.py:1:import os",
        "a.py:3:def main():",
        "(Showing 2 entries; 6 more not shown.)",
    ]


def test_grep_respects_gitignore_and_skips_binary(ctx: ToolContext, repo: Path) -> None:
    touch(repo, ".gitignore", "dist/\n")
    touch(repo, "src/app.js", "const token = 1\n")
    touch(repo, "dist/app.min.js", "const token = 1\n")
    (repo / "blob.bin").write_bytes(b"\0\0token\0")
    assert grep(ctx, "token") == "Found 1 file\nsrc/app.js"


def test_grep_skips_fifos_outside_git(ctx: ToolContext, root: Path) -> None:
    # Without git the listing comes from os.walk, which does return FIFOs; reading one would block.
    touch(root, "a.txt", "token\n")
    os.mkfifo(root / "token.fifo")
    assert grep(ctx, "token") == "Found 1 file\na.txt"


def test_grep_invalid_regex(ctx: ToolContext, code: Path) -> None:
    result = Grep().run({"pattern": "def (main"}, ctx)
    assert result.is_error
    assert result.output == "invalid regular expression 'def (main': missing ), unterminated subpattern at position 4"


def test_grep_no_match_is_not_an_error(ctx: ToolContext, code: Path) -> None:
    result = Grep().run({"pattern": "zebra"}, ctx)
    assert (result.is_error, result.output) == (False, "No matches found for 'zebra'")


def test_grep_never_reads_outside(ctx: ToolContext, root: Path, outside: Path) -> None:
    touch(root, "inside.txt", "top secret? no\n")
    (root / "link.txt").symlink_to(outside / "secret.txt")
    (root / "linkdir").symlink_to(outside)
    assert grep(ctx, "top secret", output_mode="content") == "inside.txt:1:top secret? no"
    for path in ("link.txt", "linkdir", "..", str(outside)):
        result = Grep().run({"pattern": "secret", "path": path}, ctx)
        assert result.is_error
        assert f"path '{path}' is outside the worktree" in result.output
