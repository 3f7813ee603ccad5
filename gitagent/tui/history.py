"""The prompts sent in this repository's chats, kept across sessions in `$GIT_DIR/gitagent/prompt-history.jsonl`
(one JSON object a line: text, conversation, time), for Up/Down and Ctrl+R. It lives beside the repository's
other gitagent state, outside every commit and out of the sandbox's reach (`.git` is read-only there)."""

import json
import os
from pathlib import Path

from gitagent.agent.record import now_iso

FILE = "prompt-history.jsonl"
KEEP = 1000
"""Prompts kept; the file is cut back to these when it has grown to twice as many."""


class PromptHistory:
    """The sent prompts, oldest first; `add` appends to memory and to the file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[str] = []
        self.lines_on_disk = 0
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self.lines_on_disk = len(lines)
        for line in lines[-KEEP:]:
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash, or written by something else: skip it
            if isinstance(text, str) and (not self.entries or self.entries[-1] != text):
                self.entries.append(text)

    def add(self, text: str, conversation: str | None = None) -> None:
        """Remember a sent prompt (a repeat of the last one is not added twice)."""
        if self.entries and self.entries[-1] == text:
            return
        self.entries.append(text)
        if self.path is None:
            return
        line = json.dumps({"text": text, "conversation": conversation, "at": now_iso()}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
            self.lines_on_disk += 1
            if self.lines_on_disk >= 2 * KEEP:
                self._compact()
        except OSError:
            pass  # history is a convenience: a read-only or full disk must not stop a prompt from being sent

    def _compact(self) -> None:
        assert self.path is not None
        kept = self.path.read_text(encoding="utf-8", errors="replace").splitlines()[-KEEP:]
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text("\n".join(kept) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        self.lines_on_disk = len(kept)

    def search(self, query: str) -> list[str]:
        """The prompts containing `query` (any case), newest first, each once."""
        needle = query.casefold()
        found = [text for text in reversed(self.entries) if needle in text.casefold()]
        return list(dict.fromkeys(found))
