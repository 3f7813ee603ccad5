"""`gitagent chat`: the Textual app. It renders the loop's events and starts turns in a worker thread; the loop
itself lives in `gitagent.agent` and runs the same way headless."""

import asyncio
import contextlib
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TextArea
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from gitagent.agent.events import AssistantMessage, Event, TurnOutcome
from gitagent.agent.interruption import interrupt_thread
from gitagent.agent.permissions import Decision
from gitagent.errors import GitagentError
from gitagent.store.repo import git_dir
from gitagent.tui.agents import AgentsPanel
from gitagent.tui.approvals import CLOSED, Approvals
from gitagent.tui.commands import BY_NAME, complete, parse
from gitagent.tui.cost import recorded_totals
from gitagent.tui.driver import ChatDriver, tolerate_invalid_input
from gitagent.tui.failures import error_text, failure_notice, interrupted_notice
from gitagent.tui.features import ChatFeatures
from gitagent.tui.history import FILE as HISTORY_FILE
from gitagent.tui.history import PromptHistory
from gitagent.tui.literal import literal
from gitagent.tui.navigation import Navigation
from gitagent.tui.palette import SlashCommands
from gitagent.tui.prompting import Prompt, plain_prompt
from gitagent.tui.screens.rewind import RewindScreen
from gitagent.tui.session import AFTER_INTERRUPT, ChatSession
from gitagent.tui.slash import SlashHandlers
from gitagent.tui.slash_more import custom_commands
from gitagent.tui.welcome import welcome
from gitagent.tui.widgets.agents import AgentsView
from gitagent.tui.widgets.completions import MentionList
from gitagent.tui.widgets.conversation import ConversationView
from gitagent.tui.widgets.prompt import PromptInput
from gitagent.tui.widgets.sidebar import SidePanel
from gitagent.tui.widgets.statusbar import StatusBar
from gitagent.tui.widgets.todos import TodoView
from gitagent.tui.widgets.working import WorkingLine

WHILE_RUNNING = ("help", "log", "diff", "skills", "hooks", "mcp", "quit")
"""Slash commands that only read, so they may run while a turn does."""
DOUBLE_PRESS_S = 2.0
"""How soon a second Ctrl+C quits, and a second Esc opens the rewind picker."""
SIDE_PANEL_WIDTH = 100
"""Columns from which the side panel shows by itself."""
QUIT_WAIT_S = 10.0
"""How long quitting waits for an interrupted turn to save itself (it takes a tenth of a second)."""


@dataclass
class AgentEvent(Message):
    """An event of the running turn, posted from the worker thread."""

    event: Event


@dataclass
class TurnEnded(Message):
    """The worker finished: with an outcome, or with an error to show (and how to carry on)."""

    outcome: TurnOutcome | None
    error: str | None = None


class MainScreen(Screen[None]):
    """The screen the conversation is on."""

    AUTO_FOCUS = "#prompt"


class ChatApp(ChatFeatures, AgentsPanel, Navigation, Approvals):
    """A conversation with the agent, its history from git, and fork and rewind a keystroke away."""

    TITLE = "gitagent"
    CSS_PATH = "chat.tcss"
    COMMANDS = App.COMMANDS | {SlashCommands}
    BINDINGS = [
        Binding("ctrl+c", "ctrl_c", "Quit", priority=True, show=False),
        Binding("escape", "escape", "Interrupt", show=False),
        Binding("ctrl+b", "toggle_side", "Side panel", show=False),
        Binding("ctrl+o", "full_output", "Full output", show=False),
        Binding("ctrl+r", "history_search", "Search prompts", show=False),
        Binding("ctrl+g", "open_agent", "Running agent", show=False),
        Binding("shift+tab", "cycle_approval", "Approval mode", show=False, priority=True),
    ]

    def __init__(self, session: ChatSession, theme: str | None = None) -> None:
        super().__init__()
        tolerate_invalid_input()
        self.session = session
        self.slash = SlashHandlers(self)
        self.running = False
        self.allowed_for_session: set[tuple[str, str]] = set()
        self.last_press: dict[str, float] = {}
        self.start_theme = theme
        self.pending_approval: Future[Decision] | None = None
        self.queued: list[str] = []
        """Prompts typed ahead while a turn ran, sent one by one as turns end."""
        self.turn_job: Worker[None] | None = None
        self.closing = False
        self.side_chosen = False
        """Whether the person showed or hid the side panel (then a resize leaves it so)."""
        session.approver = self.approve
        self.init_features()

    def get_default_screen(self) -> Screen:
        """The conversation's screen, with the prompt focused from its first frame: keys typed while the chat
        starts land there (the first focusable widget, the conversation pane, would drop them)."""
        return MainScreen(id="_default")

    def get_driver_class(self) -> type[Driver]:
        """The chat's own terminal driver on Linux (see `gitagent.tui.driver`), Textual's choice elsewhere."""
        chosen = super().get_driver_class()
        return ChatDriver if chosen is LinuxDriver else chosen

    def compose(self) -> ComposeResult:
        history = PromptHistory(git_dir(self.session.repo) / "gitagent" / HISTORY_FILE)
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield ConversationView()
                yield TodoView()
                yield AgentsView()
                yield WorkingLine()
                yield Static("", id="hint")
                yield MentionList()
                yield PromptInput(history)
            yield SidePanel()
        yield StatusBar()

    async def on_mount(self) -> None:
        if self.start_theme:
            self.theme = self.start_theme
        self.query_one(SidePanel).display = self.size.width >= SIDE_PANEL_WIDTH
        prompt = self.query_one(PromptInput)
        prompt.mentions = self.query_one(MentionList)
        prompt.custom_commands = lambda: list(custom_commands(self.session))
        prompt.focus()
        self.start_agents_panel()
        await self.reload()
        await self.note_unfinished_turn()

    async def note_unfinished_turn(self) -> None:
        """Say that the open conversation's last turn was interrupted, or is still running in another process."""
        running = self.session.running
        if running is not None:
            await self.view.note(str(running), "warning")
        elif self.session.interrupted:
            await self.view.note(f"The last turn was interrupted: {AFTER_INTERRUPT}.", "warning")

    @property
    def view(self) -> ConversationView:
        """The conversation pane."""
        return self.query_one(ConversationView)

    async def reload(self) -> None:
        """Redraw the conversation, side panel and status bar from git."""
        conversation = self.session.conversation
        await self.view.show_history(conversation.head if conversation else None)
        if conversation is None and not self.session.interrupted and self.session.running is None:
            await self.view.show(welcome(self.session.model_spec))
        self.show_recorded_plan()
        self.forget_paths()
        self.refresh_panels()
        self.count_recorded()

    def count_recorded(self) -> None:
        """Read what the open conversation has used from git, in a worker (it reads every turn's commit)."""
        self.run_worker(self._count_recorded, thread=True, group="totals", exit_on_error=False)

    def _count_recorded(self) -> None:
        self.session.recorded = recorded_totals(self.session.conversation)
        self.call_from_thread(self.refresh_panels)

    def refresh_panels(self) -> None:
        """Redraw the side panel and the status bar."""
        self.query_one(PromptInput).conversation = self.session.name
        self.query_one(SidePanel).refresh_from(self.session.repo, self.session.name)
        self.query_one(StatusBar).show(self.session, self.running)

    async def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        self.query_one("#hint", Static).update("")
        await self.submit(message.text)

    async def submit(self, text: str) -> None:
        """A prompt, a `/command` or a `!command`; while something runs, prompts and `!` wait their turn."""
        if text.startswith("/"):
            await self.run_slash(text)
        elif self.running:
            self.queued.append(text)
            await self.view.note(f"Queued: it is sent when this turn ends ({len(self.queued)} waiting).")
        elif text.startswith("!") and text[1:].strip():
            await self.run_shell_command(text[1:].strip())
        else:
            self.working.start("Starting")  # first, so the person sees at once that Enter was taken
            await self.send_prompt(plain_prompt(text, self.session.files_root, self.take_shell_output()))

    async def send_prompt(self, prompt: str | Prompt) -> None:
        """Show the prompt (and what it attaches) and run a turn for it."""
        request = prompt if isinstance(prompt, Prompt) else Prompt(prompt)
        if not self.working.running:
            self.working.start("Starting")
        await self.view.show_prompt(request.text, request.attachments)
        self.start_turn(lambda emit: self.session.run(request, emit))

    async def run_slash(self, text: str) -> None:
        """Run one slash command; its errors become notices."""
        try:
            if text.startswith("/mcp__"):  # an MCP server's prompt (gitagent.tui.mcp)
                self._refuse_while_running(text.split()[0])
                await self.slash.mcp_prompt(text)
                return
            name, _, arguments = text[1:].strip().partition(" ")
            if name not in BY_NAME and name in custom_commands(self.session):
                self._refuse_while_running(f"/{name}")
                await self.slash.custom(name, arguments.strip())
                return
            command, args = parse(text)
            if command.name not in WHILE_RUNNING:
                self._refuse_while_running(f"/{command.name}")
            await getattr(self.slash, command.name)(*args)
        except GitagentError as e:
            await self.view.note(error_text(e), "error")
        self.view.follow()  # what the command said is where the person looks next, even if they had scrolled up
        self.refresh_panels()

    def _refuse_while_running(self, command: str) -> None:
        if self.running:
            raise GitagentError(f"{command} has to wait until the running turn ends", "Esc interrupts it")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        prompt = self.query_one(PromptInput)
        matches = []
        if event.text_area.text.startswith("/"):
            matches = complete(event.text_area.text.strip(), prompt.custom_commands())
        hint = "  ".join(matches[:8]) + ("  (Tab completes)" if matches else "")
        self.query_one("#hint", Static).update(literal(hint))
        self.update_mentions(prompt)

    def start_turn(self, run: Any) -> None:
        """Run a turn (`run(emit)`) in a worker thread, drawing its events as they come."""
        self.running = True
        if not self.working.running:
            self.working.start("Resuming")
        self.query_one(StatusBar).show(self.session, True)
        self.turn_job = self._turn_worker(run)

    @work(thread=True, group="turn")  # not exclusive: that would cancel a finished turn's worker still unwinding
    def _turn_worker(self, run: Any) -> None:
        self.session.worker = threading.current_thread()
        outcome, error = None, None
        try:
            outcome = run(lambda event: self.post_message(AgentEvent(event)))
        except KeyboardInterrupt:
            error = interrupted_notice()
        except BaseException as e:
            error = failure_notice(self.session, e)
        finally:
            self.session.worker = None
        self.post_message(TurnEnded(outcome, error))

    async def on_agent_event(self, message: AgentEvent) -> None:
        if self.closing:
            return
        if isinstance(message.event, AssistantMessage):
            self.session.totals.saw_request(message.event.response.usage)
            self.query_one(StatusBar).show(self.session, True)
        self.work_event(message.event)
        await self.view.draw(message.event)

    async def on_turn_ended(self, message: TurnEnded) -> None:
        self.running = False
        if self.closing:
            return
        self.working.stop()
        self.forget_paths()
        self.count_recorded()
        await self.view.end_turn()
        if message.error:
            await self.view.note(message.error, "error")
            if self.queued:
                await self.view.note(f"{len(self.queued)} queued prompt(s) not sent; Up finds them.")
                self.queued.clear()
        self.refresh_panels()
        if not message.error:
            await self.after_work()

    def approval_opened(self, call: dict[str, Any]) -> None:
        """The dialog is up: the working line says what it waits for."""
        agent = call.get("agent")
        self.working.waiting(f"Waiting for your approval of {call['name']}" + (f" ({agent['name']})" if agent else ""))

    def approval_closed(self) -> None:
        """The dialog was answered: the working line carries on."""
        self.working.resume()

    def approval_root(self) -> Path:
        """Where the files an edit asked about are."""
        return self.session.files_root

    def action_escape(self) -> None:
        """Interrupt the running turn; on an empty prompt, twice, open the rewind picker."""
        if self.running:
            self.interrupt()
            return
        if self.query_one(PromptInput).text or not self._pressed_twice("escape"):
            return
        self.run_worker(self.slash.rewind())

    def interrupt(self) -> None:
        """Stop the running turn the way Ctrl+C stops `gitagent run`: what it did so far is saved."""
        worker = self.session.worker
        if worker is not None:
            interrupt_thread(worker)
            self.notify("Interrupting…", timeout=2)

    def action_ctrl_c(self) -> None:
        """Copy the selected text; with nothing selected, clear the prompt; pressed twice, quit (interrupting
        a running turn first, so nothing is lost)."""
        if self.copy_selection():
            return
        prompt = self.query_one(PromptInput)
        if self._pressed_twice("ctrl+c"):
            self.run_worker(self.quit_safely())
            return
        prompt.clear()
        self.notify("Press Ctrl+C again to quit.", timeout=DOUBLE_PRESS_S)

    async def action_quit(self) -> None:
        """Ctrl+Q and the palette's Quit leave the same way as Ctrl+C twice."""
        await self.quit_safely()

    async def quit_safely(self) -> None:
        """Leave, after a running turn has saved itself."""
        self.closing = True
        self.deny_pending()
        thread = self.session.worker
        if thread is not None and self.turn_job is not None:
            interrupt_thread(thread)
            # Wait for the turn to save itself, not for its thread: that is the executor's, and lives on.
            with contextlib.suppress(TimeoutError, WorkerFailed, WorkerCancelled):
                await asyncio.wait_for(self.turn_job.wait(), QUIT_WAIT_S)
        self.exit()

    def on_unmount(self) -> None:
        # A turn waiting on the approval dialog must not wait forever once the app is gone.
        if self.pending_approval is not None and not self.pending_approval.done():
            self.pending_approval.set_result(CLOSED)
        self.session.close()

    def on_resize(self, event: events.Resize) -> None:
        """Until Ctrl+B says otherwise, the side panel shows when the terminal is wide enough for it (the
        size known at mount may be the environment's guess, not the terminal's)."""
        if not self.side_chosen:
            self.query_one(SidePanel).display = event.size.width >= SIDE_PANEL_WIDTH

    def action_toggle_side(self) -> None:
        """Show or hide the side panel."""
        side = self.query_one(SidePanel)
        side.display = not side.display
        self.side_chosen = True

    async def on_side_panel_open(self, message: SidePanel.Open) -> None:
        if message.name != self.session.name:
            await self.run_slash(f"/switch {message.name}")
        self.focus_prompt()

    async def on_side_panel_pick_turn(self, message: SidePanel.PickTurn) -> None:
        """A turn picked in the side panel: what it changed, and how to go back to it."""
        await self.run_slash(f"/diff {message.commit}")
        await self.view.note("Esc Esc (or /rewind) goes back to a turn; /fork branches off the latest one.")
        self.view.follow()
        self.focus_prompt()

    def _pressed_twice(self, key: str) -> bool:
        now = time.monotonic()
        twice = now - self.last_press.get(key, 0.0) < DOUBLE_PRESS_S
        self.last_press[key] = 0.0 if twice else now
        return twice

    def open_rewind_picker(self, callback: Any) -> None:
        """Show the turns to rewind to; `callback` gets the chosen commit id or None."""
        conversation = self.session.conversation
        if conversation is None:
            raise GitagentError("this conversation has no turns yet")
        self.push_screen(RewindScreen(self.session.repo, conversation.name, conversation.head), callback=callback)
