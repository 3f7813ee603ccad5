"""GitLab's Code Quality report (`gl-code-quality-report.json`): the subset of the Code Climate format
GitLab reads (description, check_name, fingerprint, severity, location.path, location.lines.begin)."""

from typing import Any

from gitagent.review.formats.sarif import rule_id
from gitagent.review.report import Review

SEVERITY = {"error": "critical", "warning": "major", "note": "info"}


def code_quality(review: Review) -> list[dict[str, Any]]:
    """One issue per finding."""
    return [
        {
            "type": "issue",
            "description": f.title,
            "content": {"body": f.body + (f"\n\nSuggested replacement:\n{f.suggestion}" if f.suggestion else "")},
            "check_name": rule_id(f),
            "fingerprint": f.fingerprint,
            "severity": SEVERITY[f.severity],
            "categories": ["Bug Risk"],
            "location": {"path": f.path, "lines": {"begin": f.start_line, "end": f.end_line}},
        }
        for f in review.findings
    ]
