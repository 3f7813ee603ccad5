"""The command palette (Ctrl+P) offers every slash command next to Textual's own (themes, keys, quit)."""

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gitagent.tui.commands import COMMANDS


class SlashCommands(Provider):
    """Slash commands that need no argument run at once; the others are typed into the prompt to finish."""

    async def discover(self) -> Hits:
        for command in COMMANDS:
            yield DiscoveryHit(f"/{command.name} {command.args}".rstrip(), partial(self._choose, command.name),
                               help=command.help)  # fmt: skip

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            label = f"/{command.name} {command.args}".rstrip()
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._choose, command.name), help=command.help)

    async def _choose(self, name: str) -> None:
        command = next(c for c in COMMANDS if c.name == name)
        app = self.app
        if command.min_args:
            prompt = app.query_one("#prompt")
            prompt.load_text(f"/{name} ")
            prompt.move_cursor(prompt.document.end)
            prompt.focus()
            return
        await app.run_slash(f"/{name}")  # type: ignore[attr-defined]
