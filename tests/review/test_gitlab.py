"""`gitagent review` in a GitLab merge-request pipeline: the CI variables, the Code Quality report, and
discussions posted to a fake GitLab API that checks positions as GitLab does."""

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.fakes.forge import diff_lines
from tests.fakes.gitlab_api import TOKEN, FakeGitLab
from tests.review.conftest import DIV_ZERO, OUTSIDE, TEST_NOTE, PullRequest, answer, finding, review_script

PROJECT, IID = 42, 3


def gitlab_env(pr: PullRequest, server: FakeGitLab) -> dict[str, str]:
    """What GitLab CI sets in a merge-request pipeline (plus the project token the job is given)."""
    return {
        "GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": str(IID), "CI_PROJECT_ID": str(PROJECT),
        "CI_MERGE_REQUEST_PROJECT_ID": str(PROJECT), "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": str(PROJECT),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": pr.merge_base, "CI_COMMIT_SHA": pr.head,
        "CI_API_V4_URL": server.api_url, "GITLAB_TOKEN": TOKEN, "CI_JOB_TOKEN": "job-token-not-used",
    }  # fmt: skip


def test_merge_request_discussions_code_quality_and_summary_note(pr: PullRequest, tmp_path: Path) -> None:
    refs = {"base_sha": pr.merge_base, "start_sha": pr.base, "head_sha": pr.head}
    server = FakeGitLab(PROJECT, IID, refs, diff_lines(pr.path, pr.merge_base, pr.head))
    context_line = finding("app.py", 9, 10, "warning", "Magic numbers", "Name VALUE_10.")  # unchanged lines
    model = review_script(tmp_path, [answer("Reviewed.", DIV_ZERO, OUTSIDE, TEST_NOTE, context_line)])
    out = tmp_path / "reports"
    try:
        args = ("review", "--format", "gitlab,markdown", "-o", str(out), "--post", "--model", model)
        result = run_cli(pr.path, *args, env=gitlab_env(pr, server))
        again = run_cli(pr.path, *args, env=gitlab_env(pr, server))
    finally:
        server.close()
    assert result.code == 1 and again.code == 1, result.err + again.err
    assert server.problems == []
    positions = {d["notes"][0]["position"]["new_line"]: d["notes"][0] for d in server.discussions}
    assert sorted(positions) == [5, 10, 14]
    div = positions[14]
    assert div["position"] == {**refs, "position_type": "text", "new_path": "app.py", "old_path": "app.py",
                               "new_line": 14}  # fmt: skip
    assert "```suggestion:-1+0\ndef compute(x):\n    return 100 // x if x else 0\n```" in div["body"]
    assert positions[10]["position"]["old_line"] == 10  # a context line carries both line numbers
    assert positions[5]["position"]["new_path"] == "tests/test_app.py"
    assert len(server.notes) == 1 and "VALUE_5 is unused" in server.notes[0]["body"]
    assert len(server.calls("PUT")) == 1 and "updated the summary" in again.err
    assert len(server.calls("POST", "/discussions")) == 3  # the second run posted nothing again
    quality = json.loads((out / "gl-code-quality-report.json").read_text())
    assert {q["severity"] for q in quality} == {"critical", "major", "info"}
    for issue in quality:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert set(issue["location"]) == {"path", "lines"} and isinstance(issue["location"]["lines"]["begin"], int)
    assert len({q["fingerprint"] for q in quality}) == len(quality)
    assert f"refs/gitagent/reviews/mr-{IID}/{pr.head}" in result.err


def test_a_line_gitlab_refuses_becomes_a_general_discussion(pr: PullRequest, tmp_path: Path) -> None:
    refs = {"base_sha": pr.merge_base, "start_sha": pr.base, "head_sha": pr.head}
    diff = diff_lines(pr.path, pr.merge_base, pr.head)
    diff["app.py"].hunks = diff["app.py"].hunks[1:]
    server = FakeGitLab(PROJECT, IID, refs, diff)
    try:
        model = review_script(tmp_path, [answer("Reviewed.", DIV_ZERO)])
        result = run_cli(pr.path, "review", "--post", "--model", model, env=gitlab_env(pr, server))
    finally:
        server.close()
    assert result.code == 1 and server.problems == []
    [discussion] = server.discussions
    assert discussion["notes"][0]["position"] is None
    assert discussion["notes"][0]["body"].startswith("`app.py:13-14`") and "1 as text" in result.err


def test_post_without_any_gitlab_token_is_an_error(pr: PullRequest, tmp_path: Path) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_PROJECT_ID": "42",
        "CI_API_V4_URL": "http://127.0.0.1:9",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": pr.merge_base,
        "CI_COMMIT_SHA": pr.head,
        "GITLAB_TOKEN": "",
        "CI_JOB_TOKEN": "",
    }
    result = run_cli(pr.path, "review", "--post", "--model", "scripted:x.json", env=env)
    assert result.code == 2 and "GITLAB_TOKEN" in result.err
