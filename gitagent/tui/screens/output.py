"""The full-output view (Ctrl+O): a tool call's whole input and result, which the conversation shows only as a
head and tail. It scrolls with the arrow keys, PageUp/PageDown, Home/End; Esc, q or Ctrl+O close it."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from gitagent.tui.literal import literal
from gitagent.tui.widgets.blocks import ToolBlock, call_detail, result_text


def output_title(block: ToolBlock) -> str:
    """`Bash: make test — 1,204 lines`."""
    outcome = block.outcome
    lines = len(outcome.output.splitlines()) if outcome else 0
    state = "still running" if outcome is None else f"{lines:,} line{'s' * (lines != 1)}"
    return f"{block.title.split(' ', 1)[1]} — {state}"


class OutputScreen(ModalScreen[None]):
    """One tool call, whole."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("ctrl+o", "dismiss", "Close", show=False),
    ]

    def __init__(self, block: ToolBlock) -> None:
        super().__init__()
        self.block = block

    def compose(self) -> ComposeResult:
        block = self.block
        with Vertical(id="output", classes="dialog"):
            yield Label(literal(output_title(block)), classes="title")
            with VerticalScroll(id="output-body"):
                yield Static(call_detail(block.call["name"], block.call.get("input") or {}, None), classes="detail")
                outcome = block.outcome
                yield Static(result_text(outcome, None) if outcome else Text("running…", style="dim"), classes="result")
            yield Label("↑↓ PgUp PgDn Home End: scroll · Esc: close", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#output-body").focus()
