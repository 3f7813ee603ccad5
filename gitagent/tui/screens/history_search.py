"""Ctrl+R: search the prompts sent in this repository (newest first); Enter puts the chosen one in the prompt
to edit or send, Ctrl+R or Down moves to an older match, Esc leaves the prompt as it was."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from gitagent.tui.history import PromptHistory
from gitagent.tui.literal import literal

SHOWN = 50


def one_line(prompt: str, width: int = 200) -> str:
    """A prompt on one line (newlines shown as ⏎), cut to `width`."""
    flat = prompt.replace("\n", " ⏎ ")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class HistorySearchScreen(ModalScreen[str | None]):
    """Reverse search through the prompt history; dismisses with the chosen prompt, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+r,down", "older", "Older match", show=False, priority=True),
        Binding("up", "newer", "Newer match", show=False, priority=True),
    ]

    def __init__(self, history: PromptHistory, query: str = "") -> None:
        super().__init__()
        self.history = history
        self.query_text = query
        self.found: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="history-search", classes="dialog"):
            yield Label("Search earlier prompts (this repository):", classes="title")
            yield Input(self.query_text, placeholder="words in the prompt", id="history-query")
            yield OptionList(id="history-matches")
            yield Label("Enter: edit it in the prompt · Ctrl+R/↓ older · ↑ newer · Esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self._show(self.query_text)
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        self.found = self.history.search(query)[:SHOWN]
        matches = self.query_one("#history-matches", OptionList)
        matches.clear_options()
        matches.add_options([Option(literal(one_line(p))) for p in self.found])
        if self.found:
            matches.highlighted = 0

    def _move(self, step: int) -> None:
        matches = self.query_one("#history-matches", OptionList)
        if self.found:
            matches.highlighted = max(0, min(len(self.found) - 1, (matches.highlighted or 0) + step))

    def action_older(self) -> None:
        """The next older match."""
        self._move(1)

    def action_newer(self) -> None:
        """The next newer match."""
        self._move(-1)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        highlighted = self.query_one("#history-matches", OptionList).highlighted
        self.dismiss(self.found[highlighted] if self.found and highlighted is not None else None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.found[event.option_index])
