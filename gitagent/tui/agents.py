"""The chat's live view of subagents, mixed into `ChatApp`: while a turn runs, the children of the open
conversation that are running are listed above the prompt and redrawn every second (`AgentsView`); Ctrl+G
opens the first one's conversation, live (`AgentScreen`). Their start and end also come as notices."""

from gitagent.store.repo import reopen
from gitagent.subagents.status import RACED, running_children
from gitagent.tui.screens.agent import AgentScreen
from gitagent.tui.session import ChatSession
from gitagent.tui.widgets.agents import AgentsView

REFRESH_S = 1.0


class AgentsPanel:
    """Behaviour behind the running-agents view; mixed into `ChatApp` only."""

    session: ChatSession
    running: bool

    def start_agents_panel(self) -> None:
        """Start redrawing the view every second (called once the app is mounted)."""
        # its own handle: the turn's worker thread uses the session's repository meanwhile
        self.agents_repo = reopen(self.session.repo)
        self.agents_timer = self.set_interval(REFRESH_S, self.refresh_agents)  # type: ignore[attr-defined]

    def refresh_agents(self) -> None:
        """Show the running children of the open conversation (none once its turn has ended)."""
        found = self.query(AgentsView)  # type: ignore[attr-defined]
        if not found:
            return  # the app is closing: a tick that fires as its widgets go (on a loaded machine) has none
        view = found.first()
        name = self.session.name
        if not self.running or name is None:
            if view.display:
                view.show_children([])
            return
        try:
            children = running_children(self.agents_repo, name)
        except RACED:
            return  # the children write their refs meanwhile: a read that raced one is tried again next second
        view.show_children(children)

    async def action_open_agent(self) -> None:
        """Ctrl+G: a running child's conversation, live (Ctrl+G there goes on to the next)."""
        children = self.query_one(AgentsView).children_shown  # type: ignore[attr-defined]
        if not children:
            await self.view.note(  # type: ignore[attr-defined]
                "No subagent is running: /agents lists this conversation's, /agents N opens one.", "info"
            )
            return
        self.push_screen(AgentScreen(self.agents_repo, children))  # type: ignore[attr-defined]
