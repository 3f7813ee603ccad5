"""A running subagent's conversation (Ctrl+G): its own turns and the one under way, redrawn as it saves them.
Ctrl+G again shows the next running child; Esc or q closes it. Its turns are recorded like any
conversation's, so `/agents N` (or `/switch`) opens it for good once the parent's turn ends."""

import pygit2
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label

from gitagent.store import inflight
from gitagent.store.refs import conversation_ref, read_ref
from gitagent.subagents.status import RACED, ChildStatus, own_turns
from gitagent.tui.widgets.conversation import turn_widgets

REFRESH_S = 1.0


def shown_turns(repo: pygit2.Repository, name: str) -> list[pygit2.Commit]:
    """The child's own turns, oldest first, and the one under way (its in-flight record) last."""
    head = read_ref(repo, conversation_ref(name))
    commits = own_turns(repo[head].peel(pygit2.Commit))[1] if head else []
    current = inflight.load(repo, name)
    return [*commits, current] if current is not None else commits


class AgentScreen(ModalScreen[None]):
    """One child's conversation, live."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("ctrl+g", "next_agent", "Next agent", show=False),
    ]

    def __init__(self, repo: pygit2.Repository, children: list[ChildStatus], index: int = 0) -> None:
        super().__init__()
        self.repo = repo
        self.children_listed = children
        self.index = index
        self.shown: list[pygit2.Oid] = []

    @property
    def child(self) -> ChildStatus:
        """The child shown."""
        return self.children_listed[self.index]

    def compose(self) -> ComposeResult:
        with Vertical(id="agent", classes="dialog"):
            yield Label("", id="agent-title", classes="title")
            yield VerticalScroll(id="agent-body")
            yield Label("Ctrl+G: next running agent · Esc: close", classes="hint")

    async def on_mount(self) -> None:
        await self.redraw()
        self.set_interval(REFRESH_S, self.redraw)
        self.query_one("#agent-body").focus()

    async def redraw(self) -> None:
        """Draw the child's turns again if it saved anything since the last time."""
        child = self.child
        title = Text(f"{child.name}", style="bold")
        title.append(f" · {child.agent_type} · {child.description}")
        self.query_one("#agent-title", Label).update(title)
        try:
            commits = shown_turns(self.repo, child.name)
        except RACED:
            return  # the child wrote its refs as they were read: drawn again next second
        if [c.id for c in commits] == self.shown:
            return
        self.shown = [c.id for c in commits]
        body = self.query_one("#agent-body", VerticalScroll)
        await body.remove_children()
        for commit in commits:
            await body.mount_all(turn_widgets(commit))
        body.scroll_end(animate=False)

    async def action_next_agent(self) -> None:
        """Show the next running child."""
        self.index = (self.index + 1) % len(self.children_listed)
        self.shown = []
        await self.redraw()
