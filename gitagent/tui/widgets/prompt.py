"""The multi-line prompt: Enter sends, Shift+Enter or Ctrl+J starts a new line, Up and Down walk the history
of sent prompts (kept per repository across sessions), Tab completes a slash command, a large paste shows as
a placeholder, and an `@` mention offers the worktree's paths in the list above."""

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from gitagent.tui.commands import complete
from gitagent.tui.history import PromptHistory
from gitagent.tui.mentions import partial_at
from gitagent.tui.paste import Pastes
from gitagent.tui.widgets.completions import MentionList


class PromptInput(TextArea):
    """Where the person writes; posts `Submitted` on Enter."""

    @dataclass
    class Submitted(Message):
        """A prompt or slash command was sent."""

        text: str

    def __init__(self, history: PromptHistory | None = None) -> None:
        super().__init__(id="prompt", soft_wrap=True, tab_behavior="focus", compact=True)
        self.prompts = history or PromptHistory(None)
        self.position = len(self.prompts.entries)
        self.draft = ""
        self.pastes = Pastes()
        self.mentions: MentionList | None = None
        self.custom_commands: Callable[[], list[str]] = list
        """The names of the custom slash commands (read when needed: a new file counts at once), for Tab."""
        self.conversation: str | None = None
        """Recorded with each prompt in the history."""

    @property
    def sent(self) -> list[str]:
        """The prompts sent, oldest first."""
        return self.prompts.entries

    async def _on_key(self, event: events.Key) -> None:
        if self.mentions is not None and self.mentions.open and self._mention_key(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key == "tab" and self.text.startswith("/"):
            event.stop()
            event.prevent_default()
            self._complete()
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        placeholder = self.pastes.collapse(event.text)
        if placeholder is None:
            return  # TextArea's own handler, called next, inserts it
        event.stop()
        event.prevent_default()
        self.insert(placeholder)

    def _mention_key(self, key: str) -> bool:
        """Up/Down/Tab/Enter/Esc drive the open `@` completion list; True when the key was used."""
        assert self.mentions is not None
        if key in ("up", "down"):
            self.mentions.move(-1 if key == "up" else 1)
        elif key == "enter" and self._typed_mention() == self.mentions.chosen:
            self.mentions.close()  # the path is typed out already: Enter sends
            return False
        elif key in ("tab", "enter"):
            self.take_mention(self.mentions.chosen)
        elif key == "escape":
            self.mentions.close()
        else:
            return False
        return True

    def _typed_mention(self) -> str | None:
        row, column = self.cursor_location
        return partial_at(self.document.get_line(row), column)

    def take_mention(self, path: str | None) -> None:
        """Replace the `@partial` before the cursor with `@path` (quoted if it holds a space)."""
        assert self.mentions is not None
        self.mentions.close()
        row, column = self.cursor_location
        line = self.document.get_line(row)
        start = line.rfind("@", 0, column)
        if path is None or start < 0:
            return
        mention = f'@"{path}"' if " " in path else f"@{path}"
        self.replace(mention + ("" if path.endswith("/") else " "), (row, start), (row, column))

    def _submit(self) -> None:
        text = self.pastes.expand(self.text).strip()
        if not text:
            return
        self.prompts.add(text, self.conversation)
        self.position = len(self.sent)
        self.draft = ""
        self.clear()
        self.post_message(self.Submitted(text))

    def _complete(self) -> None:
        matches = complete(self.text, self.custom_commands())
        if len(matches) == 1:
            self.load_text(matches[0] + " ")
            self.move_cursor(self.document.end)
        elif matches:
            self.notify("  ".join(matches), title="completions", timeout=4, markup=False)

    def action_cursor_up(self, select: bool = False) -> None:
        """Up on the first line goes back through the prompts already sent."""
        if select or self.cursor_location[0] > 0 or not self.sent or self.position == 0:
            super().action_cursor_up(select)
            return
        if self.position == len(self.sent):
            self.draft = self.text
        self.position -= 1
        self._show(self.sent[self.position])

    def action_cursor_down(self, select: bool = False) -> None:
        """Down on the last line comes forward again, back to the unsent draft."""
        last_row = self.document.line_count - 1
        if select or self.cursor_location[0] < last_row or self.position >= len(self.sent):
            super().action_cursor_down(select)
            return
        self.position += 1
        self._show(self.sent[self.position] if self.position < len(self.sent) else self.draft)

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
