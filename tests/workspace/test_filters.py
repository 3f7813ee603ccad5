"""`.gitattributes` filter drivers and line-ending rules: a snapshot records what `git add` would, so `export`
commits cleaned content and `apply` writes smudged content into the checkout."""

import codecs
from pathlib import Path

import pygit2
import pytest

from gitagent.errors import GitagentError
from gitagent.workspace import worktree as wt
from gitagent.workspace.snapshot import take_snapshot
from tests.conftest import git, tool
from tests.workspace.test_snapshot import git_write_tree

ROT13 = "tr A-Za-z N-ZA-Mn-za-m"


def rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


@pytest.fixture
def filtered(repo: Path) -> Path:
    """`repo` with a rot13 clean/smudge driver on *.secret and CRLF line endings on *.txt, one file of each."""
    git(repo, "config", "filter.rot13.clean", ROT13)
    git(repo, "config", "filter.rot13.smudge", ROT13)
    (repo / ".gitattributes").write_text("*.secret filter=rot13\n*.txt text eol=crlf\n")
    (repo / "a.secret").write_text("Hello World\n")
    (repo / "notes.txt").write_text("one\ntwo\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "filtered files")
    return repo


def _worktree(repo: Path) -> wt.Worktree:
    r = pygit2.Repository(str(repo))
    worktree = wt.worktree_for(r, "f")
    wt.create(worktree, r.head.target)
    return worktree


def test_snapshot_cleans_like_git_add(filtered: Path) -> None:
    worktree = _worktree(filtered)
    root = worktree.path
    assert (root / "a.secret").read_text() == "Hello World\n"  # the worktree holds smudged files
    (root / "a.secret").write_text("Hello Again\n")
    (root / "b.secret").write_text("New Secret\n")
    (root / "notes.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    tree = take_snapshot(worktree).tree
    assert str(tree) == git_write_tree(root)
    r = pygit2.Repository(str(filtered))
    assert r[tree]["b.secret"].data.decode() == rot13("New Secret\n")
    assert r[tree]["notes.txt"].data == b"one\ntwo\nthree\n"
    assert take_snapshot(worktree).tree == tree  # stable: nothing is cleaned into something else next time
    assert git(root, "diff", "--name-only") == ""  # the index knows the files as they are


def test_a_failing_driver_is_refused_with_the_fix(filtered: Path) -> None:
    git(filtered, "config", "filter.rot13.clean", "false")
    git(filtered, "config", "filter.rot13.required", "true")
    worktree = _worktree(filtered)
    (worktree.path / "c.secret").write_text("x\n")
    with pytest.raises(GitagentError) as caught:
        take_snapshot(worktree)
    assert "c.secret" in caught.value.message and "filter.NAME.clean" in str(caught.value.hint)


def test_export_commits_cleaned_content_and_apply_writes_smudged_files(filtered: Path, cli, script) -> None:
    edits = [
        tool("Write", file_path="b.secret", content="Brand New\n"),
        tool("Edit", file_path="a.secret", old_string="World", new_string="There"),
    ]
    cli("run", "-c", "f", "--model", script(edits), "edit the secrets")
    cli("export", "f", "filtered-branch")
    r = pygit2.Repository(str(filtered))
    exported = r.revparse_single("filtered-branch").peel(pygit2.Commit).tree
    assert exported["b.secret"].data.decode() == rot13("Brand New\n")
    assert exported["a.secret"].data.decode() == rot13("Hello There\n")
    cli("apply", "f")
    assert (filtered / "b.secret").read_text() == "Brand New\n"
    assert (filtered / "a.secret").read_text() == "Hello There\n"
    assert git(filtered, "diff", "--stat").strip().startswith("a.secret | 2")
