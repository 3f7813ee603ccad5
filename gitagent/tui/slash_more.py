"""The slash commands that start a turn or report on the session (`/init`, `/cost`, `/clear`), and custom
commands (`.claude/commands/*.md` and the like): a repository's run only once trusted, like its hooks."""

from typing import TYPE_CHECKING

from textual.widgets import Static

from gitagent.agent.trust import trusted_ids
from gitagent.commands import CustomCommand, discover_commands
from gitagent.errors import GitagentError
from gitagent.store.repo import workdir
from gitagent.subagents.start import child_prefix
from gitagent.subagents.status import children_of
from gitagent.tui.cost import cost_text
from gitagent.tui.literal import literal
from gitagent.tui.prompting import custom_prompt, init_prompt
from gitagent.tui.session import ChatSession

if TYPE_CHECKING:
    from gitagent.tui.app import ChatApp


def custom_commands(session: ChatSession) -> dict[str, CustomCommand]:
    """The custom commands in effect here, by name (read afresh: editing a file takes effect at once)."""
    return discover_commands(workdir(session.repo)).commands


def is_trusted(session: ChatSession, command: CustomCommand) -> bool:
    """Whether `command` may run: the user's own, or a repository's that is trusted (or `--trust-repo`)."""
    return not command.needs_trust or session.options.trust_repo or command.content_id in trusted_ids(session.repo)


def help_rows(session: ChatSession) -> list[tuple[str, str]]:
    """`/help`'s lines for the custom commands: usage, then description and where it comes from."""
    rows = []
    for command in custom_commands(session).values():
        usage = f"/{command.name} {command.argument_hint}".rstrip()
        state = "" if is_trusted(session, command) else ", untrusted: `gitagent trust`"
        if command.problem:
            state = ", not usable: " + command.problem
        rows.append((usage, f"{command.description} ({command.source}{state})"))
    return rows


class MoreSlashHandlers:
    """`/init`, `/cost`, `/agents`, `/clear`, and running a custom command; mixed into `SlashHandlers`."""

    app: "ChatApp"
    session: ChatSession

    async def init(self) -> None:
        """/init: the agent writes AGENTS.md, as one turn of this conversation."""
        await self.app.send_prompt(init_prompt(self.app.take_shell_output()))

    async def cost(self) -> None:
        """/cost"""
        text = cost_text(self.session.totals, self.session.conversation)
        await self.app.view.show(Static(literal(text), classes="listing"))

    async def agents(self, number: str | None = None) -> None:
        """/agents [N]: the open conversation's subagents; with N, open agent N's conversation."""
        name = self.session.name
        if name is None:
            raise GitagentError("no conversation is open")
        if number is not None:
            await self.switch(number if "/" in number else f"{child_prefix(name)}{number}")  # type: ignore[attr-defined]
            return
        children = children_of(self.session.repo, name)
        if not children:
            await self.app.view.note("This conversation has started no subagents.", "info")
            return
        lines = [child.line() for child in children]
        lines.append(f"/agents N opens one (its own conversation); /switch {name} comes back.")
        await self.app.view.show(Static("\n".join(lines), classes="listing"))

    async def clear(self) -> None:
        """/clear: as /new (the conversation left is kept, as every conversation is)."""
        await self.new()  # type: ignore[attr-defined]

    async def custom(self, name: str, arguments: str) -> None:
        """Run custom command `/name` with `arguments` as a turn."""
        command = custom_commands(self.session).get(name)
        if command is None:
            raise GitagentError(f"unknown command /{name}", "type /help for the list")
        if command.problem:
            raise GitagentError(command.problem)
        if not is_trusted(self.session, command):
            raise GitagentError(
                f"/{name} comes from this repository ({command.path}) and is not trusted",
                "read it, then run `gitagent trust` (or start the chat with --trust-repo)",
            )
        prompt = custom_prompt(
            command, arguments, self.session.files_root, self.app.take_shell_output(), self.session.model_spec or ""
        )
        await self.app.send_prompt(prompt)
