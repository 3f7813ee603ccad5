"""What each slash command does in the chat; the work itself is in `ChatSession` and the substrate."""

from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.widgets import Static

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.tui import listings, mcp
from gitagent.tui.commands import help_text
from gitagent.tui.literal import literal
from gitagent.tui.slash_more import MoreSlashHandlers, help_rows
from gitagent.tui.transcript import conversation_text, print_and_wait

if TYPE_CHECKING:
    from gitagent.tui.app import ChatApp


class SlashHandlers(MoreSlashHandlers):
    """One coroutine per slash command, named as the command."""

    def __init__(self, app: "ChatApp") -> None:
        self.app = app
        self.session = app.session

    async def _say(self, text: str, kind: str = "info") -> None:
        await self.app.view.note(text, kind)

    async def fork(self, name: str | None = None) -> None:
        """/fork [NAME]"""
        old = self.session.name
        new = self.session.fork(name)
        await self.app.reload()
        await self._say(f"Forked {old} as {new}; you are now in {new}. /switch {old} goes back.")

    async def rewind(self) -> None:
        """/rewind: the picker; choosing a turn rolls code and dialogue back to it."""
        try:
            self.app.open_rewind_picker(self._rewind_to)
        except GitagentError as e:
            await self._say(str(e), "error")

    async def _rewind_to(self, commit_id: str | None) -> None:
        if commit_id is None:
            return
        try:
            target = self.session.rewind(self.session.repo[commit_id])
        except GitagentError as e:
            await self._say(str(e), "error")
            return
        await self.app.reload()
        await self._say(
            f"Rewound to turn {turns.turn_number(target)} ({target.short_id}): code and dialogue are back there; "
            "/undo brings the later turns back."
        )

    async def undo(self) -> None:
        """/undo: the last rewind."""
        head, restored = self.session.undo_rewind()
        await self.app.reload()
        await self._say(f"Undid the rewind: {restored} turn(s) are back; the conversation is at turn "
                        f"{turns.turn_number(head)} ({head.short_id}), its files too.")  # fmt: skip

    async def log(self) -> None:
        """/log"""
        conversation = self.session.conversation
        await self.app.view.show(
            Static(literal(listings.log_text(conversation) if conversation else "No turns yet."), classes="listing")
        )

    async def transcript(self) -> None:
        """/transcript: the conversation printed on the terminal's normal screen, into its scrollback."""
        conversation = self.session.conversation
        if conversation is None:
            raise GitagentError("this conversation has no turns yet")
        text = conversation_text(self.session.repo, conversation)
        try:
            with self.app.suspend():
                print_and_wait(text)
        except SuspendNotSupported as e:
            hint = "`gitagent show NAME@N` prints a turn"
            raise GitagentError("this terminal cannot step out of the chat", hint) from e

    async def diff(self, rev: str | None = None) -> None:
        """/diff [REV|base]"""
        conversation = self.session.conversation
        if conversation is None:
            raise GitagentError("this conversation has no turns yet")
        await self.app.view.show(Static(listings.diff_of(self.session.repo, conversation, rev), classes="listing"))

    async def apply(self) -> None:
        """/apply"""
        paths = self.session.apply()
        if not paths:
            await self._say("The conversation changed no files; nothing to apply.")
            return
        await self._say(f"Applied {len(paths)} file(s) to your checkout, uncommitted: {', '.join(paths)}")

    async def export(self, branch: str) -> None:
        """/export BRANCH"""
        oid = self.session.export(branch)
        await self._say(f"Created branch {branch} at {str(oid)[:7]} with the conversation's changes.")

    async def model(self, spec: str | None = None) -> None:
        """/model [SPEC]"""
        if spec is None:
            self.app.open_model_picker()
            return
        self.session.set_model(spec)  # checked without loading the provider's SDK: the screen never waits
        await self._say(f"The next turns use {spec}.")

    async def compact(self) -> None:
        """/compact: the model summarises, in a worker so the screen stays live."""
        await self._say("Compacting…")
        self.app.run_worker(self._compact_in_thread, thread=True, group="compact")

    def _compact_in_thread(self) -> None:
        try:
            done = self.session.compact(lambda event: None)
            text, kind = f"Compacted {done.replaced_messages} messages into turn {done.turn}.", "info"
        except GitagentError as e:
            text, kind = str(e), "error"
        self.app.call_from_thread(self._after_compact, text, kind)

    async def _after_compact(self, text: str, kind: str) -> None:
        await self._say(text, kind)
        self.app.refresh_panels()

    async def skills(self) -> None:
        """/skills"""
        await self.app.view.show(Static(literal(listings.skills_text(self.session.repo)), classes="listing"))

    async def hooks(self) -> None:
        """/hooks"""
        await self.app.view.show(Static(literal(listings.hooks_text(self.session.repo)), classes="listing"))

    async def mcp(self) -> None:
        """/mcp"""
        await self.app.view.show(Static(literal(mcp.servers_text(self.session)), classes="listing"))

    async def mcp_prompt(self, text: str) -> None:
        """/mcp__SERVER__PROMPT ARGS: the server's prompt, sent as the next prompt (asked in a worker)."""
        await self._say(f"Getting {text.split()[0]} from its MCP server…")
        self.app.run_worker(lambda: self._prompt_in_thread(text), thread=True, group="mcp")

    def _prompt_in_thread(self, text: str) -> None:
        def notify(note: str) -> None:
            self.app.call_from_thread(self._say, note, "warning")

        try:
            prompt = mcp.expand_prompt(self.session, text, notify)
        except GitagentError as e:
            self.app.call_from_thread(self._say, str(e), "error")
            return
        self.app.call_from_thread(self.app.send_prompt, prompt)

    async def new(self) -> None:
        """/new"""
        self.session.open(None)
        await self.app.reload()
        await self._say("New conversation: it is named after your first prompt.")

    async def switch(self, name: str) -> None:
        """/switch NAME"""
        self.session.open(name)
        await self.app.reload()
        await self.app.note_unfinished_turn()

    async def resume(self) -> None:
        """/resume"""
        running = self.session.running
        if running is not None:
            raise running
        if not self.session.interrupted:
            raise GitagentError("there is no interrupted turn to resume")
        await self._say("Resuming the interrupted turn…")
        self.app.start_turn(self.session.resume)

    async def discard(self) -> None:
        """/discard"""
        number = self.session.discard()
        await self.app.reload()
        await self._say(f"Dropped the interrupted turn {number}; the worktree is back at the last turn.")

    async def help(self) -> None:
        """/help"""
        await self.app.view.show(Static(literal(help_text(help_rows(self.session))), classes="listing"))

    async def quit(self) -> None:
        """/quit"""
        await self.app.quit_safely()
