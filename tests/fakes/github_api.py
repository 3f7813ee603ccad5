"""A fake GitHub REST API for one pull request (reviews, review comments, issue comments).

Checks: `Authorization: Bearer <token>`, `Accept: application/vnd.github+json`, `X-GitHub-Api-Version`;
review bodies (`commit_id` = the pull request's head, `event` one of APPROVE / REQUEST_CHANGES / COMMENT,
comments with `path`, `body`, `line`, `side`, optional `start_line`/`start_side` in the same hunk and
before `line`). A comment whose lines are not part of the diff gets GitHub's 422.
"""

from itertools import count
from typing import Any

from tests.fakes.forge import DiffLines, Forge, Request

TOKEN = "ghs_fake_token_for_tests_0123456789"
REVIEW_KEYS = {"commit_id", "body", "event", "comments"}
COMMENT_KEYS = {"path", "position", "body", "line", "side", "start_line", "start_side"}
NOT_IN_DIFF = {
    "message": "Unprocessable Entity",
    "errors": ["Pull request review thread line must be part of the diff"],
    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
    "status": "422",
}


class FakeGitHub(Forge):
    """One repository `owner/repo` with pull request `number` whose head is `head` and diff is `diff`."""

    def __init__(self, repo: str, number: int, head: str, diff: dict[str, DiffLines], read_only: bool = False) -> None:
        super().__init__()
        self.repo, self.number, self.head, self.diff = repo, number, head, diff
        self.read_only = read_only
        self.reviews: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.issue_comments: list[dict[str, Any]] = []
        self.ids = count(1001)

    @property
    def api_url(self) -> str:
        return self.root + "/api/v3"  # as GitHub Enterprise Server serves it

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        h = request.headers
        if h.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        if h.get("accept") != "application/vnd.github+json" or not h.get("x-github-api-version"):
            return self.problem(400, f"missing GitHub headers: {h}")
        prefix = f"/api/v3/repos/{self.repo}"
        pr, issue = f"{prefix}/pulls/{self.number}", f"{prefix}/issues/{self.number}"
        m, path = request.method, request.path
        if self.read_only and m != "GET":
            return 403, {"message": "Resource not accessible by integration"}, {}
        if (m, path) == ("POST", f"{pr}/reviews"):
            return self._create_review(request.body)
        if (m, path) == ("GET", f"{pr}/reviews"):
            return self.page(request, self.reviews)
        if (m, path) == ("GET", f"{pr}/comments"):
            return self.page(request, self.review_comments)
        if (m, path) == ("GET", f"{issue}/comments"):
            return self.page(request, self.issue_comments)
        if (m, path) == ("POST", f"{issue}/comments"):
            return self._new_issue_comment(request.body)
        if m == "PATCH" and path.startswith(f"{prefix}/issues/comments/"):
            return self._edit_issue_comment(int(path.rsplit("/", 1)[1]), request.body)
        return self.problem(404, f"no such endpoint: {m} {path}")

    def _create_review(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or set(body) - REVIEW_KEYS:
            return self.problem(422, f"bad review body: {body}")
        if body.get("event") not in ("APPROVE", "REQUEST_CHANGES", "COMMENT"):
            return self.problem(422, f"bad event: {body.get('event')}")
        if body.get("commit_id") != self.head:
            return self.problem(422, f"commit_id {body.get('commit_id')} is not the head {self.head}")
        comments = body.get("comments", [])
        for c in comments:
            verdict = self._check_comment(c)
            if verdict is not None:
                return verdict
        review = {"id": next(self.ids), "body": body.get("body", ""), "state": "COMMENTED", "commit_id": self.head}
        self.reviews.append(review)
        for c in comments:
            self.review_comments.append({"id": next(self.ids), "pull_request_review_id": review["id"], **c})
        return 200, review, {}

    def _check_comment(self, c: Any) -> tuple[int, Any, dict[str, str]] | None:
        if not isinstance(c, dict) or set(c) - COMMENT_KEYS or not {"path", "body", "line"} <= set(c):
            return self.problem(422, f"bad comment: {c}")
        if not isinstance(c["line"], int) or c.get("side", "RIGHT") not in ("LEFT", "RIGHT"):
            return self.problem(422, f"bad line or side: {c}")
        if "start_side" in c and "start_line" not in c:
            return self.problem(422, f"start_side without start_line: {c}")
        lines = self.diff.get(c["path"])
        if lines is None:
            return 422, {**NOT_IN_DIFF, "errors": ["Path could not be resolved"]}, {}
        end_hunk = lines.hunk_of(c["line"])
        if end_hunk is None:
            return 422, NOT_IN_DIFF, {}
        if "start_line" in c:
            if not isinstance(c["start_line"], int) or c["start_line"] >= c["line"]:
                return self.problem(422, f"start_line must precede line: {c}")
            if lines.hunk_of(c["start_line"]) != end_hunk:
                return 422, NOT_IN_DIFF, {}
        return None

    def _new_issue_comment(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or set(body) != {"body"}:
            return self.problem(422, f"bad issue comment: {body}")
        made = {"id": next(self.ids), "body": body["body"], "user": {"login": "github-actions[bot]"}}
        made["html_url"] = f"https://github.example/{self.repo}/pull/{self.number}#issuecomment-{made['id']}"
        self.issue_comments.append(made)
        return 201, made, {}

    def _edit_issue_comment(self, comment_id: int, body: Any) -> tuple[int, Any, dict[str, str]]:
        target = next((c for c in self.issue_comments if c["id"] == comment_id), None)
        if target is None:
            return 404, {"message": "Not Found"}, {}
        if not isinstance(body, dict) or set(body) != {"body"}:
            return self.problem(422, f"bad comment edit: {body}")
        target["body"] = body["body"]
        return 200, target, {}
