"""The whole conversation as plain text, printed into the terminal's own scrollback (`/transcript`).

The chat draws on the terminal's alternate screen, which has no scrollback. `/transcript` steps out of it
for a moment and prints every turn the way `gitagent show` does, so the terminal's scrolling, search and
selection work on it, during the chat and after it ends.
"""

import sys

import pygit2

from gitagent.cli.render import show_turn
from gitagent.printable import printable
from gitagent.store.conversations import Conversation
from gitagent.store.reads import History
from gitagent.store.repo import location

BACK = "The conversation is above, in your terminal's scrollback. Press Enter to go back to the chat."


def conversation_text(repo: pygit2.Repository, conversation: Conversation) -> str:
    """Every turn of `conversation`, oldest first, as `gitagent show` prints one, safe for the terminal."""
    with History(location(repo)) as history:
        commits = reversed(history.git.log(str(conversation.head.id)))
        parts = [show_turn(history, conversation.name, history.load(commit.id)) for commit in commits]
    return printable("\n\n".join(parts))


def print_and_wait(text: str) -> None:
    """Print `text` on the normal screen and wait for Enter (the app is suspended meanwhile)."""
    sys.stdout.write(f"{text}\n\n{BACK}")
    sys.stdout.flush()
    sys.stdin.readline()
