"""Which change to review: GitHub's event payload, GitLab's variables, the local upstream; and clear errors."""

import json
from pathlib import Path

import pytest

from gitagent.errors import GitagentError
from gitagent.review.ci import detect, review_key
from tests.conftest import git, run_cli
from tests.review.conftest import DIV_ZERO, PullRequest, answer, bare_origin, review_script


def test_github_reads_the_pull_request_event_not_github_sha(tmp_path: Path) -> None:
    event = {"pull_request": {"number": 12, "base": {"sha": "b" * 40, "repo": {"full_name": "o/r"}},
                              "head": {"sha": "h" * 40, "repo": {"full_name": "fork/r"}}}}  # fmt: skip
    (tmp_path / "event.json").write_text(json.dumps(event))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_SHA": "m" * 40,
        "GITHUB_REPOSITORY": "o/r",
    }
    target = detect(env, tmp_path, None, None)
    assert (target.provider, target.base, target.head, target.key, target.number, target.fork) == (
        "github", "b" * 40, "h" * 40, "pr-12", 12, True)  # fmt: skip
    assert target.api_url == "https://api.github.com" and target.project == "o/r"
    ghes = detect({**env, "GITHUB_API_URL": "https://ghe.example/api/v3/"}, tmp_path, "main", None)
    assert ghes.api_url == "https://ghe.example/api/v3" and ghes.base == "main" and ghes.head == "h" * 40


def test_gitlab_reads_the_merge_request_variables(tmp_path: Path) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "5",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": "b" * 40,
        "CI_COMMIT_SHA": "c" * 40,
        "CI_PROJECT_ID": "9",
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
    }
    target = detect(env, tmp_path, None, None)
    assert (target.provider, target.base, target.head, target.key, target.project, target.fork) == (
        "gitlab", "b" * 40, "c" * 40, "mr-5", "9", False)  # fmt: skip
    merged_results = detect({**env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "s" * 40}, tmp_path, None, None)
    assert merged_results.head == "s" * 40  # CI_COMMIT_SHA is then the merged result


def test_locally_the_upstream_is_the_base(pr: PullRequest, tmp_path: Path) -> None:
    origin = bare_origin(pr, tmp_path / "origin.git")
    git(pr.path, "remote", "add", "origin", str(origin))
    git(pr.path, "fetch", "-q", "origin")
    git(pr.path, "branch", "-q", "-u", "origin/main")
    target = detect({}, pr.path, None, None)
    assert (target.provider, target.base, target.head, target.key) == ("local", "origin/main", "HEAD", "feature")
    result = run_cli(pr.path, "review", "-f", "json", "-m", review_script(tmp_path, [answer("ok", DIV_ZERO)]), "-q")
    report = json.loads(result.out)
    assert report["merge_base"] == pr.merge_base and report["ref"] == f"refs/gitagent/reviews/feature/{pr.head}"


def test_review_keys_are_safe_ref_parts() -> None:
    assert review_key("feature/login") == "feature/login"
    assert review_key("a b..c") == "a-b-c" and review_key("x.lock") == "x" and review_key("a//b") == "a-b"
    assert review_key("..") == "change" and review_key("@{x}") == "x" and review_key("f/.hidden") == "f/-hidden"


def test_no_upstream_and_no_base_says_what_to_pass(pr: PullRequest) -> None:
    with pytest.raises(GitagentError) as caught:
        detect({}, pr.path, None, None)
    assert "no --base given and branch 'feature' has no upstream" in caught.value.message
    assert "--base origin/main" in caught.value.hint
    result = run_cli(pr.path, "review", "--model", "scripted:x.json")
    assert result.code == 2 and "has no upstream" in result.err


def test_clear_errors_for_bad_input(pr: PullRequest, tmp_path: Path) -> None:
    model = review_script(tmp_path, [answer("ok")])
    unknown = run_cli(pr.path, "review", "--base", "nope", "--model", model)
    assert unknown.code == 2 and "unknown revision 'nope' for the base" in unknown.err
    outside = run_cli(tmp_path, "review", "--base", "main", "--model", model)
    assert outside.code == 2 and "not a git repository" in outside.err
    bad_fail_on = run_cli(pr.path, "review", "--base", "main", "--fail-on", "sometimes")
    assert bad_fail_on.code == 2 and "'sometimes' is not one of" in bad_fail_on.err
    help_text = run_cli(pr.path, "review", "--help").out
    for option in ("--base", "--head", "--format", "--fail-on", "--post", "--model", "--max-cost", "--output-dir"):
        assert option in help_text


def test_a_local_review_is_keyed_by_the_branch_under_review_not_the_one_checked_out(pr: PullRequest) -> None:
    """Checked out on main, reviewing the feature branch by name, by its tip's id, or a commit on no branch."""
    git(pr.path, "checkout", "-q", "main")
    assert detect({}, pr.path, "main", "feature").key == "feature"
    assert detect({}, pr.path, pr.merge_base, pr.head).key == "feature"
    assert detect({}, pr.path, "main", pr.head[:10]).key == "feature"
    git(pr.path, "update-ref", "refs/remotes/origin/topic/login", pr.base)
    assert detect({}, pr.path, pr.merge_base, "origin/topic/login").key == "topic/login"
    inner = git(pr.path, "rev-parse", "feature~1").strip()
    assert detect({}, pr.path, "main", inner).key == f"commit-{inner[:12]}"
    assert detect({}, pr.path, "origin/main", None).key == "main"
