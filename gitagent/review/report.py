"""A finished review, as every output format and poster reads it."""

from dataclasses import dataclass, field
from typing import Any

from gitagent.models.base import Usage
from gitagent.review.ci import Target
from gitagent.review.diff import FileChange
from gitagent.review.findings import Finding
from gitagent.review.git import Revisions

FAIL_ON = ("error", "warning", "never")


@dataclass
class Part:
    """One chunk of the change and the turn that reviewed it."""

    number: int
    paths: list[str]
    commit: str | None = None
    status: str = "not run"
    summary: str = ""
    cost_usd: float | None = None
    usage: Usage = field(default_factory=Usage)
    error: str | None = None


@dataclass
class Review:
    """Everything a review produced: what was compared, what was found, what was left out, where it is recorded."""

    target: Target
    revisions: Revisions
    files: list[FileChange]
    findings: list[Finding]
    parts: list[Part]
    ref: str
    model: str
    not_reviewed: list[str] = field(default_factory=list)
    """Files no part reviewed because `--max-cost` was reached first."""
    notices: list[str] = field(default_factory=list)
    run: str = ""
    """This run's id (`20260301T121530Z-3f2a`): in every part's subject and `Gitagent-Review-Run` trailer."""

    @property
    def inline(self) -> list[Finding]:
        """Findings that sit on lines of the diff."""
        return [f for f in self.findings if f.inline]

    @property
    def outside(self) -> list[Finding]:
        """Findings that can only be shown in the summary."""
        return [f for f in self.findings if not f.inline]

    @property
    def skipped(self) -> list[FileChange]:
        """Files left out of the review on purpose (binary, generated, lock files, deletions)."""
        return [f for f in self.files if f.skipped is not None]

    @property
    def usage(self) -> Usage:
        """Tokens of every part."""
        total = Usage()
        for part in self.parts:
            total.add(part.usage)
        return total

    @property
    def cost_usd(self) -> float | None:
        """What the review cost, when the model is priced."""
        costs = [p.cost_usd for p in self.parts if p.cost_usd is not None]
        return round(sum(costs), 6) if costs else None

    def count(self, severity: str) -> int:
        """How many findings have `severity`."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def failed_parts(self) -> list[Part]:
        """Parts whose turn did not finish."""
        return [p for p in self.parts if p.error is not None]

    def exit_status(self, fail_on: str) -> int:
        """1 when a finding reaches the `--fail-on` severity, else 0."""
        if fail_on == "never":
            return 0
        levels = ("error",) if fail_on == "error" else ("error", "warning")
        return 1 if any(f.severity in levels for f in self.findings) else 0

    def headline(self) -> str:
        """`2 errors, 1 warning, 0 notes in 5 files` (or that nothing was found)."""
        counts = [_plural(self.count(s), s) for s in ("error", "warning", "note")]
        reviewed = sum(1 for f in self.files if f.skipped is None) - len(self.not_reviewed)
        return f"{', '.join(counts)} in {_plural(reviewed, 'file')} reviewed"

    def to_json(self, fail_on: str) -> dict[str, Any]:
        """gitagent's own JSON report (schema 1, documented in docs/review.md)."""
        t, r = self.target, self.revisions
        return {
            "schema": 1,
            "tool": "gitagent",
            "provider": t.provider,
            "key": t.key,
            "number": t.number,
            "base": r.base,
            "head": r.head,
            "merge_base": r.merge_base,
            "ref": self.ref,
            "run": self.run,
            "model": self.model,
            "findings": [f.to_json() for f in self.findings],
            "files": [_file_json(f) for f in self.files],
            "not_reviewed": self.not_reviewed,
            "parts": [_part_json(p) for p in self.parts],
            "usage": self.usage.to_json(),
            "cost_usd": self.cost_usd,
            "fail_on": fail_on,
            "exit_status": self.exit_status(fail_on),
        }


def _file_json(f: FileChange) -> dict[str, Any]:
    return {"path": f.path, "old_path": f.old_path, "status": f.status, "additions": f.additions,
            "deletions": f.deletions, "skipped": f.skipped}  # fmt: skip


def _part_json(p: Part) -> dict[str, Any]:
    return {"number": p.number, "paths": p.paths, "commit": p.commit, "status": p.status, "summary": p.summary,
            "cost_usd": p.cost_usd, "usage": p.usage.to_json(), "error": p.error}  # fmt: skip


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
