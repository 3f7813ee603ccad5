"""Finding the commits to compare: merge bases, missing commits fetched by id, shallow clones deepened."""

import shutil
import subprocess
from pathlib import Path

import pytest

from gitagent.errors import GitagentError
from gitagent.review.git import is_shallow, merge_base, resolve
from tests.conftest import git, run_cli
from tests.review.conftest import DIV_ZERO, PullRequest, answer, bare_origin, commit_files, review_script, shallow_clone


def ci_checkout(origin: Path, into: Path, ref: str) -> Path:
    """What actions/checkout does for a pull request: fetch one commit (depth 1) and check it out."""
    into.mkdir()
    for args in (
        ["init", "-q"],
        ["remote", "add", "origin", f"file://{origin}"],
        ["fetch", "-q", "--no-tags", "--depth=1", "origin", ref],
        ["checkout", "-q", "FETCH_HEAD"],
    ):
        git(into, *args)  # fmt: skip
    return into


def test_merge_base_of_a_full_clone_needs_no_fetch(pr: PullRequest) -> None:
    revisions = merge_base(pr.path, resolve(pr.path, "main", "base"), resolve(pr.path, "HEAD", "head"))
    assert (revisions.base, revisions.head, revisions.merge_base, revisions.deepened) == (
        pr.base, pr.head, pr.merge_base, 0)  # fmt: skip


def test_a_shallow_clone_is_deepened_until_the_merge_base_resolves(pr: PullRequest, tmp_path: Path) -> None:
    origin = bare_origin(pr, tmp_path / "origin.git")
    clone = shallow_clone(origin, tmp_path / "clone", "feature")
    assert is_shallow(clone) and git(clone, "rev-list", "--count", "HEAD").strip() == "1"
    base = resolve(clone, pr.base, "base")  # not in the clone: fetched by id
    revisions = merge_base(clone, base, resolve(clone, "HEAD", "head"), steps=(1, 1, 1))
    assert revisions.merge_base == pr.merge_base and revisions.deepened == 2


def test_too_deep_a_merge_base_fails_with_the_setting_to_add(pr: PullRequest, tmp_path: Path) -> None:
    for n in range(4):
        commit_files(pr.path, {f"more_{n}.py": "x = 1\n"}, f"more {n}")
    head = git(pr.path, "rev-parse", "HEAD").strip()
    origin = bare_origin(pr, tmp_path / "origin.git")
    clone = shallow_clone(origin, tmp_path / "clone", "feature")
    with pytest.raises(GitagentError) as caught:
        merge_base(clone, resolve(clone, pr.base, "base"), head, steps=(1, 1))
    assert "more than 2 commits deep" in caught.value.message
    assert "fetch-depth: 0" in caught.value.hint and "GIT_DEPTH: 0" in caught.value.hint


def test_unknown_revisions_are_named(pr: PullRequest) -> None:
    with pytest.raises(GitagentError, match="unknown revision 'no-such-branch' for the base"):
        resolve(pr.path, "no-such-branch", "the base")


def test_review_in_a_github_style_shallow_checkout(pr: PullRequest, tmp_path: Path) -> None:
    """The CI checked out only the test merge commit; the review fetches base and head and deepens."""
    origin = bare_origin(pr, tmp_path / "origin.git")
    merge = subprocess.run(["git", "merge-tree", "--write-tree", pr.base, pr.head], cwd=origin,
                           capture_output=True, text=True, check=True).stdout.split()[0]  # fmt: skip
    merge_commit = git(origin, "commit-tree", merge, "-p", pr.base, "-p", pr.head, "-m", "Merge").strip()
    git(origin, "update-ref", "refs/pull/7/merge", merge_commit)
    clone = ci_checkout(origin, tmp_path / "ci", "refs/pull/7/merge")
    model = review_script(tmp_path, [answer("done", DIV_ZERO)])
    result = run_cli(clone, "review", "--base", pr.base, "--head", pr.head, "--model", model, "--fail-on", "never")
    assert result.code == 0, result.err
    assert "deepened the shallow clone by 50 commits" in result.err
    assert "`app.py:13-14`: **compute() divides by zero**" in result.out
    assert f"merge base `{pr.merge_base[:12]}`" in result.out


def test_a_shallow_clone_whose_remote_is_gone_says_how_to_fix_it(pr: PullRequest, tmp_path: Path) -> None:
    origin = bare_origin(pr, tmp_path / "origin.git")
    clone = shallow_clone(origin, tmp_path / "clone", "feature")
    git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    shutil.rmtree(origin)
    result = run_cli(clone, "review", "--base", "origin/main", "--model", "scripted:none.json")
    assert result.code == 2
    assert "cannot deepen this shallow clone" in result.err and "fetch-depth: 0" in result.err


def test_a_failed_fetch_says_gits_reason_on_one_line(pr: PullRequest, tmp_path: Path) -> None:
    """git's advice lines ("Please make sure you have the correct access rights / and the repository exists.")
    are not the reason: the review names the remote and what git said was wrong."""
    origin = bare_origin(pr, tmp_path / "origin.git")
    clone = shallow_clone(origin, tmp_path / "clone", "main")
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = run_cli(clone, "review", "--base", "origin/main", "--head", "d" * 40, "--model", "scripted:none.json")
    assert result.code == 2
    first = result.err.strip().splitlines()[0]
    assert first == (
        f"gitagent: error: the head commit {'d' * 40} is not in this clone and fetching it from origin failed: "
        f"'{tmp_path / 'gone.git'}' does not appear to be a git repository; Could not read from remote repository."
    )
    assert "and the repository exists" not in result.err
    assert "git remote -v" in result.err
