"""A review part's typed answer: what the schema and the extra checks refuse, and where each finding lands."""

from gitagent.review.diff import FileChange, Hunk
from gitagent.review.findings import Finding, findings_of, merge, part_contract

FILES = {
    "app.py": FileChange(
        "app.py", "app.py", "modified", 3, 1, "p", [Hunk(9, 9, 9, 7, {12, 13, 14}), Hunk(24, 7, 22, 7)]
    ),
    "yarn.lock": FileChange("yarn.lock", "yarn.lock", "modified", 1, 1, skipped="lock file"),
}


def item(**fields):
    return {"path": "app.py", "start_line": 12, "end_line": 14, "severity": "error", "title": "T", "body": "B",
            **fields}  # fmt: skip


def answer(*items):
    return {"summary": "s", "findings": list(items)}


def test_findings_inside_one_hunk_are_inline_and_others_go_to_the_summary() -> None:
    found = findings_of(answer(
        item(), item(title="spans two hunks", start_line=15, end_line=25),
        item(path="yarn.lock", title="lock", start_line=1, end_line=1),
        item(path="./other.py", title="other", start_line=1, end_line=1),
    ), FILES, part=2)  # fmt: skip
    assert [f.inline for f in found] == [True, False, False, False]
    assert found[1].outside == "lines 15-25 are not inside one hunk of the diff (hunks: 9-17, 24-30)"
    assert found[2].outside == "the file is not reviewed inline (lock file)"
    assert found[3].path == "other.py" and found[3].outside == "the file is not part of this change"
    assert {f.part for f in found} == {2}


def test_an_answer_the_model_must_correct_names_each_problem() -> None:
    contract = part_contract()
    errors = contract.errors(answer(item(end_line=3), item(severity="critical"), item(title="  ")))
    assert errors == [
        "/findings/1/severity: 'critical' is not one of ['error', 'warning', 'note']",
    ]  # the schema first; the checks below run only on answers it accepts
    errors = contract.errors(answer(item(end_line=3), item(title="  ")))
    assert errors == ["/findings/0/end_line: 3 is before start_line 12", "/findings/1/title: must not be blank"]
    missing = contract.errors({"summary": "s", "findings": [{k: v for k, v in item().items() if k != "body"}]})
    assert missing == ["/findings/0: 'body' is a required property"]
    assert contract.errors(answer(item())) == []


def test_the_same_path_and_title_keeps_the_later_finding() -> None:
    found = findings_of(answer(item(start_line=40, end_line=40), item(start_line=13, end_line=13)), FILES)
    assert [(f.start_line, f.inline) for f in found] == [(13, True)]


def test_merge_deduplicates_and_orders_by_severity() -> None:
    a = Finding("b.py", 3, 3, "note", "n", "x")
    b = Finding("a.py", 9, 9, "error", "e", "x")
    c = Finding("b.py", 3, 3, "note", "N", "y")  # the same finding from another part
    assert merge([[a], [b, c]]) == [b, a]
