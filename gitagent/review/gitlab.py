"""Posting a review to a GitLab merge request through the REST API (v4).

- Each finding on the diff becomes a discussion on its line (`POST /projects/:id/merge_requests/:iid/discussions`
  with a text `position`: the merge request's `base_sha`/`start_sha`/`head_sha`, `new_path`, `old_path`,
  `new_line`, and `old_line` too when the line is unchanged context, as GitLab requires). A range is anchored
  on its last line, with a `suggestion:-N+0` block covering the whole range. One GitLab refuses (400) is
  posted as a discussion without a position, so nothing is lost.
- The summary is one note, found by a hidden marker and edited in place (`PUT …/notes/:note_id`) on later runs.
- The token: `GITLAB_TOKEN` (a project or personal access token with `api` scope, sent as `PRIVATE-TOKEN`),
  else `CI_JOB_TOKEN` (sent as `JOB-TOKEN`; GitLab lets job tokens write notes only on some versions and
  settings, so a failure says to add `GITLAB_TOKEN`).
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from gitagent.errors import GitagentError
from gitagent.review.diff import FileChange
from gitagent.review.findings import Finding
from gitagent.review.formats.markdown import fence_for, render
from gitagent.review.github import FINDING_MARKER, SUMMARY_MARKER, Posted
from gitagent.review.http import Api, ApiError
from gitagent.review.report import Review


def gitlab_api(env: Mapping[str, str], api_url: str | None) -> Api:
    """The API client with the best token available (an error naming the variables when there is none)."""
    if not api_url:
        raise GitagentError("--post on GitLab needs CI_API_V4_URL (set by GitLab CI)")
    if env.get("GITLAB_TOKEN"):
        return Api(api_url.rstrip("/"), {"PRIVATE-TOKEN": env["GITLAB_TOKEN"], "User-Agent": "gitagent-review"})
    if env.get("CI_JOB_TOKEN"):
        return Api(api_url.rstrip("/"), {"JOB-TOKEN": env["CI_JOB_TOKEN"], "User-Agent": "gitagent-review"})
    raise GitagentError(
        "--post needs a token: neither GITLAB_TOKEN nor CI_JOB_TOKEN is set",
        "add a project access token with `api` scope as the masked CI/CD variable GITLAB_TOKEN",
    )


def post_gitlab(api: Api, review: Review, fail_on: str) -> Posted:
    """Post each new inline finding as a discussion and create or update the summary note."""
    t = review.target
    if t.provider != "gitlab" or t.number is None or not t.project:
        raise GitagentError("--post on GitLab needs a merge request pipeline (CI_MERGE_REQUEST_IID, CI_PROJECT_ID)")
    mr = f"/projects/{quote(str(t.project), safe='')}/merge_requests/{t.number}"
    posted = Posted()
    try:
        refs = (api.call("GET", mr) or {}).get("diff_refs") or {}
    except ApiError as e:
        raise _token_hint(api, e) from e
    r = review.revisions
    shas = {"base_sha": refs.get("base_sha") or r.merge_base, "start_sha": refs.get("start_sha") or r.merge_base,
            "head_sha": r.head}  # fmt: skip
    seen = _posted_fingerprints(api, mr)
    files = {f.path: f for f in review.files}
    for f in review.inline:
        if f.fingerprint in seen:
            posted.already_posted += 1
            continue
        body = note_body(f)
        try:
            api.call("POST", f"{mr}/discussions", {"body": body, "position": position(f, files[f.path], shas)})
            posted.comments += 1
        except ApiError as e:
            if e.status not in (400, 422):
                raise _token_hint(api, e) from e
            api.call("POST", f"{mr}/discussions", {"body": f"`{f.path}:{f.lines}`\n\n{body}"})
            posted.moved_to_body += 1
    _upsert_summary(api, mr, render(review, fail_on) + "\n" + SUMMARY_MARKER + "\n", posted)
    return posted


def position(f: Finding, change: FileChange, shas: dict[str, str]) -> dict[str, Any]:
    """A text position on the finding's last line (both line numbers for an unchanged context line)."""
    data: dict[str, Any] = {**shas, "position_type": "text", "new_path": f.path, "old_path": change.old_path,
                            "new_line": f.end_line}  # fmt: skip
    hunk = change.hunk_for(f.start_line, f.end_line)
    if hunk is not None and f.end_line in hunk.context:
        data["old_line"] = hunk.context[f.end_line]
    return data


def note_body(f: Finding) -> str:
    """The discussion's text, with GitLab's suggestion syntax covering the whole range."""
    lines = [f"**{f.severity}: {f.title}**", "", f.body]
    if f.suggestion is not None:
        fence = fence_for(f.suggestion)
        lines += ["", f"{fence}suggestion:-{f.end_line - f.start_line}+0", f.suggestion.rstrip("\n"), fence]
    return "\n".join([*lines, "", FINDING_MARKER.format(f.fingerprint)])


def _posted_fingerprints(api: Api, mr: str) -> set[str]:
    found: set[str] = set()
    prefix = FINDING_MARKER.split("{")[0]
    for discussion in api.pages(f"{mr}/discussions?per_page=100"):
        for note in discussion.get("notes") or []:
            for part in (note.get("body") or "").split(prefix)[1:]:
                found.add(part.split(" -->", 1)[0].strip())
    return found


def _upsert_summary(api: Api, mr: str, body: str, posted: Posted) -> None:
    existing = next((n for n in api.pages(f"{mr}/notes?per_page=100") if SUMMARY_MARKER in (n.get("body") or "")), None)
    if existing is not None:
        api.call("PUT", f"{mr}/notes/{existing['id']}", {"body": body})
        posted.summary_updated = True
    else:
        api.call("POST", f"{mr}/notes", {"body": body})


def _token_hint(api: Api, error: ApiError) -> GitagentError:
    if error.status in (401, 403) and "JOB-TOKEN" in api.headers:
        return GitagentError(error.message, "the CI job token may not write to merge requests here: set GITLAB_TOKEN")
    return error
