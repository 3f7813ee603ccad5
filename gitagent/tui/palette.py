"""The command palette (Ctrl+P) offers every slash command next to Textual's own (themes, keys, quit)."""

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from gitagent.tui.commands import COMMANDS, SlashCommand
from gitagent.tui.literal import literal, safe


class SlashCommands(Provider):
    """Slash commands that need no argument run at once; the others are typed into the prompt to finish."""

    async def discover(self) -> Hits:
        for command in COMMANDS:
            label = _label(command)
            yield DiscoveryHit(Content(label), partial(self._choose, command.name), text=label, help=_help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in COMMANDS:
            label = _label(command)
            score = matcher.match(label)
            if score > 0:
                hit = highlight(matcher, label)
                yield Hit(score, hit, partial(self._choose, command.name), text=label, help=_help(command))

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


def _label(command: SlashCommand) -> str:
    return safe(f"/{command.name} {command.args}".rstrip())


def _help(command: SlashCommand) -> Content:
    # The palette reads a help string as markup, and passes Content through as it is.
    return Content.from_rich_text(literal(command.help))


def highlight(matcher: Matcher, label: str) -> Content:
    """`label` with the letters the query matched highlighted; unlike `Matcher.highlight`, never read as
    markup, so `/fork [NAME]` keeps its `[NAME]`."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
