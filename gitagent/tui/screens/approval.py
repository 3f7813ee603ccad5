"""The approval dialog of `ask` mode: allow once, allow for this session, or deny with a reason the model sees."""

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from gitagent.agent.permissions import Decision
from gitagent.tui.literal import literal
from gitagent.tui.widgets.blocks import call_detail

DEFAULT_DENIAL = "the user denied this"


class ApprovalScreen(ModalScreen[Decision]):
    """Ask about one tool call; dismisses with the person's decision (Esc denies)."""

    BINDINGS = [
        Binding("y", "once", "Allow once"),
        Binding("a", "session", "Allow for this session"),
        Binding("escape", "deny", "Deny"),
    ]

    def __init__(self, call: dict[str, Any], session_scope: str) -> None:
        super().__init__()
        self.call = call
        self.session_scope = session_scope

    def compose(self) -> ComposeResult:
        with Vertical(id="approval", classes="dialog"):
            yield Label(literal(f"Allow {self.call['name']}?"), classes="title")
            yield Static(call_detail(self.call["name"], self.call.get("input") or {}), classes="detail")
            with Horizontal(classes="buttons"):
                yield Button("Allow once (y)", id="once", variant="success")
                yield Button(f"Allow {self.session_scope} (a)", id="session", variant="primary")
                yield Button("Deny (Esc)", id="deny", variant="error")
            yield Input(placeholder="reason for denying (the model sees it), then Enter", id="reason")

    def on_mount(self) -> None:
        self.query_one("#once", Button).focus()

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
        reason = self.query_one("#reason", Input).value.strip() or DEFAULT_DENIAL
        self.dismiss(Decision(False, "person", reason))
