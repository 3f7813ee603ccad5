"""GitHub Actions workflow commands: one annotation per finding on the diff, within GitHub's limits.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job); the rest
are named in the job summary, which has every finding anyway. Escaping follows GitHub's toolkit: in the
message `%`, CR and LF; in properties also `:` and `,`.
"""

from gitagent.review.report import Review

PER_LEVEL_LIMIT = 10
LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(review: Review) -> tuple[str, int]:
    """The workflow commands for the findings on the diff, and how many were left out by the limits."""
    used = dict.fromkeys(LEVELS.values(), 0)
    lines, left = [], 0
    for f in review.inline:
        level = LEVELS[f.severity]
        if used[level] >= PER_LEVEL_LIMIT:
            left += 1
            continue
        used[level] += 1
        props = [f"file={escape_property(f.path)}", f"line={f.start_line}"]
        if f.end_line != f.start_line:
            props.append(f"endLine={f.end_line}")
        props.append(f"title={escape_property(f.title)}")
        message = f.body + (f"\n\nSuggested replacement:\n{f.suggestion}" if f.suggestion is not None else "")
        lines.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    return "".join(line + "\n" for line in lines), left


def limit_note(left: int) -> str:
    """The line the job summary gets when annotations were left out."""
    return (
        f"\n_{left} more findings are not shown as annotations (GitHub shows at most {PER_LEVEL_LIMIT} of each "
        "level per step); they are all listed above._\n"
    )
