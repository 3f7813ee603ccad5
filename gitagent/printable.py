"""Text from outside (tool output, file names, model answers, commit messages) made safe to draw on a terminal.

A terminal obeys the control characters in what it is sent: an escape sequence in a command's output can clear
the screen, move the cursor, set the clipboard (OSC 52), make a disguised link (OSC 8), or reorder what is
read (bidi overrides). Everything gitagent draws from such text, in the chat and in the CLI's text output,
goes through `printable` first (or `one_line`, where it must stay on one line).
"""

import re

_SGR = r"\x1b\[[0-9;:]*m"
"""A colour or style sequence: dropped, since the text is readable without it and nothing else hides in it."""

_UNSAFE = (
    "\r\n?"  # a lone CR would let later text overwrite earlier text on the same line
    "|[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]"  # C0 and C1 controls (ESC, BEL, backspace…), DEL; not \t or \n
    "|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidi marks, embeddings, overrides and isolates
    "|[\u2028\u2029]"  # line and paragraph separators
    "|[\ud800-\udfff]"  # lone surrogates: bytes that were not UTF-8, kept by `surrogateescape`
)
_PATTERN = re.compile(f"{_SGR}|{_UNSAFE}")


def printable(text: str) -> str:
    """`text` with every control character, escape sequence and bidi control shown as a visible escape
    (`ESC [2J` becomes the six characters `\\x1b[2J`), colour sequences dropped, and CR or CRLF as a newline."""
    return _PATTERN.sub(_visible, text)


def one_line(text: str) -> str:
    """`text` as `printable` shows it, with its line breaks and tabs shown as escapes too: a name or an error
    message that must print as one harmless line."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def _visible(match: re.Match[str]) -> str:
    found = match.group()
    if found.startswith("\r"):
        return "\n"
    if found.startswith("\x1b"):
        return "" if len(found) > 1 else "\\x1b"
    code = ord(found)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte `surrogateescape` stood in for
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"
