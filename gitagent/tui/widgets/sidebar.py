"""The side panel: this repository's conversations as a tree of forks, and the turns of the open one."""

from dataclasses import dataclass

import pygit2
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Tree
from textual.widgets.option_list import Option

from gitagent.store import inflight, turns
from gitagent.store.conversations import Conversation, chain, list_conversations
from gitagent.tui.literal import literal

TURNS_SHOWN = 50


def fork_parents(conversations: list[Conversation]) -> dict[str, str | None]:
    """Each conversation's parent in the fork tree (None for a root), from `conversation.json`'s `forked_from`."""
    names = {c.name for c in conversations}
    parents: dict[str, str | None] = {}
    for conversation in conversations:
        info = turns.read_conversation(conversation.head)
        # A fork without a turn of its own still points at its parent's commit, which names the parent.
        parent = (info.get("forked_from") or {}).get("name") if info.get("name") == conversation.name else info["name"]
        parents[conversation.name] = parent if parent in names and parent != conversation.name else None
    return parents


class SidePanel(Vertical):
    """Conversations (select one to open it) and the open conversation's turns with their commit ids."""

    @dataclass
    class Open(Message):
        """The person picked a conversation in the tree."""

        name: str

    @dataclass
    class PickTurn(Message):
        """The person picked a turn of the open conversation."""

        commit: str

    def __init__(self) -> None:
        super().__init__(id="side")

    def compose(self) -> ComposeResult:
        yield Label("Conversations", classes="heading")
        tree: Tree[str] = Tree("this repository", id="conversations")
        tree.show_root = False
        yield tree
        yield Label("Turns", classes="heading")
        yield OptionList(id="turns")

    def refresh_from(self, repo: pygit2.Repository, current: str | None) -> None:
        """Redraw both lists from git."""
        conversations = list_conversations(repo)
        parents = fork_parents(conversations)
        tree = self.query_one("#conversations", Tree)
        tree.clear()
        nodes = {}
        pending = sorted(conversations, key=lambda c: c.head.commit_time)
        while pending:
            waiting = []
            for c in pending:
                parent = parents[c.name]
                if parent is not None and parent not in nodes:
                    waiting.append(c)
                    continue
                under = nodes[parent] if parent is not None else tree.root
                label = f"{'▶ ' if c.name == current else ''}{c.name} ({c.turns})"
                nodes[c.name] = under.add(literal(label), data=c.name, expand=True, allow_expand=False)
            if len(waiting) == len(pending):  # a cycle cannot happen, but never loop forever
                break
            pending = waiting
        for name in sorted(set(inflight.names(repo)) - {c.name for c in conversations}):  # first turns in flight
            commit = inflight.load(repo, name)
            if commit is not None:
                state = inflight.state(repo, name, turns.read_turn(commit).get("owner", {}))
                tree.root.add(
                    literal(f"{'▶ ' if name == current else ''}{name} ({state})"), data=name, allow_expand=False
                )
        self._show_turns(next((c for c in conversations if c.name == current), None))

    def _show_turns(self, conversation: Conversation | None) -> None:
        turn_list = self.query_one("#turns", OptionList)
        turn_list.clear_options()
        if conversation is None:
            return
        for index, commit in enumerate(chain(conversation.head)):
            if index >= TURNS_SHOWN:
                turn_list.add_option(Option(literal(f"… {turns.turn_number(commit)} earlier"), disabled=True))
                break
            subject = commit.message.splitlines()[0] if commit.message else ""
            label = literal(f"{turns.turn_number(commit):>3} {commit.short_id} {subject}")
            turn_list.add_option(Option(label, id=str(commit.id)))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data:
            self.post_message(self.Open(event.node.data))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(self.PickTurn(event.option.id))
