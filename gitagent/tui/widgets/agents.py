"""The running subagents above the prompt: each child's name, task, time so far, tokens and cost, redrawn
every second while the open conversation's turn runs, hidden when none runs (`gitagent.tui.agents`)."""

from rich.text import Text
from textual.widgets import Static

from gitagent.humanize import human_tokens
from gitagent.subagents.status import ChildStatus

OPEN_KEY = "Ctrl+G"


def agents_text(children: list[ChildStatus]) -> Text:
    """`Agents: 2 running · Ctrl+G opens one` and a line per child."""
    text = Text(f"Agents: {len(children)} running", style="bold")
    text.append(f" · {OPEN_KEY} opens {'it' if len(children) == 1 else 'one'}", style="dim")
    for child in children:
        cost = "" if child.cost_usd is None else f"  ${child.cost_usd:.4f}"
        text.append(f"\n ◆ {child.name}", style="bold")
        text.append(f"  {child.description or child.agent_type}")
        text.append(f"  {child.state.removeprefix('running ')}  {human_tokens(child.tokens)} tokens{cost}", style="dim")
    return text


class AgentsView(Static):
    """The open conversation's running children; hidden when none runs."""

    def __init__(self) -> None:
        super().__init__("", id="agents")
        self.children_shown: list[ChildStatus] = []
        self.display = False

    def show_children(self, children: list[ChildStatus]) -> None:
        """Show `children` (an empty list hides the view)."""
        self.children_shown = list(children)
        self.display = bool(children)
        if children:
            self.update(agents_text(children))
