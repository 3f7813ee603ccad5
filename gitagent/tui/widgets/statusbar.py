"""The status bar: conversation, model, the conversation's tokens and cost, context used, sandbox, approval mode."""

from textual.widgets import Static

from gitagent.humanize import human_tokens
from gitagent.tui.format import short_model
from gitagent.tui.literal import literal
from gitagent.tui.session import ChatSession


def status_line(session: ChatSession, running: bool) -> str:
    """Everything the bar shows, in one line that fits 80 columns for ordinary names."""
    name = session.name or "(new)"
    spec = session.model_spec
    model = short_model(spec) if spec else "no model: /model SPEC"
    recorded = session.recorded
    cost = f" ${recorded.cost_usd:.2f}" if recorded.cost_usd else ""
    parts = [
        f"{'● ' if running else ''}{name}",
        model,
        f"{human_tokens(recorded.tokens)} tok{cost}",
        f"ctx {session.context_share:.0%}",
        session.sandbox_label,
        session.approval_mode,
    ]
    return " │ ".join(parts)


class StatusBar(Static):
    """One line at the bottom of the screen."""

    def __init__(self) -> None:
        super().__init__("", id="status")

    def show(self, session: ChatSession, running: bool) -> None:
        """Redraw from the session's current state."""
        self.update(literal(status_line(session, running)))
