"""The chat's everyday conveniences, mixed into `ChatApp`: the working line, the plan view, `@` completion,
`!command`, the full-output view (Ctrl+O), prompt search (Ctrl+R), the approval mode (Shift+Tab) and the
model picker. Each is a small piece of app behaviour; the widgets and screens live in their own modules."""

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.message import Message

from gitagent.agent.attachments import Attachment
from gitagent.agent.events import AssistantMessage, Event, ToolFinished, ToolStarted, TurnStarted
from gitagent.agent.permissions import MODES
from gitagent.models.base import TextDelta
from gitagent.store import turns
from gitagent.tools.base import ToolResult
from gitagent.tui.mentions import list_paths, matches, partial_at
from gitagent.tui.screens.history_search import HistorySearchScreen
from gitagent.tui.screens.models import ModelScreen
from gitagent.tui.screens.output import OutputScreen
from gitagent.tui.shell import run_shell
from gitagent.tui.widgets.blocks import SHELL, ToolBlock, ToolOutcome, summary
from gitagent.tui.widgets.completions import MentionList
from gitagent.tui.widgets.prompt import PromptInput
from gitagent.tui.widgets.todos import TodoView
from gitagent.tui.widgets.working import WorkingLine


@dataclass
class ShellDone(Message):
    """A `!command` finished (or was interrupted: `result` None and `error` set)."""

    block: ToolBlock
    result: ToolResult | None
    attachment: Attachment | None
    error: str | None = None


@dataclass
class PathsListed(Message):
    """The worktree's paths, listed in a thread for `@` completion."""

    root: str
    paths: list[str]


class ChatFeatures:
    """Behaviour the chat adds around turns; see the module docstring. Mixed into `ChatApp` only."""

    shell_output: list[Attachment]
    shell_for: str | None
    paths: dict[str, list[str]]

    def init_features(self) -> None:
        """Set up the state the features keep (called from the app's `__init__`)."""
        self.shell_output = []
        self.shell_for = None
        self.paths = {}

    # The working line and the plan ------------------------------------------------------------------

    @property
    def working(self) -> WorkingLine:
        """The line above the prompt that shows work in progress."""
        return self.query_one(WorkingLine)

    def work_event(self, event: Event) -> None:
        """Keep the working line and the plan up to date with the running turn."""
        working = self.working
        match event:
            case TurnStarted():
                working.doing("Thinking")
            case TextDelta():
                working.streaming(len(event.text))
            case AssistantMessage():
                working.counted(event.response.usage.total)
                working.doing("Thinking" if event.response.tool_calls else "Finishing")
            case ToolStarted():
                about = summary(event.call.get("input") or {})
                working.doing(f"Running {event.call['name']}" + (f": {about}" if about else ""))
            case ToolFinished():
                working.doing("Thinking")
                if "todos" in event.result.metadata:
                    self.query_one(TodoView).show_plan(event.result.metadata["todos"])

    def show_recorded_plan(self) -> None:
        """The plan as the conversation's latest turn left it."""
        conversation = self.session.conversation
        todos = turns.read_turn(conversation.head).get("todos") if conversation else None
        self.query_one(TodoView).show_plan(todos)

    # `@` mentions ------------------------------------------------------------------------------------

    def update_mentions(self, prompt: PromptInput) -> None:
        """Offer the paths matching the `@` mention before the cursor, if one is being typed."""
        mentions = self.query_one(MentionList)
        row, column = prompt.cursor_location
        partial = partial_at(prompt.document.get_line(row), column)
        if partial is None:
            mentions.close()
            return
        root = str(self.session.files_root)
        if root not in self.paths:
            self._list_paths(root)
            return
        mentions.offer(matches(self.paths[root], partial))

    @work(thread=True, group="paths", exclusive=True)
    def _list_paths(self, root: str) -> None:
        self.post_message(PathsListed(root, list_paths(Path(root))))

    def on_paths_listed(self, message: PathsListed) -> None:
        self.paths[message.root] = message.paths
        self.update_mentions(self.query_one(PromptInput))

    def forget_paths(self) -> None:
        """A turn or a command may have changed the files: list them again at the next `@`."""
        self.paths.clear()

    # `!command` --------------------------------------------------------------------------------------

    async def run_shell_command(self, command: str) -> None:
        """Run `!command` in the sandbox, showing it as a tool block; its output waits for the next prompt."""
        block = ToolBlock({"id": f"shell-{len(self.shell_output)}", "name": SHELL, "input": {"command": command}})
        await self.view.show_prompt("!" + command)
        await self.view.show(block)
        self.running = True
        self.working.start(f"Running !{command}"[:70])
        self.refresh_panels()
        self._shell_worker(block, command)

    @work(thread=True, group="turn")
    def _shell_worker(self, block: ToolBlock, command: str) -> None:
        self.session.worker = threading.current_thread()
        try:
            result, attachment = run_shell(self.session, command)
            message = ShellDone(block, result, attachment)
        except KeyboardInterrupt:
            message = ShellDone(block, None, None, "Interrupted: the command was stopped; its output is not kept.")
        except BaseException as e:
            message = ShellDone(block, None, None, self.error_text(e))
        finally:
            self.session.worker = None
        self.post_message(message)

    async def on_shell_done(self, message: ShellDone) -> None:
        self.running = False
        self.working.stop()
        self.forget_paths()
        if message.result is None or message.attachment is None:
            message.block.finish(ToolOutcome(message.error or "failed", True))
            await self.view.note(message.error or "failed", "error")
        else:
            code = message.attachment["exit_code"]
            message.block.finish(ToolOutcome(message.result.output, message.result.is_error, code))
            if not message.block.expanded:
                message.block.action_toggle()
            if self.shell_for != self.session.name:
                self.shell_output = []
            self.shell_output.append(message.attachment)
            self.shell_for = self.session.name
            waiting = len(self.shell_output)
            await self.view.note(f"The output goes with your next prompt ({waiting} command(s) waiting).")
        self.refresh_panels()
        await self.after_work()

    def take_shell_output(self) -> list[Attachment]:
        """The output of the `!command`s run since the last prompt in this conversation (then forgotten)."""
        taken = self.shell_output if self.shell_for == self.session.name else []
        self.shell_output, self.shell_for = [], None
        return taken

    # Keys --------------------------------------------------------------------------------------------

    def action_full_output(self) -> None:
        """Ctrl+O: the whole input and output of the focused tool call, else of the latest one."""
        focused = self.focused
        block = focused if isinstance(focused, ToolBlock) else None
        if block is None:
            blocks = list(self.view.query(ToolBlock))
            block = blocks[-1] if blocks else None
        if block is None:
            self.notify("No tool call yet: Ctrl+O shows a tool call's whole output.", timeout=3)
            return
        self.push_screen(OutputScreen(block))

    def action_cycle_approval(self) -> None:
        """Shift+Tab: the next approval mode (auto → ask → auto), for the running turn too."""
        current = self.session.approval_mode
        mode = MODES[(MODES.index(current) + 1) % len(MODES)] if current in MODES else MODES[0]
        self.session.set_approval(mode)
        self.refresh_panels()
        self.notify(f"Approval mode: {mode}", timeout=2)

    def action_history_search(self) -> None:
        """Ctrl+R: search earlier prompts; the chosen one is put in the prompt."""
        prompt = self.query_one(PromptInput)

        def chosen(text: str | None) -> None:
            if text is not None:
                prompt.load_text(text)
                prompt.move_cursor(prompt.document.end)
            prompt.focus()

        self.push_screen(HistorySearchScreen(prompt.prompts, prompt.text.strip()), callback=chosen)

    def open_model_picker(self) -> None:
        """`/model` without a spec: the picker; the chosen model is used for the next turns."""

        async def chosen(spec: str | None) -> None:
            if spec is not None:
                await self.run_slash(f"/model {spec}")

        screen = ModelScreen(self.session.model_spec, keyless_ok=bool(self.session.options.base_url))
        self.push_screen(screen, callback=chosen)

    def error_text(self, error: BaseException) -> str:
        """A notice for a failure (the app's own rule: the message and its fix)."""
        from gitagent.tui.app import error_text

        return error_text(error)

    async def after_work(self) -> Any:
        """Send the next queued prompt, if any (a turn or a command has ended)."""
        if self.queued and not self.running:
            await self.submit(self.queued.pop(0))
