"""The completion list above the prompt for an `@` mention being typed: the worktree's paths that match it.
The prompt keeps the focus; while the list is shown, Up/Down move in it, Tab or Enter take the highlighted
path, Esc closes it."""

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from gitagent.tui.literal import literal


class MentionList(OptionList):
    """Paths to complete an `@` mention with; never focused, driven from the prompt's keys."""

    can_focus = False

    def __init__(self) -> None:
        super().__init__(id="mentions")
        self.display = False

    @property
    def open(self) -> bool:
        """Whether the list is shown."""
        return bool(self.display)

    def offer(self, paths: list[str]) -> None:
        """Show `paths` (the best first, highlighted), or hide the list when there are none."""
        self.clear_options()
        self.add_options([Option(literal(path), id=path) for path in paths])
        self.display = bool(paths)
        if paths:
            self.highlighted = 0

    def close(self) -> None:
        """Hide the list."""
        self.display = False

    def move(self, step: int) -> None:
        """Highlight the next (1) or previous (-1) path, wrapping around."""
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + step) % self.option_count

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click on a path: take it, as Tab does
        prompt = self.screen.query_one("#prompt")
        prompt.take_mention(event.option.id)  # type: ignore[attr-defined]
        prompt.focus()

    @property
    def chosen(self) -> str | None:
        """The highlighted path."""
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id
