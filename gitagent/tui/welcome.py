"""What an empty conversation shows instead of a blank screen: what to do, and the keys."""

from textual.widgets import Static

from gitagent.tui.literal import literal

KEYS = (
    "Enter sends · Shift+Enter or Ctrl+J: new line · Esc: interrupt, then type to redirect · Esc Esc: rewind\n"
    "PageUp/PageDown: scroll · Ctrl+B: side panel · Ctrl+P: commands · Ctrl+C: copy the selection, twice: quit\n"
    "/help lists every command and key"
)
NO_MODEL = (
    "No model yet: set ANTHROPIC_API_KEY or OPENAI_API_KEY (or run `gitagent auth set PROVIDER`), or choose one "
    "with /model SPEC (/model scripted:FILE.json runs offline)."
)


def welcome_text(model: str | None) -> str:
    """The hint for an empty conversation; `model` is the one the first prompt would use, if any."""
    start = f"Ask for a change or a question about this repository ({model})." if model else NO_MODEL
    return f"{start}\n\n{KEYS}"


def welcome(model: str | None) -> Static:
    """The welcome block; the first prompt removes it."""
    return Static(literal(welcome_text(model)), classes="welcome")
