"""The ReportFinding tool: what the model is told, what is kept, and where each finding lands."""

from pathlib import Path

from gitagent.review.diff import FileChange, Hunk
from gitagent.review.findings import Finding, ReportFinding, merge
from gitagent.sandbox import UnconfinedSandbox
from gitagent.tools.base import ToolContext

FILES = {
    "app.py": FileChange(
        "app.py", "app.py", "modified", 3, 1, "p", [Hunk(9, 9, 9, 7, {12, 13, 14}), Hunk(24, 7, 22, 7)]
    ),
    "yarn.lock": FileChange("yarn.lock", "yarn.lock", "modified", 1, 1, skipped="lock file"),
}
CTX = ToolContext(Path("/nonexistent"), UnconfinedSandbox())


def report(tool: ReportFinding, **fields):
    base = {"path": "app.py", "start_line": 12, "end_line": 14, "severity": "error", "title": "T", "body": "B"}
    return tool.run({**base, **fields}, CTX)


def test_findings_inside_one_hunk_are_inline_and_others_go_to_the_summary() -> None:
    tool = ReportFinding(FILES)
    assert report(tool).output == "Recorded error at app.py:12-14; it will be shown on those lines."
    spans = report(tool, title="spans two hunks", start_line=15, end_line=25)
    assert "summary only: lines 15-25 are not inside one hunk of the diff (hunks: 9-17, 24-30)" in spans.output
    assert (
        "not reviewed inline (lock file)"
        in report(tool, path="yarn.lock", title="lock", start_line=1, end_line=1).output
    )
    assert "not part of this change" in report(tool, path="other.py", title="other", start_line=1, end_line=1).output
    assert [f.inline for f in tool.findings] == [True, False, False, False]


def test_bad_input_is_an_error_the_model_can_fix() -> None:
    tool = ReportFinding(FILES)
    assert "end_line (3) is before start_line (12)" in report(tool, end_line=3).output
    assert "must be one of error, warning, note" in report(tool, severity="critical").output
    assert "missing required parameter 'body'" in tool.run({"path": "a", "start_line": 1, "end_line": 1,
                                                            "severity": "note", "title": "t"}, CTX).output  # fmt: skip
    assert "title and body must not be empty" in report(tool, title="  ").output
    assert tool.findings == []


def test_the_same_path_and_title_replaces_the_earlier_finding() -> None:
    tool = ReportFinding(FILES)
    report(tool, start_line=40, end_line=40)
    again = report(tool, start_line=13, end_line=13)
    assert again.output.startswith("Replaced error at app.py:13")
    assert [(f.start_line, f.inline) for f in tool.findings] == [(13, True)]


def test_merge_deduplicates_and_orders_by_severity() -> None:
    a = Finding("b.py", 3, 3, "note", "n", "x")
    b = Finding("a.py", 9, 9, "error", "e", "x")
    c = Finding("b.py", 3, 3, "note", "N", "y")  # the same finding from another part
    assert merge([[a], [b, c]]) == [b, a]
