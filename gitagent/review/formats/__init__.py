"""The review's output formats, and where each goes: standard output, or a file in `--output-dir`.

| format | stdout | file in --output-dir |
| --- | --- | --- |
| `github` | annotations (always stdout, where the runner reads them) | job summary: `$GITHUB_STEP_SUMMARY` |
| `sarif` | SARIF 2.1.0 | `gitagent.sarif` |
| `gitlab` | Code Quality JSON | `gl-code-quality-report.json` |
| `json` | gitagent's report | `gitagent-review.json` |
| `markdown` | the review as Markdown | `gitagent-review.md` |
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gitagent.errors import GitagentError
from gitagent.review.formats.github import annotations, limit_note
from gitagent.review.formats.gitlab import code_quality
from gitagent.review.formats.markdown import render
from gitagent.review.formats.sarif import sarif
from gitagent.review.report import Review

FILES = {
    "sarif": "gitagent.sarif",
    "gitlab": "gl-code-quality-report.json",
    "json": "gitagent-review.json",
    "markdown": "gitagent-review.md",
}
FORMATS = ("github", *FILES)


def parse_formats(value: str) -> list[str]:
    """`github,sarif` -> ["github", "sarif"]; an unknown name is an error that lists the known ones."""
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise GitagentError(
            f"unknown output format {', '.join(map(repr, unknown)) or repr(value)}",
            f"choose one or more of {', '.join(FORMATS)}, comma-separated (e.g. --format github,sarif)",
        )
    return list(dict.fromkeys(names))


def render_format(name: str, review: Review, fail_on: str) -> str:
    """The text of one file format."""
    if name == "sarif":
        return json.dumps(sarif(review), indent=2, ensure_ascii=False) + "\n"
    if name == "gitlab":
        return json.dumps(code_quality(review), indent=2, ensure_ascii=False) + "\n"
    if name == "json":
        return json.dumps(review.to_json(fail_on), indent=2, ensure_ascii=False) + "\n"
    if name == "markdown":
        return render(review, fail_on)
    raise ValueError(name)


@dataclass
class Written:
    """Where the outputs went, to tell the user."""

    files: list[Path]
    notes: list[str]


def write_outputs(
    review: Review, formats: list[str], fail_on: str, output_dir: Path | None, stdout: TextIO, env: Mapping[str, str]
) -> Written:
    """Write every requested format; return the files written and anything worth telling the user."""
    written = Written([], [])
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
    for name in formats:
        if name == "github":
            _github(review, fail_on, stdout, env, written)
            continue
        text = render_format(name, review, fail_on)
        if output_dir is None:
            stdout.write(text)
        else:
            path = output_dir / FILES[name]
            path.write_text(text, encoding="utf-8")
            written.files.append(path)
    stdout.flush()
    return written


def _github(review: Review, fail_on: str, stdout: TextIO, env: Mapping[str, str], written: Written) -> None:
    commands, left = annotations(review)
    stdout.write(commands)
    summary_path = env.get("GITHUB_STEP_SUMMARY")
    if not summary_path:
        written.notes.append("GITHUB_STEP_SUMMARY is not set: no job summary written (not in GitHub Actions?)")
        return
    summary = render(review, fail_on) + (limit_note(left) if left else "")
    with open(summary_path, "a", encoding="utf-8") as f:
        f.write(summary)
    written.files.append(Path(summary_path))
    if left:
        written.notes.append(f"{left} findings over GitHub's annotation limits are listed in the job summary only")
