"""The approval dialog of `ask` mode: allow once, allow for this session, or deny with a reason the model sees.

The shortcuts are digits (as in Claude Code): 1 allows once, 2 for the session, 3 or Esc denies. Any other key
typed starts the reason, and once the reason box has the keyboard every key is text, so typing "please don't"
can never allow anything by accident. The diff scrolls; the reason box and the buttons always stay on screen.
"""

from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from gitagent.agent.permissions import Decision
from gitagent.tui.edits import pending_call_detail
from gitagent.tui.literal import literal

DEFAULT_DENIAL = "the user denied this"
NARROW = 100
"""Below this many columns the buttons stack, so Deny is never pushed off the right edge."""
CHROME_LINES = 10
"""Lines of the dialog that are not the diff or the buttons: border, padding, title, reason box, margins."""


def approval_title(call: dict[str, Any]) -> str:
    """`Allow Bash?`, or for a subagent's call `Agent p.agents/1 (Write the docs) asks: allow Bash?`."""
    agent = call.get("agent")
    if not agent:
        return f"Allow {call['name']}?"
    task = f" ({agent['description']})" if agent.get("description") else ""
    return f"Agent {agent['name']}{task} asks: allow {call['name']}?"


class ApprovalScreen(ModalScreen[Decision]):
    """Ask about one tool call; dismisses with the person's decision (Esc denies)."""

    BINDINGS = [
        Binding("1", "once", "Allow once"),
        Binding("2", "session", "Allow for this session"),
        Binding("3,escape", "deny", "Deny"),
    ]
    AUTO_FOCUS = "#once"

    def __init__(self, call: dict[str, Any], session_scope: str, root: Path) -> None:
        super().__init__()
        self.call = call
        self.session_scope = session_scope
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical(id="approval", classes="dialog"):
            yield Label(literal(approval_title(self.call)), classes="title")
            with VerticalScroll(classes="detail"):
                yield Static(pending_call_detail(self.call["name"], self.call.get("input") or {}, self.root))
            yield Input(
                placeholder="or type why not (the model sees it) and press Enter",
                id="reason",
                compact=True,
                select_on_focus=False,
            )
            with Horizontal(classes="buttons"):
                yield Button("Allow once (1)", id="once", variant="success", compact=True)
                yield Button(literal(f"Allow {self.session_scope} (2)"), id="session", variant="primary", compact=True)
                yield Button("Deny (3, Esc)", id="deny", variant="error", compact=True)

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Give the diff what the screen has left after the reason box and the buttons."""
        try:
            detail, dialog = self.query_one(".detail"), self.query_one("#approval")
        except NoMatches:
            return  # answered before it was drawn (a shortcut typed the moment it opened, or the chat closing)
        narrow = self.size.width < NARROW
        buttons = len(self.query(Button)) if narrow else 1
        detail.styles.max_height = max(3, self.size.height - CHROME_LINES - buttons)
        dialog.set_class(narrow, "-narrow")

    def on_key(self, event: events.Key) -> None:
        """A key typed on the buttons that is not a shortcut begins the reason."""
        reason = self.reason_box()
        if reason is None or self.focused is reason or not (event.is_printable and event.character):
            return
        if event.character in "123":
            return
        event.stop()
        event.prevent_default()
        reason.focus()
        reason.insert_text_at_cursor(event.character)

    def reason_box(self) -> Input | None:
        """The reason box, or None before the dialog is drawn (keys can reach it from the moment it opens)."""
        boxes = self.query("#reason").results(Input)
        return next(boxes, None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        getattr(self, f"action_{event.button.id}")()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_deny()

    def action_once(self) -> None:
        """Allow this call only."""
        self.dismiss(Decision(True, "person", "allowed once"))

    def action_session(self) -> None:
        """Allow calls like this one until the chat ends."""
        self.dismiss(Decision(True, "person", f"allowed {self.session_scope}"))

    def action_deny(self) -> None:
        """Refuse, with the reason typed (if any)."""
        box = self.reason_box()
        reason = (box.value.strip() if box else "") or DEFAULT_DENIAL
        self.dismiss(Decision(False, "person", reason))
