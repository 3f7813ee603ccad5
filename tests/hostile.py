"""Hostile text: what an untrusted repository, a tool's output, a pasted prompt or a model can put in front of
the person, for the tests that check it is drawn literally and never reaches the terminal as a command."""

import re
import unicodedata

MARKUP = (
    "Explain arr[/] and [red]why[/red], [bold]app/[id]/page.tsx[/bold] [link=https://x.example]y[/link]"
    " [@click=app.quit]q[/] $variable"
)
CORPUS = {
    "markup": MARKUP,
    "ansi colour": "\x1b[31mred alert\x1b[0m",
    "cursor movement": "before\x1b[5A\x1b[10;10H\x1b[2Kafter",
    "screen clear": "\x1b[2J\x1b[3J\x1b[H\x1bcwiped",
    "osc 52": "\x1b]52;c;cm0gLXJmIC8K\x07clipboard",
    "osc 8": "\x1b]8;;https://evil.example/\x1b\\a link\x1b]8;;\x1b\\",
    "bidi": "user\u202e\u2066 nimda\u2069\u202c",
    "c1 controls": "\x9b2J\x9d0;title\x9c",
    "bell and backspace": "ding\x07\x08\x08\x7f",
}
"""Each kind of hostile text, small enough to use as a prompt, an output line, a name or a subject."""

ONE_LINE = " ".join(CORPUS.values())
INVALID_UTF8 = b"not utf-8: \xff\xfe\xc3("
ONE_MB_LINE = "0123456789abcdef" * 65_536

TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal from such text (a tab or a newline may)."""


def visible_forms() -> list[str]:
    """What a person must see of the corpus: the words, and each escape sequence spelled out."""
    return [
        "Explain arr[/] and [red]why[/red]",
        "app/[id]/page.tsx",
        "red alert",
        "\\x1b[2J",
        "\\x1b]52;c;cm0gLXJmIC8K\\x07",
        "\\x1b]8;;https://evil.example/",
        "\\u202e",
    ]


def is_safe(rendered: str) -> bool:
    """Whether `rendered` (what went to the screen) has no control character or bidi control in it."""
    return not TERMINAL_CONTROL.search(rendered) and all(unicodedata.category(c) != "Cs" for c in rendered)
