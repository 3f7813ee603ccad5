"""Findings: what a review reports, how the model reports them (each part's typed answer), and where they go.

A finding names a file, a line range on the new side, a severity, a title, an explanation and optionally a
replacement for exactly those lines. It is placed *inline* when its whole range lies inside one hunk of
the diff (so GitHub and GitLab accept a comment there); otherwise it goes to the summary, with the reason.
"""

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from gitagent.agent.output import OutputContract
from gitagent.review.diff import FileChange

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


FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "File path relative to the repository root, as in the diff."},
        "start_line": {"type": "integer", "minimum": 1, "description": "First line, on the new side of the diff."},
        "end_line": {"type": "integer", "minimum": 1, "description": "Last line (same as start_line for one)."},
        "severity": {"type": "string", "enum": list(SEVERITIES), "description": "error, warning or note."},
        "title": {
            "type": "string",
            "minLength": 1,
            "description": "One line stating the problem (under about 70 characters).",
        },
        "body": {"type": "string", "minLength": 1, "description": "What is wrong, what triggers it, its effect."},
        "suggestion": {
            "type": "string",
            "description": "Optional: the replacement text for exactly lines start_line..end_line.",
        },
    },
    "required": ["path", "start_line", "end_line", "severity", "title", "body"],
    "additionalProperties": False,
}

PART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {
            "type": "string",
            "description": "This part in a few sentences: what it changes, your assessment, what you could not check.",
        },
        "findings": {
            "type": "array",
            "items": FINDING_SCHEMA,
            "description": "Every real problem in this part's files, on new-side lines inside the changed hunks "
            "(the prompt lists them) so it can be posted there; elsewhere it is shown only in the summary. "
            "A suggestion replaces exactly those lines, so give the complete new text of the range. [] if none.",
        },
    },
    "required": ["summary", "findings"],
    "additionalProperties": False,
}
"""What each review part answers with, through the StructuredOutput tool (`agent.output`)."""


def part_contract() -> OutputContract:
    """The typed answer a review part must end with: its summary and findings, checked beyond the schema
    for line order and blank text, so the model corrects them before the part ends."""
    return OutputContract(PART_SCHEMA, check=_check_part)


def _check_part(report: dict[str, Any]) -> list[tuple[list[str | int], str]]:
    errors: list[tuple[list[str | int], str]] = []
    for n, item in enumerate(report["findings"]):
        if item["end_line"] < item["start_line"]:
            errors.append(
                (["findings", n, "end_line"], f"{item['end_line']} is before start_line {item['start_line']}")
            )
        for key in ("title", "body"):
            if not item[key].strip():
                errors.append((["findings", n, key], "must not be blank"))
    return errors


def findings_of(report: dict[str, Any], files: dict[str, FileChange], part: int = 1) -> list[Finding]:
    """A part's validated answer as findings placed against the diff; a later finding with the same path and
    title replaces an earlier one."""
    kept: dict[tuple[str, str], Finding] = {}
    for item in report["findings"]:
        title = " ".join(item["title"].split())[:TITLE_LIMIT]
        path = item["path"].strip().removeprefix("./").removeprefix("b/")
        finding = Finding(path, item["start_line"], item["end_line"], item["severity"], title, item["body"].strip(),
                          item.get("suggestion"), part=part)  # fmt: skip
        kept.pop((path, title), None)
        kept[(path, title)] = place(finding, files)
    return list(kept.values())
