"""The multi-line prompt: Enter sends, Shift+Enter or Ctrl+J starts a new line, Up and Down walk the history
of sent prompts, Tab completes a slash command."""

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from gitagent.tui.commands import complete


class PromptInput(TextArea):
    """Where the person writes; posts `Submitted` on Enter."""

    @dataclass
    class Submitted(Message):
        """A prompt or slash command was sent."""

        text: str

    def __init__(self) -> None:
        super().__init__(id="prompt", soft_wrap=True, tab_behavior="focus", compact=True)
        self.sent: list[str] = []
        self.position = 0
        self.draft = ""

    async def _on_key(self, event: events.Key) -> None:
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

    def _submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self.position = len(self.sent)
        self.draft = ""
        self.clear()
        self.post_message(self.Submitted(text))

    def _complete(self) -> None:
        matches = complete(self.text)
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
