"""The review as Markdown: the `markdown` format, GitHub's job summary, and the summary comment or note."""

from gitagent.review.findings import Finding
from gitagent.review.report import Review

ICONS = {"error": "🔴", "warning": "🟠", "note": "🔵"}
BODY_LIMIT = 60_000
"""GitHub refuses comment bodies over 65,536 characters; GitLab notes allow more. Stay under both."""


def render(review: Review, fail_on: str, heading: str = "##") -> str:
    """The whole review, readable on its own: verdict, findings, what was not reviewed, where it is recorded."""
    out = [f"{heading} gitagent review: {review.headline()}", "", _about(review, fail_on), ""]
    if review.inline:
        out += [f"{heading}# Findings", ""] + [line for f in review.inline for line in finding_block(f)]
    if review.outside:
        out += [f"{heading}# Findings outside the diff", "", "These could not be placed on a changed line.", ""]
        for f in review.outside:
            out += finding_block(f, reason=True)
    if not review.findings:
        out += ["No findings.", ""]
    summaries = [p for p in review.parts if p.summary]
    if summaries:
        out += [f"{heading}# Summary", ""]
        for part in summaries:
            prefix = f"**Part {part.number}** ({len(part.paths)} files): " if len(review.parts) > 1 else ""
            out += [prefix + part.summary, ""]
    out += _left_out(review, heading)
    out += _record(review)
    return _cap("\n".join(out).rstrip() + "\n")


def finding_block(f: Finding, reason: bool = False) -> list[str]:
    """One finding as a list item with its explanation, suggestion and (outside the diff) why."""
    lines = [f"- {ICONS[f.severity]} **{f.severity}** `{f.path}:{f.lines}`: **{_inline(f.title)}**", ""]
    lines += [f"  {line}" if line else "" for line in f.body.splitlines()]
    if f.suggestion is not None:
        fence = fence_for(f.suggestion)
        lines += ["", "  Suggested replacement:", "", f"  {fence}"]
        lines += [f"  {line}" for line in f.suggestion.rstrip("\n").splitlines()] + [f"  {fence}"]
    if reason and f.outside:
        lines += ["", f"  _Not on a changed line: {f.outside}._"]
    return [*lines, ""]


def _about(review: Review, fail_on: str) -> str:
    t, r = review.target, review.revisions
    subject = {"github": f"Pull request #{t.number}", "gitlab": f"Merge request !{t.number}"}.get(t.provider, t.key)
    cost = f" · cost {review.cost_usd:.4f} USD" if review.cost_usd is not None else ""
    gate = {"never": "never fails", "error": "fails on errors", "warning": "fails on warnings or errors"}[fail_on]
    verdict = "**failed**" if review.exit_status(fail_on) else "passed"
    return (
        f"{subject} · head `{r.head[:12]}` against merge base `{r.merge_base[:12]}` · model `{review.model}`{cost} · "
        f"gate ({gate}): {verdict}"
    )


def _left_out(review: Review, heading: str) -> list[str]:
    out: list[str] = []
    failed = review.failed_parts
    if failed:
        out += [f"{heading}# Parts that did not finish", ""]
        out += [f"- part {p.number} ({', '.join(f'`{x}`' for x in p.paths)}): {p.error}" for p in failed] + [""]
    if review.not_reviewed:
        out += [f"{heading}# Not reviewed (cost limit reached)", ""]
        out += [f"- `{path}`" for path in review.not_reviewed] + [""]
    if review.skipped:
        out += [f"{heading}# Skipped", ""]
        out += [f"- `{f.path}`: {f.skipped}" for f in review.skipped] + [""]
    return out


def _record(review: Review) -> list[str]:
    commits = [p.commit for p in review.parts if p.commit]
    if not commits:
        return []
    return [
        "<details><summary>Audit record</summary>",
        "",
        f"This review is run `{review.run}` of the gitagent conversation `{review.ref}` "
        f"(turns {', '.join(c[:12] for c in commits)}).",
        f"Read it with `git fetch origin '+refs/gitagent/*:refs/gitagent/*' && git log -p {review.ref}`.",
        "",
        "</details>",
        "",
    ]


def _inline(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def fence_for(text: str) -> str:
    """A code fence longer than any run of backticks in `text`."""
    ticks = 3
    while "`" * ticks in text:
        ticks += 1
    return "`" * ticks


def _cap(text: str) -> str:
    if len(text) <= BODY_LIMIT:
        return text
    return text[:BODY_LIMIT].rsplit("\n", 1)[0] + "\n\n_[gitagent: cut to fit; the full review is in the job output]_\n"
