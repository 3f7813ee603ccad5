"""Posting a review to a GitHub pull request through the REST API.

- The findings on the diff become ONE pull-request review (`POST /repos/{owner}/{repo}/pulls/{n}/reviews`,
  `event: COMMENT`, `commit_id` = the reviewed head, inline `comments` with `path`, `line`, `side`, and for a
  range `start_line`/`start_side`, a ```` ```suggestion ```` block where the finding has a replacement).
  Findings already posted by an earlier run (a hidden fingerprint in each comment) are not posted again.
- If GitHub still refuses the review with 422 (it judges a line not part of the diff), the review is sent
  again with those comments in its body instead, so nothing is lost.
- The summary is one issue comment, found again by a hidden marker and edited in place
  (`PATCH /repos/{owner}/{repo}/issues/comments/{id}`) on every later run, instead of piling up.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitagent.errors import GitagentError
from gitagent.review.findings import Finding
from gitagent.review.formats.markdown import fence_for, finding_block, render
from gitagent.review.http import Api, ApiError
from gitagent.review.report import Review

SUMMARY_MARKER = "<!-- gitagent-review-summary -->"
FINDING_MARKER = "<!-- gitagent-finding:{} -->"
API_VERSION = "2022-11-28"


@dataclass
class Posted:
    """What a post did, to report to the user."""

    review_id: int | None = None
    comments: int = 0
    already_posted: int = 0
    moved_to_body: int = 0
    summary_url: str | None = None
    summary_updated: bool = False
    notes: list[str] = field(default_factory=list)


def github_api(env: Mapping[str, str], api_url: str) -> Api:
    """The API client, with `GITHUB_TOKEN` (an error that says what to add when it is missing)."""
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise GitagentError(
            "--post needs a token: GITHUB_TOKEN is not set",
            "in the workflow, add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the review step "
            "and `permissions: pull-requests: write`",
        )
    headers = {
        "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION, "User-Agent": "gitagent-review",
    }  # fmt: skip
    return Api(api_url.rstrip("/"), headers)


def post_github(api: Api, review: Review, fail_on: str) -> Posted:
    """Post the review's inline findings and create or update its summary comment."""
    t = review.target
    if t.provider != "github" or t.number is None or not t.project:
        raise GitagentError("--post on GitHub needs a pull_request event (GITHUB_EVENT_PATH, GITHUB_REPOSITORY)")
    repo, number = t.project, t.number
    posted = Posted()
    seen = _posted_fingerprints(api, repo, number)
    fresh = [f for f in review.inline if f.fingerprint not in seen]
    posted.already_posted = len(review.inline) - len(fresh)
    if fresh:
        _post_review(api, repo, number, review, fresh, posted)
    _upsert_summary(api, repo, number, render(review, fail_on) + "\n" + SUMMARY_MARKER + "\n", posted)
    return posted


def comment(f: Finding) -> dict[str, Any]:
    """A review comment on the finding's lines (right side: the new file)."""
    body = [f"**{f.severity}: {f.title}**", "", f.body]
    if f.suggestion is not None:
        text = f.suggestion if f.suggestion.endswith("\n") or not f.suggestion else f.suggestion + "\n"
        fence = fence_for(text)
        body += ["", f"{fence}suggestion", text.rstrip("\n"), fence]
    body += ["", FINDING_MARKER.format(f.fingerprint)]
    data: dict[str, Any] = {"path": f.path, "body": "\n".join(body), "line": f.end_line, "side": "RIGHT"}
    if f.start_line != f.end_line:
        data.update(start_line=f.start_line, start_side="RIGHT")
    return data


def _post_review(api: Api, repo: str, number: int, review: Review, fresh: list[Finding], posted: Posted) -> None:
    intro = f"**gitagent review**: {review.headline()}. The summary is in the gitagent comment on this pull request."
    body = {"commit_id": review.revisions.head, "event": "COMMENT", "body": intro,
            "comments": [comment(f) for f in fresh]}  # fmt: skip
    try:
        answer = api.call("POST", f"/repos/{repo}/pulls/{number}/reviews", body)
        posted.comments = len(fresh)
    except ApiError as e:
        if e.status != 422:
            raise
        # GitHub does not say which comment it refused: keep them all, as text in the review's body.
        lines = [intro, "", "GitHub could not place these findings on lines of the diff:", ""]
        lines += [line for f in fresh for line in finding_block(f)]
        lines += [FINDING_MARKER.format(f.fingerprint) for f in fresh]
        body = {"commit_id": review.revisions.head, "event": "COMMENT", "body": "\n".join(lines)}
        answer = api.call("POST", f"/repos/{repo}/pulls/{number}/reviews", body)
        posted.moved_to_body = len(fresh)
        posted.notes.append(f"GitHub refused the inline comments ({e.message}); they were posted in the review body")
    posted.review_id = (answer or {}).get("id")


def _posted_fingerprints(api: Api, repo: str, number: int) -> set[str]:
    """Fingerprints of findings earlier runs posted (as inline comments or in a review's body)."""
    found: set[str] = set()
    bodies = [c.get("body") or "" for c in api.pages(f"/repos/{repo}/pulls/{number}/comments?per_page=100")]
    bodies += [r.get("body") or "" for r in api.pages(f"/repos/{repo}/pulls/{number}/reviews?per_page=100")]
    for body in bodies:
        for part in body.split(FINDING_MARKER.split("{")[0])[1:]:
            found.add(part.split(" -->", 1)[0].strip())
    return found


def _upsert_summary(api: Api, repo: str, number: int, body: str, posted: Posted) -> None:
    existing = next(
        (c for c in api.pages(f"/repos/{repo}/issues/{number}/comments?per_page=100")
         if SUMMARY_MARKER in (c.get("body") or "")),
        None,
    )  # fmt: skip
    if existing is not None:
        answer = api.call("PATCH", f"/repos/{repo}/issues/comments/{existing['id']}", {"body": body})
        posted.summary_updated = True
    else:
        answer = api.call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
    posted.summary_url = (answer or {}).get("html_url")
