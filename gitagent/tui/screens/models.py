"""The model picker of `/model`: the catalogue's models with context window and price, the current one
marked, and those whose provider has no API key marked and not choosable (the fix is named)."""

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from gitagent.models.catalog import ModelInfo, known_models
from gitagent.models.keys import ENV_VARS, api_key
from gitagent.tui.literal import literal


def model_option(info: ModelInfo, current: str | None, has_key: bool) -> Option:
    """One line: spec, context, price per million tokens in/out, and what stands in the way of using it."""
    provider = info.spec.partition(":")[0]
    context = f"{info.context // 1000}k" if info.context < 1_000_000 else f"{info.context / 1_000_000:g}M"
    mark = "● " if info.spec == current else "  "
    line = Text(f"{mark}{info.spec:<30} {context:>5} ctx  ${info.input:g}/${info.output:g}")
    if info.retires and date.fromisoformat(info.retires) <= date.today():
        line.append("  turned off", style="dim")
    if not has_key:
        line.append(f"  no key: set {ENV_VARS[provider]} or `gitagent auth set {provider}`", style="dim")
    return Option(line, id=info.spec, disabled=not has_key)


class ModelScreen(ModalScreen[str | None]):
    """Pick a model for the next turns; dismisses with its spec, or None on Esc."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, current: str | None, keyless_ok: bool = False) -> None:
        super().__init__()
        self.current = current
        self.keyless_ok = keyless_ok
        """A `--base-url` server may need no key, so nothing is greyed out then."""

    def compose(self) -> ComposeResult:
        keys = {provider: self.keyless_ok or api_key(provider) is not None for provider in ENV_VARS}
        options = [model_option(m, self.current, keys[m.spec.partition(":")[0]]) for m in known_models()]
        with Vertical(id="models", classes="dialog"):
            yield Label(literal(f"Model for the next turns (now {self.current or 'none'}):"), classes="title")
            yield OptionList(*options)
            yield Label("Enter: use it · Esc: cancel · /model PROVIDER:NAME for any other", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for index in range(options.option_count):
            if options.get_option_at_index(index).id == self.current:
                options.highlighted = index
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
