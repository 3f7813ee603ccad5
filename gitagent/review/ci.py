"""Where a review runs and what it compares: GitHub Actions, GitLab CI, or a local checkout.

- GitHub Actions, `pull_request` (or `pull_request_target`) event: the base and head commits, the number
  and fork-ness come from the event payload at `$GITHUB_EVENT_PATH`. Not `GITHUB_SHA`: for pull requests
  that is the test merge commit GitHub made, which is neither side of the change.
- GitLab CI, merge-request pipeline: `CI_MERGE_REQUEST_DIFF_BASE_SHA` and the head: in a merged-results
  pipeline `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` (`CI_COMMIT_SHA` is then the merged result), else `CI_COMMIT_SHA`.
- Locally: the current branch's upstream and `HEAD`. The review is keyed by the branch under review: the one
  `--head` names or whose tip it is (a bare commit id: `commit-<id>`), not the branch checked out.

`--base` and `--head` override the commits; the pull request (for posting) still comes from the CI.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.review.git import branch_name, commit_id, current_branch, upstream
from gitagent.store.refs import review_ref

GITHUB_API = "https://api.github.com"
PR_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True)
class Target:
    """What to review and where it came from."""

    provider: str
    """`github`, `gitlab` or `local`."""
    base: str
    head: str
    key: str
    """Names the review's ref: `pr-12`, `mr-3`, or the branch."""
    number: int | None = None
    """The pull request's number (GitHub) or the merge request's iid (GitLab)."""
    fork: bool = False
    project: str | None = None
    """`owner/repo` on GitHub, the project id on GitLab."""
    api_url: str | None = None


def detect(env: Mapping[str, str], root: Path, base: str | None, head: str | None) -> Target:
    """The review target from the CI's environment (or the repository's HEAD: `root` is its git directory), with
    `--base`/`--head` applied."""
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_EVENT_NAME") in PR_EVENTS:
        return _github(env, base, head)
    if env.get("GITLAB_CI") == "true" and env.get("CI_MERGE_REQUEST_IID"):
        return _gitlab(env, base, head)
    return _local(env, root, base, head)


def _github(env: Mapping[str, str], base: str | None, head: str | None) -> Target:
    payload = _event(env.get("GITHUB_EVENT_PATH", ""))
    pr = payload.get("pull_request")
    if not isinstance(pr, dict):
        raise GitagentError(f"{env.get('GITHUB_EVENT_PATH')}: the event payload has no pull_request")
    head_repo = (pr.get("head") or {}).get("repo") or {}
    base_repo = (pr.get("base") or {}).get("repo") or {}
    number = int(pr["number"])
    return Target(
        "github", base or pr["base"]["sha"], head or pr["head"]["sha"], f"pr-{number}", number,
        fork=head_repo.get("full_name") != base_repo.get("full_name"),
        project=env.get("GITHUB_REPOSITORY") or base_repo.get("full_name"),
        api_url=(env.get("GITHUB_API_URL") or GITHUB_API).rstrip("/"),
    )  # fmt: skip


def _event(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise GitagentError(f"cannot read the GitHub event payload at {path or '$GITHUB_EVENT_PATH'}: {e}") from e
    return data if isinstance(data, dict) else {}


def _gitlab(env: Mapping[str, str], base: str | None, head: str | None) -> Target:
    iid = int(env["CI_MERGE_REQUEST_IID"])
    detected_base = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA")
    detected_head = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA")
    if not (base or detected_base) or not (head or detected_head):
        raise GitagentError("GitLab did not say which commits this merge request compares", "pass --base and --head")
    source, target = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"), env.get("CI_MERGE_REQUEST_PROJECT_ID")
    return Target(
        "gitlab", base or detected_base or "", head or detected_head or "", f"mr-{iid}", iid,
        fork=bool(source and target and source != target),
        project=target or env.get("CI_PROJECT_ID"), api_url=(env.get("CI_API_V4_URL") or "").rstrip("/") or None,
    )  # fmt: skip


def _local(env: Mapping[str, str], root: Path, base: str | None, head: str | None) -> Target:
    branch = current_branch(root)
    if base is None:
        base = upstream(root)
        if base is None:
            where = f"branch {branch!r} has no upstream" if branch else "HEAD is detached (no upstream)"
            raise GitagentError(
                f"no --base given and {where}",
                "pass --base REV (e.g. --base origin/main), or set an upstream: git branch -u origin/main",
            )
    head = head or "HEAD"
    name = branch_name(root, head)
    if name is None:
        commit = commit_id(root, head) or (head if re.fullmatch(r"[0-9a-fA-F]{7,64}", head) else None)
        name = f"commit-{commit[:12]}" if commit else env.get("GITHUB_REF_NAME") or "detached"
    return Target("local", base, head, review_key(name))


def review_key(name: str) -> str:
    """`name` made safe as one part of a ref name (`feature/login` stays, `a b..c` becomes `a-b-c`)."""
    key = re.sub(r"[^A-Za-z0-9._/-]+", "-", name)
    key = re.sub(r"\.{2,}|/{2,}|\.lock(?=/|$)|(?<=/)\.|^\.", "-", key).strip("-/.")
    if not key or not pygit2.reference_is_valid_name(review_ref(key, "0" * 40)):
        return "change"
    return key
