"""Keys that act on the conversation wherever the focus is: typing always lands in the prompt, the conversation
scrolls from the prompt, and Ctrl+C copies what is selected before it clears or quits."""

from textual import events
from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, TextArea

from gitagent.tui.widgets.conversation import ConversationView
from gitagent.tui.widgets.prompt import PromptInput

SCROLL_BINDINGS = [
    Binding(keys, f"scroll_conversation('{where}')", description, show=False, priority=True)
    for keys, where, description in (
        ("pageup,shift+pageup", "page_up", "Scroll up"),
        ("pagedown,shift+pagedown", "page_down", "Scroll down"),
        ("ctrl+home", "home", "Scroll to the start"),
        ("ctrl+end", "end", "Scroll to the end"),
    )
]
"""Priority bindings: the prompt (a text area) would take these keys for itself, and a one-line prompt has no
page to move by."""


class Navigation(App[None]):
    """The part of the chat app that routes keys: scrolling, typing into the prompt, copying."""

    BINDINGS = SCROLL_BINDINGS

    def on_main_screen(self) -> bool:
        """Whether no dialog, picker or palette is in front of the conversation."""
        return self.screen is self.screen_stack[0]

    def focus_prompt(self) -> None:
        """Give the keyboard back to the prompt."""
        self.query_one(PromptInput).focus()

    def action_scroll_conversation(self, where: str) -> None:
        """Scroll the conversation by a page, or to its start or end (the end follows new output again)."""
        if not self.on_main_screen():
            raise SkipAction()  # a dialog's own list pages with these keys
        view = self.query_one(ConversationView)
        if where == "end":
            view.follow()
        elif where == "home":
            view.scroll_home(animate=False)
        else:
            getattr(view, f"scroll_{where}")(animate=False)

    def on_key(self, event: events.Key) -> None:
        """A key nobody used, typed while a tool call or the side panel has the focus: it was meant for the
        prompt, so it goes there (with the focus)."""
        if not (event.is_printable and event.character and self.on_main_screen()):
            return
        if isinstance(self.focused, TextArea | Input):
            return
        prompt = self.query_one(PromptInput)
        prompt.focus()
        prompt.insert(event.character)
        event.stop()

    def copy_selection(self) -> bool:
        """Copy the text selected with the mouse (in the conversation, or in the prompt) to the clipboard;
        False when nothing is selected."""
        prompt = self.query_one(PromptInput)
        selected = prompt.selected_text if self.focused is prompt else ""
        if not selected:
            selected = self.screen.get_selected_text() or ""
        if not selected:
            return False
        self.copy_to_clipboard(selected)
        self.screen.clear_selection()
        lines = selected.count("\n") + 1
        self.notify(f"Copied {len(selected)} characters ({lines} line{'s' * (lines != 1)}).", timeout=2)
        return True
