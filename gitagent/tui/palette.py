"""The command palette (Ctrl+P) offers every slash command next to Textual's own (themes, keys, quit)."""

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from gitagent.tui.commands import COMMANDS
from gitagent.tui.literal import literal, safe
from gitagent.tui.slash_more import help_rows


def _entries(app: object) -> list[tuple[str, str, str, bool]]:
    """(name, label, help, needs an argument) of the built-in commands, then the custom ones."""
    entries = [(c.name, f"/{c.name} {c.args}".rstrip(), c.help, c.min_args > 0) for c in COMMANDS]
    session = getattr(app, "session", None)
    if session is not None:
        for usage, about in help_rows(session):
            name = usage.split()[0][1:]
            entries.append((name, usage, about, usage != f"/{name}"))
    return [(name, safe(label), about, needs) for name, label, about, needs in entries]


class SlashCommands(Provider):
    """Slash commands that need no argument run at once; the others are typed into the prompt to finish."""

    async def discover(self) -> Hits:
        for name, label, about, needs_argument in _entries(self.app):
            choose = partial(self._choose, name, needs_argument)
            yield DiscoveryHit(Content(label), choose, text=label, help=_help(about))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, label, about, needs_argument in _entries(self.app):
            score = matcher.match(label)
            if score > 0:
                choose = partial(self._choose, name, needs_argument)
                yield Hit(score, highlight(matcher, label), choose, text=label, help=_help(about))

    async def _choose(self, name: str, needs_argument: bool) -> None:
        app = self.app
        if needs_argument:
            prompt = app.query_one("#prompt")
            prompt.load_text(f"/{name} ")
            prompt.move_cursor(prompt.document.end)
            prompt.focus()
            return
        await app.run_slash(f"/{name}")  # type: ignore[attr-defined]


def _help(text: str) -> Content:
    # The palette reads a help string as markup, and passes Content through as it is: a repository's
    # command descriptions (and `[NAME]`) are shown as written.
    return Content.from_rich_text(literal(text))


def highlight(matcher: Matcher, label: str) -> Content:
    """`label` with the letters the query matched highlighted; unlike `Matcher.highlight`, never read as
    markup, so `/fork [NAME]` keeps its `[NAME]`."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
