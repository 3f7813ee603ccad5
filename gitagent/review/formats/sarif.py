"""SARIF 2.1.0 for code scanning (`github/codeql-action/upload-sarif`), valid against the OASIS schema.

One rule per distinct finding title (code scanning names an alert after its rule), results located on
the new side of the diff relative to the repository root (`%SRCROOT%`), and a fingerprint per finding so
an alert keeps its identity across pushes.
"""

import re
from typing import Any

from gitagent import __version__
from gitagent.review.findings import Finding
from gitagent.review.report import Review

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFO_URI = "https://github.com/gitagent/gitagent"


def rule_id(finding: Finding) -> str:
    """`gitagent/<title in lowercase words>`, the same for the same problem everywhere."""
    slug = re.sub(r"[^a-z0-9]+", "-", finding.title.lower()).strip("-")[:60].rstrip("-")
    return f"gitagent/{slug or 'finding'}"


def sarif(review: Review) -> dict[str, Any]:
    """The SARIF log of a review."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in review.findings:
        rid = rule_id(f)
        rules.setdefault(rid, {
            "id": rid, "name": rid.split("/", 1)[1].title().replace("-", ""),
            "shortDescription": {"text": f.title}, "fullDescription": {"text": f.title},
            "defaultConfiguration": {"level": f.severity},
            "properties": {"tags": ["gitagent-review"]},
        })  # fmt: skip
        results.append(_result(f, list(rules).index(rid)))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "gitagent", "version": __version__, "informationUri": INFO_URI,
                            "rules": list(rules.values())}},
        "automationDetails": {"id": f"gitagent-review/{review.target.key}/"},
        "versionControlProvenance": [{"repositoryUri": _repository_uri(review), "revisionId": review.revisions.head}],
        "results": results,
    }  # fmt: skip
    if not run["versionControlProvenance"][0]["repositoryUri"]:
        del run["versionControlProvenance"]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    text = f.body if f.suggestion is None else f"{f.body}\n\nSuggested replacement:\n{f.suggestion}"
    result: dict[str, Any] = {
        "ruleId": rule_id(f),
        "ruleIndex": rule_index,
        "level": f.severity,
        "message": {"text": f"{f.title}\n\n{text}", "markdown": f"**{f.title}**\n\n{text}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": f.start_line, "endLine": f.end_line},
        }}],
        "partialFingerprints": {"gitagentFinding/v1": f.fingerprint},
        "properties": {"inDiff": f.inline},
    }  # fmt: skip
    if f.suggestion is not None and f.inline:
        result["fixes"] = [{
            "description": {"text": "Suggested replacement"},
            "artifactChanges": [{
                "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                "replacements": [{
                    "deletedRegion": {"startLine": f.start_line, "endLine": f.end_line},
                    "insertedContent": {"text": f.suggestion},
                }],
            }],
        }]  # fmt: skip
    return result


def _repository_uri(review: Review) -> str:
    t = review.target
    if t.provider == "github" and t.project and t.api_url:
        host = "https://github.com" if t.api_url == "https://api.github.com" else t.api_url.removesuffix("/api/v3")
        return f"{host}/{t.project}"
    return ""
