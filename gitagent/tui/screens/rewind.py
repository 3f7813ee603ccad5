"""The rewind picker: the earlier turns of the conversation with their subject and diff stat; choosing one
rolls code and dialogue back to it."""

import pygit2
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from gitagent.store import turns
from gitagent.store.conversations import chain
from gitagent.tui.literal import literal

STAT_LIMIT = 200
"""Turns whose diff stat is computed; a longer history lists its older turns without one."""


def diff_stat(repo: pygit2.Repository, commit: pygit2.Commit) -> str:
    """`+12 −3 in 2 files`: what the turn changed in the code."""
    if not commit.parents:
        base = pygit2.Oid(hex=turns.read_conversation(commit)["base"])
        old = repo[base].peel(pygit2.Commit).tree
    else:
        old = repo[turns.workspace_tree(commit.parents[0])]
    stats = repo.diff(old, repo[turns.workspace_tree(commit)]).stats
    if not stats.files_changed:
        return "no code change"
    files = f"{stats.files_changed} file{'s' * (stats.files_changed != 1)}"
    return f"+{stats.insertions} −{stats.deletions} in {files}"


def turn_options(repo: pygit2.Repository, head: pygit2.Commit) -> list[Option]:
    """One option per turn before `head`, newest first; the option id is the commit id."""
    options = []
    for index, commit in enumerate(list(chain(head))[1:]):
        subject = commit.message.splitlines()[0] if commit.message else ""
        stat = diff_stat(repo, commit) if index < STAT_LIMIT else ""
        label = f"{turns.turn_number(commit):>4}  {subject[:34]:<34}  {stat}"
        options.append(Option(literal(label), id=str(commit.id)))
    return options


class RewindScreen(ModalScreen[str | None]):
    """Pick a turn; dismisses with its commit id, or None on Esc."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, repo: pygit2.Repository, name: str, head: pygit2.Commit) -> None:
        super().__init__()
        self.repo = repo
        self.conversation = name
        self.head = head

    def compose(self) -> ComposeResult:
        options = turn_options(self.repo, self.head)
        with Vertical(id="rewind", classes="dialog"):
            title = f"Rewind {self.conversation} (now at turn {turns.turn_number(self.head)}) to:"
            yield Label(literal(title), classes="title")
            if options:
                yield OptionList(*options)
            else:
                yield Label("There is no earlier turn to go back to.")
            yield Label("Enter: rewind · Esc: cancel · /undo brings the later turns back",
                        classes="hint")  # fmt: skip

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
