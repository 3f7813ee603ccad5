"""`gitagent review` in GitHub Actions: the event payload, annotations, the job summary, and posting to a fake
GitHub API that checks every request as GitHub documents it."""

import json
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from tests.conftest import run_cli
from tests.fakes.forge import diff_lines
from tests.fakes.github_api import TOKEN, FakeGitHub
from tests.review.conftest import (
    DIV_ZERO,
    OUTSIDE,
    TEST_NOTE,
    PullRequest,
    answer,
    commit_files,
    finding,
    review_script,
)

REPO = "octo/widgets"
NUMBER = 7


@pytest.fixture
def github(pr: PullRequest) -> Iterator[FakeGitHub]:
    server = FakeGitHub(REPO, NUMBER, pr.head, diff_lines(pr.path, pr.merge_base, pr.head))
    yield server
    server.close()


def actions_env(pr: PullRequest, tmp_path: Path, server: FakeGitHub, fork: bool = False, head: str | None = None):
    """The variables GitHub Actions sets for a pull_request run (and the token the workflow passes)."""
    head_repo = "someone/widgets" if fork else REPO
    event = {"action": "synchronize", "number": NUMBER, "pull_request": {
        "number": NUMBER,
        "base": {"ref": "main", "sha": pr.base, "repo": {"full_name": REPO}},
        "head": {"ref": "feature", "sha": head or pr.head, "repo": {"full_name": head_repo}},
    }}  # fmt: skip
    (tmp_path / "event.json").write_text(json.dumps(event))
    return {
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": server.api_url, "GITHUB_TOKEN": TOKEN,
        "GITHUB_SHA": "0" * 40,  # the test merge commit: must not be used
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
    }  # fmt: skip


def test_annotations_summary_and_one_posted_review(pr: PullRequest, tmp_path: Path, github: FakeGitHub) -> None:
    model = review_script(tmp_path, [answer("Adds compute().", DIV_ZERO, OUTSIDE, TEST_NOTE)])
    env = actions_env(pr, tmp_path, github)
    result = run_cli(pr.path, "review", "--format", "github", "--post", "--model", model, env=env)
    assert result.code == 1, result.err
    assert github.problems == []
    lines = result.out.splitlines()
    assert lines[0] == (
        "::error file=app.py,line=13,endLine=14,title=compute() divides by zero::`compute(0)` raises "
        "ZeroDivisionError.%0A%0ASuggested replacement:%0Adef compute(x):%0A    return 100 // x if x else 0%0A"
    )
    assert lines[1].startswith("::notice file=tests/test_app.py,line=4,endLine=5,title=Test only the happy path::")
    assert len(lines) == 2  # the finding outside the diff is in the summary, not an annotation
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("## gitagent review: 1 error, 1 warning, 1 note") and "`app.py:5`" in summary
    [review] = [r.body for r in github.calls("POST", f"/pulls/{NUMBER}/reviews")]
    assert review["commit_id"] == pr.head and review["event"] == "COMMENT"
    first, second = review["comments"]
    assert {k: first[k] for k in ("path", "line", "side", "start_line", "start_side")} == {
        "path": "app.py", "line": 14, "side": "RIGHT", "start_line": 13, "start_side": "RIGHT"}  # fmt: skip
    assert "```suggestion\ndef compute(x):\n    return 100 // x if x else 0\n```" in first["body"]
    assert second["path"] == "tests/test_app.py" and second["line"] == 5
    [comment] = github.issue_comments
    assert "VALUE_5 is unused" in comment["body"] and "<!-- gitagent-review-summary -->" in comment["body"]
    assert "posted 2 inline comments; added the summary" in result.err


def test_a_new_push_updates_the_summary_and_posts_only_new_findings(
    pr: PullRequest, tmp_path: Path, github: FakeGitHub
) -> None:
    first = review_script(tmp_path, [answer("first", DIV_ZERO)], name="first.json")
    assert run_cli(pr.path, "review", "--post", "--model", first, env=actions_env(pr, tmp_path, github)).code == 1
    head = commit_files(pr.path, {"util2.py": "def twice(x):\n    return x * 2\n"}, "push 2")
    github.head, github.diff = head, diff_lines(pr.path, pr.merge_base, head)
    extra = finding("util2.py", 1, 2, "warning", "twice() is untested", "No test calls it.")
    second = review_script(tmp_path, [answer("second", DIV_ZERO, extra)], name="second.json")
    env = actions_env(pr, tmp_path, github, head=head)
    result = run_cli(pr.path, "review", "--post", "--model", second, "--fail-on", "never", env=env)
    assert result.code == 0, result.err
    assert github.problems == []
    reviews = [r.body for r in github.calls("POST", f"/pulls/{NUMBER}/reviews")]
    assert len(reviews) == 2 and [c["path"] for c in reviews[1]["comments"]] == ["util2.py"]
    assert reviews[1]["commit_id"] == head
    assert len(github.issue_comments) == 1 and "second" in github.issue_comments[0]["body"]
    assert len(github.calls("PATCH")) == 1 and len(github.calls("POST", "/comments")) == 1
    assert "(1 already posted by an earlier run)" in result.err and "updated the summary" in result.err
    assert pygit2.Repository(str(pr.path)).references.get(f"refs/gitagent/reviews/pr-{NUMBER}/{head}") is not None


def test_comments_github_refuses_are_moved_into_the_review_body(
    pr: PullRequest, tmp_path: Path, github: FakeGitHub
) -> None:
    github.diff["app.py"].hunks = github.diff["app.py"].hunks[1:]  # GitHub's diff disagrees on the first hunk
    model = review_script(tmp_path, [answer("done", DIV_ZERO)])
    result = run_cli(pr.path, "review", "--post", "--model", model, env=actions_env(pr, tmp_path, github))
    assert result.code == 1 and github.problems == []
    refused, kept = [r.body for r in github.calls("POST", f"/pulls/{NUMBER}/reviews")]
    assert refused["comments"][0]["line"] == 14
    assert "comments" not in kept and "compute() divides by zero" in kept["body"]
    assert "return 100 // x if x else 0" in kept["body"]
    assert "1 as text (not placeable on lines)" in result.err and "part of the diff" in result.err


def test_a_fork_with_a_read_only_token_still_gets_annotations(pr: PullRequest, tmp_path: Path) -> None:
    server = FakeGitHub(REPO, NUMBER, pr.head, diff_lines(pr.path, pr.merge_base, pr.head), read_only=True)
    try:
        model = review_script(tmp_path, [answer("done", DIV_ZERO)])
        env = actions_env(pr, tmp_path, server, fork=True)
        result = run_cli(pr.path, "review", "--format", "github", "--post", "--model", model, env=env)
    finally:
        server.close()
    assert result.code == 1  # the findings' verdict, not a posting failure
    assert result.out.startswith("::error file=app.py,line=13")
    assert "comes from a fork" in result.err and "Resource not accessible by integration" in result.err


def test_post_without_a_token_fails_before_reviewing(pr: PullRequest, tmp_path: Path, github: FakeGitHub) -> None:
    env = {**actions_env(pr, tmp_path, github), "GITHUB_TOKEN": ""}
    result = run_cli(pr.path, "review", "--post", "--model", review_script(tmp_path, [answer("x")]), env=env)
    assert result.code == 2 and "GITHUB_TOKEN is not set" in result.err and "pull-requests: write" in result.err
    assert github.requests == []
    assert pygit2.Repository(str(pr.path)).references.get(f"refs/gitagent/reviews/pr-{NUMBER}/{pr.head}") is None


def test_post_outside_ci_says_it_needs_a_pull_request(pr: PullRequest, tmp_path: Path) -> None:
    result = run_cli(pr.path, "review", "--base", "main", "--post", "--model", "scripted:x.json")
    assert result.code == 2 and "needs a pull request" in result.err
