"""Findings: what a review reports, how the model reports them (the `ReportFinding` tool), and where they go.

A finding names a file, a line range on the new side, a severity, a title, an explanation and optionally a
replacement for exactly those lines. It is placed *inline* when its whole range lies inside one hunk of
the diff (so GitHub and GitLab accept a comment there); otherwise it goes to the summary, with the reason.
"""

import hashlib
import threading
from dataclasses import asdict, dataclass
from typing import Any

from gitagent.review.diff import FileChange
from gitagent.tools.base import ToolContext, ToolResult
from gitagent.tools.paths import ToolError, run_checked

SEVERITIES = ("error", "warning", "note")
TITLE_LIMIT = 200


@dataclass
class Finding:
    """One problem found in the change; `inline` is False (with `outside`, the reason) for a summary finding."""

    path: str
    start_line: int
    end_line: int
    severity: str
    title: str
    body: str
    suggestion: str | None = None
    inline: bool = False
    outside: str | None = None
    part: int = 1

    @property
    def fingerprint(self) -> str:
        """A stable id (file, title, first line) for de-duplicating and for reports that track findings."""
        key = f"{self.path}\0{self.title.strip().lower()}\0{self.start_line}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @property
    def lines(self) -> str:
        """`12` or `12-15`."""
        return str(self.start_line) if self.start_line == self.end_line else f"{self.start_line}-{self.end_line}"

    def to_json(self) -> dict[str, Any]:
        """The finding in gitagent's JSON report."""
        return {**asdict(self), "fingerprint": self.fingerprint}


def place(finding: Finding, files: dict[str, FileChange]) -> Finding:
    """Decide whether `finding` can sit on its lines in the diff; set `inline` and `outside` accordingly."""
    change = files.get(finding.path)
    finding.inline, finding.outside = False, None
    if change is None:
        finding.outside = "the file is not part of this change"
    elif change.skipped is not None:
        finding.outside = f"the file is not reviewed inline ({change.skipped})"
    elif change.hunk_for(finding.start_line, finding.end_line) is None:
        ranges = ", ".join(f"{a}-{b}" for a, b in change.changed_ranges) or "none"
        where = f"line {finding.lines} is" if finding.start_line == finding.end_line else f"lines {finding.lines} are"
        finding.outside = f"{where} not inside one hunk of the diff (hunks: {ranges})"
    else:
        finding.inline = True
    return finding


def merge(found: list[list[Finding]]) -> list[Finding]:
    """All parts' findings, each fingerprint once, errors first, then by file and line."""
    unique: dict[str, Finding] = {}
    for part in found:
        for finding in part:
            unique.setdefault(finding.fingerprint, finding)
    return sorted(unique.values(), key=lambda f: (SEVERITIES.index(f.severity), f.path, f.start_line, f.title))


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "File path relative to the repository root, as in the diff."},
        "start_line": {"type": "integer", "minimum": 1, "description": "First line, on the new side of the diff."},
        "end_line": {"type": "integer", "minimum": 1, "description": "Last line (same as start_line for one)."},
        "severity": {"type": "string", "enum": list(SEVERITIES), "description": "error, warning or note."},
        "title": {"type": "string", "description": "One line stating the problem (under about 70 characters)."},
        "body": {"type": "string", "description": "What is wrong, what triggers it, its effect (Markdown)."},
        "suggestion": {
            "type": "string",
            "description": "Optional: the replacement text for exactly lines start_line..end_line.",
        },
    },
    "required": ["path", "start_line", "end_line", "severity", "title", "body"],
    "additionalProperties": False,
}


class ReportFinding:
    """The tool a reviewing model reports each finding with; it keeps them, placed against the diff."""

    name = "ReportFinding"
    description = (
        "Report one review finding: a real problem in the change, on lines of the NEW side of the diff. "
        "Put start_line..end_line inside one changed hunk (the prompt lists each file's hunks) so it can be "
        "posted on those lines; a finding elsewhere is kept but shown only in the summary. Call it once per "
        "finding; reporting the same path and title again replaces the earlier one. `suggestion`, if given, "
        "replaces exactly those lines, so give the complete new text of the range."
    )
    input_schema = _SCHEMA

    def __init__(self, files: dict[str, FileChange], part: int = 1) -> None:
        self.files = files
        self.part = part
        self.findings: list[Finding] = []
        self._lock = threading.Lock()

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Record the finding and tell the model where it will be shown."""
        return run_checked(self.input_schema, tool_input, self._report)

    def _report(self, args: dict[str, Any]) -> ToolResult:
        if args["end_line"] < args["start_line"]:
            raise ToolError(f"end_line ({args['end_line']}) is before start_line ({args['start_line']})")
        title = " ".join(args["title"].split())[:TITLE_LIMIT]
        if not title or not args["body"].strip():
            raise ToolError("title and body must not be empty")
        path = args["path"].strip().removeprefix("./").removeprefix("b/")
        finding = place(Finding(
            path, args["start_line"], args["end_line"], args["severity"], title, args["body"].strip(),
            args.get("suggestion"), part=self.part,
        ), self.files)  # fmt: skip
        with self._lock:
            earlier = [f for f in self.findings if (f.path, f.title) == (path, title)]
            self.findings = [f for f in self.findings if f not in earlier] + [finding]
        verb = "Replaced" if earlier else "Recorded"
        where = "on those lines" if finding.inline else f"in the summary only: {finding.outside}"
        return ToolResult(f"{verb} {finding.severity} at {path}:{finding.lines}; it will be shown {where}.")
