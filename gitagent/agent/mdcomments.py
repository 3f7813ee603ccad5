"""Block-level HTML comments in Claude Code's instruction files, which the model never sees.

Claude Code leaves out of a `CLAUDE.md` (and the files it imports) every HTML comment that stands as a Markdown
block: one opening a line (`<!-- notes to the humans -->`, over several lines too), what follows its `-->` on
the same line kept, and the blank lines after a comment that leaves nothing. An `@path` inside such a comment
is not imported. A comment inside a line of text, in a fenced or indented code block, or never closed stays as
written; indented by one to three spaces it opens a block only where a paragraph does not go on. These rules
were read off what Claude Code 2.1.328 sent for files written to probe them
(`tests/agent/test_instruction_comments.py`).
"""

import re

_OPEN = "<!--"
_CLOSE = "-->"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE = re.compile(r"<!--.*?-->")


def visible_lines(text: str) -> list[tuple[int, str]]:
    """The lines of `text` the model sees, each with its line number in the file (from 1)."""
    lines = text.splitlines()
    shown: list[tuple[int, str]] = []
    fence = ""
    block_ended = True  # a comment may open a block here, however it is indented
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence or (opening := _FENCE.match(line)):
            fence = _fence_after(line, fence, opening if not fence else None)
            shown.append((i + 1, line))
            block_ended = not fence
            i += 1
            continue
        end = _comment_end(lines, i) if _opens_comment(line, block_ended) else None
        if end is None:
            shown.append((i + 1, line))
            block_ended = not line.strip() or line.lstrip(" ").startswith("#")
            i += 1
            continue
        last, tail = end
        i = last + 1
        if tail.strip():
            shown.append((last + 1, tail))
        else:
            while i < len(lines) and not lines[i].strip():
                i += 1
        block_ended = True
    return shown


def strip_comments(text: str) -> str:
    """`text` without its block-level HTML comments, as the model is shown it."""
    kept = "\n".join(line for _, line in visible_lines(text))
    return kept + "\n" if kept and text.endswith("\n") else kept


def _fence_after(line: str, fence: str, opening: re.Match[str] | None) -> str:
    """The fence still open after `line`: the one it opens, "" once it closes the open one."""
    if opening is not None:
        return opening[1]
    stripped = line.strip()
    closes = stripped.startswith(fence) and set(stripped) == {fence[0]} and len(line) - len(line.lstrip(" ")) <= 3
    return "" if closes else fence


def _opens_comment(line: str, block_ended: bool) -> bool:
    indent = len(line) - len(line.lstrip(" "))
    if not line[indent:].startswith(_OPEN) or indent > 3:
        return False
    return indent == 0 or block_ended


def _comment_end(lines: list[str], start: int) -> tuple[int, str] | None:
    """Where the comment opening line `start` closes: that line's index and what follows on it (complete
    comments there left out too); None when it never closes."""
    at = lines[start].index(_OPEN) + len(_OPEN)
    for index in range(start, len(lines)):
        found = lines[index].find(_CLOSE, at if index == start else 0)
        if found >= 0:
            return index, _INLINE.sub("", lines[index][found + len(_CLOSE) :])
    return None
