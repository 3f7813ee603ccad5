"""Filling in a command's template with the arguments typed after it, as Claude Code 2.1 does (checked with
the oracle; tests/commands/fixtures/claude_code_expansion.json holds what it produced):

- `$ARGUMENTS` is everything typed after the command, as typed;
- `$0`, `$1`… and `$ARGUMENTS[0]`… are the arguments split as a shell splits them (quotes group words),
  counted from 0; one out of range stays as written, and `$1x` is not a placeholder;
- a `\\$` before a placeholder keeps it literal (and the backslash goes);
- a template with no placeholder at all gets the arguments appended, after a blank line, as
  `ARGUMENTS: …`.
"""

import re
import shlex

PLACEHOLDER = re.compile(r"(\\*)\$(?:ARGUMENTS\[(\d+)\]|(ARGUMENTS)|(\d+)\b)")


def split_arguments(arguments: str) -> list[str]:
    """The arguments as a shell splits them (plain whitespace splitting when the quotes do not close)."""
    try:
        return shlex.split(arguments)
    except ValueError:
        return arguments.split()


def expand(template: str, arguments: str) -> str:
    """The template with its placeholders filled in from `arguments`."""
    arguments = arguments.strip()
    values = split_arguments(arguments)
    used = False

    def fill(match: re.Match[str]) -> str:
        nonlocal used
        slashes, index, whole, position = match[1], match[2], match[3], match[4]
        placeholder = match[0][len(slashes) :]
        if len(slashes) % 2:
            return slashes[:-1] + placeholder
        used = True
        if whole:
            return slashes + arguments
        number = int(index if index is not None else position)
        return slashes + (values[number] if number < len(values) else placeholder)

    expanded = PLACEHOLDER.sub(fill, template)
    if not used and arguments:
        expanded += f"\n\nARGUMENTS: {arguments}"
    return expanded
