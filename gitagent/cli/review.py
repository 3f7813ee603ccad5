"""`gitagent review`: review a change before it merges, in CI or locally, and record the review in git."""

import os
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gitagent.agent.events import Event, Notice, ToolStarted, TurnFinished, TurnStarted
from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.cli.run import summarize_input
from gitagent.errors import GitagentError
from gitagent.review.chunks import DEFAULT_CHUNK_TOKENS
from gitagent.review.ci import detect
from gitagent.review.formats import FORMATS, parse_formats, write_outputs
from gitagent.review.github import Posted, github_api, post_github
from gitagent.review.gitlab import gitlab_api, post_gitlab
from gitagent.review.http import Api, ApiError
from gitagent.review.report import Review
from gitagent.review.runner import ReviewOptions, run_review

app = new_app()
ERROR_EXIT = 2


class FailOn(StrEnum):
    """The lowest severity that makes the review exit 1."""

    error = "error"
    warning = "warning"
    never = "never"


EPILOG = (
    "Exit status: 0 no finding at --fail-on; 1 a finding reached it; 2 the review could not be done. "
    "In GitHub Actions and GitLab merge-request pipelines the commits come from the CI; "
    "see docs/review.md for the formats, posting and the review's record in git."
)


@app.command(epilog=EPILOG)
def review(
    base: Annotated[
        str | None,
        typer.Option("--base", help="Target side: branch, tag or commit (default: from CI, else the upstream)."),
    ] = None,
    head: Annotated[str | None, typer.Option("--head", help="The change's tip (default: from CI, else HEAD).")] = None,
    formats: Annotated[
        str, typer.Option("--format", "-f", help=f"Comma-separated: {', '.join(FORMATS)}.")
    ] = "markdown",
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Write each format to its file here instead of stdout.")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on findings of this severity or worse.")
    ] = FailOn.error,
    post: Annotated[
        bool, typer.Option("--post", help="Post to the pull request (GitHub) or merge request (GitLab).")
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="PROVIDER:NAME, e.g. anthropic:claude-sonnet-5-5.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0, help="Start no more parts once this many USD are spent or due.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parts reviewed at once.")] = 4,
    chunk_tokens: Annotated[
        int, typer.Option("--chunk-tokens", min=1000, help="Token budget of the patches in one part.")
    ] = DEFAULT_CHUNK_TOKENS,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Most model calls per part.")] = 60,
    sandbox: Annotated[str | None, typer.Option("--sandbox", help="bwrap (default) or none.")] = None,
    trust_repo: Annotated[
        bool, typer.Option("--trust-repo", help="Run the base commit's hooks and skills (CI: the base is merged code).")
    ] = False,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Another server for the model provider.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Review a change before it merges and report findings for CI (GitHub, GitLab, SARIF, JSON, Markdown)."""
    try:
        names = parse_formats(formats)
        repo = repository()
        target = detect(os.environ, Path(repo.path), base, head)
        api = _poster(target.provider, target.api_url) if post else None
        options = ReviewOptions(model, sandbox, trust_repo, max_cost, chunk_tokens, jobs, max_steps, base_url)
        result = run_review(repo, target, options, _Progress(quiet), on_retry=_retrying)
        _report(result, names, fail_on.value, output_dir)
        if api is not None:
            _post(api, result, fail_on.value)
    except GitagentError as e:
        fail(e, code=ERROR_EXIT)
    _finish(result, fail_on.value)


def _poster(provider: str, api_url: str | None) -> Api:
    if provider == "github":
        return github_api(os.environ, api_url or "")
    if provider == "gitlab":
        return gitlab_api(os.environ, api_url)
    raise GitagentError(
        "--post needs a pull request or merge request, and this is not a GitHub pull_request event or a GitLab "
        "merge request pipeline",
        "run it in CI (see README: Review in CI), or drop --post and read the review here",
    )


def _report(result: Review, names: list[str], fail_on: str, output_dir: Path | None) -> None:
    for note in result.notices:
        print(f"gitagent: {note}", file=sys.stderr)
    written = write_outputs(result, names, fail_on, output_dir, sys.stdout, os.environ)
    for path in written.files:
        print(f"gitagent: wrote {path}", file=sys.stderr)
    for note in written.notes:
        print(f"gitagent: {note}", file=sys.stderr)


def _post(api: Api, result: Review, fail_on: str) -> None:
    poster = post_github if result.target.provider == "github" else post_gitlab
    try:
        posted: Posted = poster(api, result, fail_on)
    except ApiError as e:
        if not (e.status in (401, 403) and result.target.fork):
            raise
        print(
            f"gitagent: warning: could not post ({e.message}): this change comes from a fork, whose CI token is "
            "read-only; the findings are in the annotations and reports (see README: Review in CI)",
            file=sys.stderr,
        )
        return
    what = f"posted {posted.comments} inline comments"
    if posted.already_posted:
        what += f" ({posted.already_posted} already posted by an earlier run)"
    if posted.moved_to_body:
        what += f", {posted.moved_to_body} as text (not placeable on lines)"
    what += "; updated the summary" if posted.summary_updated else "; added the summary"
    print(f"gitagent: {what}", file=sys.stderr)
    for note in posted.notes:
        print(f"gitagent: {note}", file=sys.stderr)


def _finish(result: Review, fail_on: str) -> None:
    recorded = f"recorded as {result.ref}" if any(p.commit for p in result.parts) else "nothing recorded"
    print(f"gitagent: {result.headline()}; {recorded}", file=sys.stderr)
    if result.failed_parts:
        failed = ", ".join(str(p.number) for p in result.failed_parts)
        parts = "part" if len(result.failed_parts) == 1 else "parts"
        print(f"gitagent: error: review {parts} {failed} did not finish; the review is incomplete", file=sys.stderr)
        raise SystemExit(ERROR_EXIT)
    status = result.exit_status(fail_on)
    if status:
        print(f"gitagent: failing: findings at or above --fail-on {fail_on}", file=sys.stderr)
    raise SystemExit(status)


def _retrying(attempt: int, wait_s: float, reason: str) -> None:
    print(f"gitagent: {reason}; retrying in {wait_s:.0f}s (attempt {attempt})", file=sys.stderr)


class _Progress:
    """One line per part's start, tool call and end on stderr, whole lines even with parts in parallel."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.lock = threading.Lock()

    def __call__(self, part: int, event: Event) -> None:
        line = self._line(event)
        if line is None or (self.quiet and not isinstance(event, Notice)):
            return
        with self.lock:
            print(f"[part {part}] {line}", file=sys.stderr, flush=True)

    @staticmethod
    def _line(event: Event) -> str | None:
        match event:
            case TurnStarted():
                return f"reviewing with {event.model}"
            case ToolStarted():
                return f"→ {event.call['name']} {summarize_input(event.call.get('input', {}))}"
            case TurnFinished():
                return f"done → {event.outcome.commit[:12]}"
            case Notice():
                return event.text
        return None


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
