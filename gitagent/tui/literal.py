"""The one way the chat draws text it did not write itself (prompts, answers, tool input and output, file and
conversation names, commit subjects, skill descriptions, error messages): exactly as typed.

A plain `str` given to a Textual widget is read as markup, so `arr[/]` crashes the screen and `app/[id]/x`
loses its `[id]`; a `Text` is drawn as it is. Control sequences are shown escaped (`gitagent.printable`),
and a very long line is cut, so a 1 MB line of output costs no more to draw than a screenful.
"""

from rich.text import Text

from gitagent.printable import clip, printable

LINE_LIMIT = 2_000
"""Characters drawn of one line; the rest is counted, not drawn."""


def literal(text: str, style: str = "") -> Text:
    """`text` as a `Text` that no widget reads as markup, safe for the terminal, each line cut to `LINE_LIMIT`."""
    return Text(safe(text), style=style)


def safe(text: str) -> str:
    """`text` safe for the terminal with its long lines cut: for the widgets that take a plain string and
    do not read markup (Markdown, the prompt's text area, notifications with `markup=False`)."""
    clean = printable(text)
    if len(clean) <= LINE_LIMIT:
        return clean
    return "\n".join(clip(line, LINE_LIMIT) for line in clean.split("\n"))
