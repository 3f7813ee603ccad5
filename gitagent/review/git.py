"""Revisions, merge bases and shallow clones: finding the commits a review compares.

CI checkouts are shallow (`actions/checkout` fetches one commit, GitLab 20 or 50 by default), so the
commits named by the CI may be missing and the merge base may lie below the shallow boundary. Missing
commits are fetched by id; then history is deepened step by step until the merge base resolves, or the
review fails with the exact checkout setting that fetches enough history.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from gitagent.errors import GitagentError
from gitagent.workspace.git import git_failure, run_git

DEEPEN_STEPS = (50, 100, 200, 400, 800, 1500)
"""Commits of history fetched per attempt (3,050 in all) before giving up."""

_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")

FULL_HISTORY_HINT = (
    "fetch the full history: in GitHub Actions give actions/checkout `with: fetch-depth: 0`; "
    "in GitLab CI set `variables: GIT_DEPTH: 0`; elsewhere run `git fetch --unshallow`"
)


@dataclass(frozen=True)
class Revisions:
    """The commits a review compares: the target's commit, the change's head, and their merge base."""

    base: str
    head: str
    merge_base: str
    deepened: int = 0
    """Commits of history fetched to find the merge base (0: it was already there)."""


def git_text(root: Path, *args: str, check: bool = True) -> str:
    """Run git in `root` (the repository's git directory, or a directory of its checkout) and return its stdout,
    stripped."""
    return run_git(list(args), cwd=root, check=check).stdout.decode(errors="replace").strip()


def is_shallow(root: Path) -> bool:
    """Whether the repository at `root` is a shallow clone."""
    return git_text(root, "rev-parse", "--is-shallow-repository") == "true"


def remote_name(root: Path) -> str | None:
    """`origin`, else the only remote, else None."""
    names = git_text(root, "remote").split()
    if "origin" in names:
        return "origin"
    return names[0] if len(names) == 1 else None


def commit_id(root: Path, rev: str) -> str | None:
    """The full id of the commit `rev` names, or None when it does not resolve here."""
    proc = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd=root, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def resolve(root: Path, rev: str, what: str) -> str:
    """The commit id of `rev`; a commit id missing from a (shallow) clone is fetched from the remote first."""
    found = commit_id(root, rev)
    if found:
        return found
    remote = remote_name(root)
    if _SHA.match(rev) and remote is not None:
        fetched = run_git(["fetch", "--no-tags", "--quiet", "--depth=1", remote, rev], cwd=root, check=False)
        found = commit_id(root, rev)
        if found:
            return found
        if fetched.returncode != 0:
            raise GitagentError(
                f"{what} commit {rev} is not in this clone and fetching it from {remote} failed: "
                f"{git_failure(fetched.stderr, fetched.returncode)}",
                f"check `git remote -v` and your access to it, or fetch {rev} yourself and run the review again",
            )
    raise GitagentError(f"unknown revision {rev!r} for {what}", "name a branch, tag or commit id that exists here")


def merge_base(root: Path, base: str, head: str, steps: tuple[int, ...] = DEEPEN_STEPS) -> Revisions:
    """The merge base of two commit ids, deepening a shallow clone until it resolves."""
    found = _merge_base(root, base, head)
    deepened = 0
    if found is None and is_shallow(root):
        remote = remote_name(root)
        if remote is None:
            raise GitagentError("the merge base is below this shallow clone's history and it has no remote")
        for step in steps:
            proc = run_git(
                ["fetch", "--no-tags", "--quiet", f"--deepen={step}", remote, base, head], cwd=root, check=False
            )
            if proc.returncode != 0:
                reason = git_failure(proc.stderr, proc.returncode)
                raise GitagentError(
                    f"cannot deepen this shallow clone from {remote} to find the merge base: {reason}",
                    FULL_HISTORY_HINT,
                )
            deepened += step
            found = _merge_base(root, base, head)
            if found is not None or not is_shallow(root):
                break
        if found is None and is_shallow(root):
            raise GitagentError(
                f"the merge base of {base[:12]} and {head[:12]} is more than {deepened} commits deep in this "
                "shallow clone",
                FULL_HISTORY_HINT,
            )
    if found is None:
        raise GitagentError(f"{base[:12]} and {head[:12]} have no common ancestor", "review against a related base")
    return Revisions(base, head, found, deepened)


def _merge_base(root: Path, base: str, head: str) -> str | None:
    proc = run_git(["merge-base", base, head], cwd=root, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def upstream(root: Path) -> str | None:
    """The upstream branch of the current branch (`origin/main`), or None."""
    proc = run_git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], cwd=root, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def branch_name(root: Path, rev: str) -> str | None:
    """The branch (or tag) `rev` names, or whose tip it is, without `refs/…/` or a remote's name; None if none.

    `HEAD` names the checked-out branch; a commit id names the branch pointing at it (local ones first).
    """
    output = git_text(root, "rev-parse", "--symbolic-full-name", "--end-of-options", rev, check=False)
    full = output.splitlines()[-1] if output else ""  # older git also prints `--end-of-options`
    prefixes = ("refs/heads/", "refs/tags/")
    if full.startswith(prefixes) or (full.startswith("refs/remotes/") and full.count("/") > 2):
        return _short(full)
    tips = git_text(
        root, "for-each-ref", "--format=%(refname)", f"--points-at={rev}", "refs/heads", "refs/remotes", check=False
    )
    names = [name for name in tips.splitlines() if not name.endswith("/HEAD")]
    return _short(names[0]) if names else None


def _short(refname: str) -> str:
    if refname.startswith("refs/remotes/"):
        return refname.removeprefix("refs/remotes/").split("/", 1)[1]
    return refname.split("/", 2)[2]


def current_branch(root: Path) -> str | None:
    """The checked-out branch's short name, or None on a detached HEAD."""
    proc = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=root, check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None
