"""The output formats: SARIF valid against the official OASIS 2.1.0 schema, GitHub's escaping and limits,
gitagent's JSON, and `--format` errors."""

import json
from pathlib import Path

import jsonschema
import pytest

from gitagent.errors import GitagentError
from gitagent.review.ci import Target
from gitagent.review.diff import FileChange, Hunk
from gitagent.review.findings import Finding, place
from gitagent.review.formats import parse_formats
from gitagent.review.formats.github import PER_LEVEL_LIMIT, annotations, escape_data, escape_property
from gitagent.review.git import Revisions
from gitagent.review.report import Part, Review
from tests.conftest import run_cli
from tests.review.conftest import DIV_ZERO, OUTSIDE, TEST_NOTE, PullRequest, answer, review_script

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_is_valid_against_the_official_schema(pr: PullRequest, tmp_path: Path) -> None:
    model = review_script(tmp_path, [answer("done", DIV_ZERO, OUTSIDE, TEST_NOTE)])
    result = run_cli(pr.path, "review", "--base", "main", "--format", "sarif", "--model", model, "-q")
    log = json.loads(result.out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "gitagent"
    results = {r["ruleId"]: r for r in run["results"]}
    div = results["gitagent/compute-divides-by-zero"]
    assert div["level"] == "error"
    assert div["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 13, "endLine": 14},
    }
    assert div["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"].startswith("def compute")
    assert results["gitagent/value-5-is-unused"]["properties"]["inDiff"] is False
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_sarif_of_a_review_without_findings_is_valid_too(pr: PullRequest, tmp_path: Path) -> None:
    result = run_cli(pr.path, "review", "--base", "main", "-f", "sarif", "-m", review_script(tmp_path, [answer("ok")]))
    assert result.code == 0
    log = json.loads(result.out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def _review(findings: list[Finding]) -> Review:
    hunk = Hunk(1, 400, 1, 0, added=set(range(1, 401)))
    files = [FileChange("src/a,b:c.py", "src/a,b:c.py", "added", 400, 0, "patch", [hunk])]
    placed = [place(f, {c.path: c for c in files}) for f in findings]
    return Review(Target("github", "b", "h", "pr-1", 1), Revisions("b" * 40, "h" * 40, "m" * 40), files, placed,
                  [Part(1, ["src/a,b:c.py"])], "refs/gitagent/reviews/pr-1/" + "h" * 40, "scripted:x")  # fmt: skip


def test_github_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    f = Finding("src/a,b:c.py", 3, 3, "warning", "Bad: a, b", "line1\nline2 50%")
    commands, left = annotations(_review([f]))
    assert commands == "::warning file=src/a%2Cb%3Ac.py,line=3,title=Bad%3A a%2C b::line1%0Aline2 50%25\n"
    assert left == 0


def test_github_annotations_stop_at_ten_per_level() -> None:
    findings = [
        Finding("src/a,b:c.py", i, i, sev, f"{sev} {i}", "x") for sev in ("error", "note") for i in range(1, 15)
    ]
    commands, left = annotations(_review(findings))
    assert commands.count("::error ") == PER_LEVEL_LIMIT and commands.count("::notice ") == PER_LEVEL_LIMIT
    assert left == 8


def test_json_report_shape(pr: PullRequest, tmp_path: Path) -> None:
    model = review_script(tmp_path, [answer("Summary.", DIV_ZERO, OUTSIDE)])
    report = json.loads(run_cli(pr.path, "review", "--base", "main", "-f", "json", "-m", model, "-q").out)
    assert report["schema"] == 1 and report["exit_status"] == 1 and report["fail_on"] == "error"
    inline = [f for f in report["findings"] if f["inline"]]
    assert [(f["path"], f["start_line"], f["end_line"], f["severity"]) for f in inline] == [("app.py", 13, 14, "error")]
    [outside] = [f for f in report["findings"] if not f["inline"]]
    assert outside["outside"] == "line 5 is not inside one hunk of the diff (hunks: 9-17, 24-30)"
    assert len(outside["fingerprint"]) == 32
    skipped = {f["path"]: f["skipped"] for f in report["files"] if f["skipped"]}
    assert skipped == {"api_pb2.py": "generated (by name)", "models_gen.go": "generated (header)", "logo.png": "binary",
                       "yarn.lock": "lock file"}  # fmt: skip
    assert report["parts"][0]["summary"] == "Summary." and report["parts"][0]["status"] == "complete"


def test_unknown_format_is_refused_before_any_work(pr: PullRequest) -> None:
    with pytest.raises(GitagentError, match="unknown output format 'html'"):
        parse_formats("github,html")
    assert parse_formats(" SARIF , github,sarif") == ["sarif", "github"]
    result = run_cli(pr.path, "review", "--base", "main", "--format", "xml", "--model", "scripted:none.json")
    assert result.code == 2 and "unknown output format 'xml'" in result.err and "github, sarif" in result.err
