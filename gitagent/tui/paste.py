"""Large pastes shown as a placeholder in the prompt (`[Pasted text #1 +120 lines]`), as Claude Code does, and
put back in full when the prompt is sent. A placeholder deleted from the prompt drops its paste."""

import re

MIN_LINES = 10
MIN_CHARS = 2000
"""A paste of at least this many lines, or more characters, is collapsed."""

PLACEHOLDER = re.compile(r"\[Pasted text #(\d+) (?:\+\d+ lines|[\d,]+ chars)\]")


class Pastes:
    """The collapsed pastes of the prompt being written, by number."""

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}

    def collapse(self, text: str) -> str | None:
        """The placeholder to insert for a large paste (remembering its text), or None for a small one."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        extra_lines = text.count("\n")
        if extra_lines + 1 < MIN_LINES and len(text) <= MIN_CHARS:
            return None
        number = max(self.texts, default=0) + 1
        self.texts[number] = text
        size = f"+{extra_lines} lines" if extra_lines else f"{len(text):,} chars"
        return f"[Pasted text #{number} {size}]"

    def expand(self, prompt: str) -> str:
        """`prompt` with each placeholder replaced by its paste; then forget them all."""
        texts = self.texts

        def paste(match: re.Match[str]) -> str:
            return texts.get(int(match[1]), match[0])

        expanded = PLACEHOLDER.sub(paste, prompt) if texts else prompt
        self.texts = {}
        return expanded
