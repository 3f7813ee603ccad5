"""The command palette (Ctrl+P) offers every slash command next to Textual's own (themes, keys, quit)."""

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from gitagent.tui.commands import COMMANDS
from gitagent.tui.slash_more import help_rows


def _entries(app: object) -> list[tuple[str, str, str, bool]]:
    """(name, label, help, needs an argument) of the built-in commands, then the custom ones."""
    entries = [(c.name, f"/{c.name} {c.args}".rstrip(), c.help, c.min_args > 0) for c in COMMANDS]
    session = getattr(app, "session", None)
    if session is not None:
        for usage, about in help_rows(session):  # a repository's words: never read as markup
            name = usage.split()[0][1:]
            entries.append((name, usage, escape(about), usage != f"/{name}"))
    return entries


class SlashCommands(Provider):
    """Slash commands that need no argument run at once; the others are typed into the prompt to finish."""

    async def discover(self) -> Hits:
        for name, label, about, needs_argument in _entries(self.app):
            yield DiscoveryHit(Text(label), partial(self._choose, name, needs_argument), help=about)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, label, about, needs_argument in _entries(self.app):
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._choose, name, needs_argument), help=about)

    async def _choose(self, name: str, needs_argument: bool) -> None:
        app = self.app
        if needs_argument:
            prompt = app.query_one("#prompt")
            prompt.load_text(f"/{name} ")
            prompt.move_cursor(prompt.document.end)
            prompt.focus()
            return
        await app.run_slash(f"/{name}")  # type: ignore[attr-defined]
