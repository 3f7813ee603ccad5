"""The conversations as the read commands (and the MCP server) see them: listed, resolved and read through git's
own plumbing (`GitReader`), never pygit2, with the store's own rules (`names`, `turnmeta`, `revs`).

What is rare and has its own rules in the store (an unknown name's validity, a base commit this clone lacks,
an in-flight turn) is handed to the store, which loads pygit2 then: the common path never does.
"""

import os
import sys
from typing import Any

from gitagent.errors import GitagentError
from gitagent.store import revs, turnmeta
from gitagent.store.gitread import Commit, GitReader
from gitagent.store.locate import Location
from gitagent.store.names import ABANDONED, CONVERSATIONS, INFLIGHT, split_target


class Conversation:
    """A conversation: its name and the turn commit its ref points at."""

    __slots__ = ("head", "name")

    def __init__(self, name: str, head: Commit) -> None:
        self.name, self.head = name, head

    @property
    def turns(self) -> int:
        """How many turns the conversation has (the head's turn number)."""
        return turnmeta.turn_number(self.head)


class History:
    """The conversations of the repository `where` names (`GitReader`; default: the command's). A context manager: it
    keeps one `git cat-file` process for the objects it reads."""

    def __init__(self, where: "str | os.PathLike[str] | Location | None" = None) -> None:
        self.git = GitReader(where)
        self._refs: list[tuple[str, Commit]] | None = None

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *_: object) -> None:
        self.git.close()

    def conversations(self) -> list[Conversation]:
        """Every conversation, most recently active first."""
        found = [
            Conversation(ref[len(CONVERSATIONS) :], head) for ref, head in self._all() if ref.startswith(CONVERSATIONS)
        ]
        return sorted(found, key=lambda c: c.head.commit_time, reverse=True)

    def inflight(self) -> list[str]:
        """The conversations that have an in-flight turn (running or interrupted)."""
        return [ref[len(INFLIGHT) :] for ref, _ in self._all() if ref.startswith(INFLIGHT)]

    def get(self, name: str) -> Conversation:
        """The named conversation, or an error that lists the ones that exist."""
        found = {c.name: c for c in self.conversations()}
        if name in found:
            return found[name]
        self.refuse_first_turn(name)
        from gitagent.store.refs import validate_name  # pygit2: only for a name that is not there

        validate_name(name)
        hint = f"existing conversations: {', '.join(found)}" if found else "start one with `gitagent run PROMPT`"
        raise GitagentError(f"no conversation named {name!r}", hint)

    def refuse_first_turn(self, name: str) -> None:
        """Raise the error that says conversation `name` has no turns yet because its first turn is in flight
        (running or interrupted), if it is."""
        if name not in self.inflight():
            return
        from gitagent.store.conversations import refuse_first_turn  # in-flight turns have the store's own rules
        from gitagent.store.repo import open_located  # (a stale one is dropped): rare, so pygit2 here

        refuse_first_turn(open_located(self.git.location), name)

    def resolve(self, target: str) -> tuple[Conversation, Commit]:
        """The conversation and the turn a `NAME[@REV]` argument names (one of its turns, or an abandoned one)."""
        name, rev = split_target(target)
        conversation = self.get(name)
        head = self.load(conversation.head.id)  # with its author, which the listing leaves out
        if not rev:
            return conversation, head
        return conversation, revs.resolve(self, name, head, rev)

    def log(self, conversation: Conversation, limit: int | None = None) -> list[Commit]:
        """The turns of a conversation, newest first (at most `limit`)."""
        return self.git.log(conversation.head.id, limit)

    def read_turn(self, commit: Commit) -> dict[str, Any]:
        """The `turn.json` of a turn commit (an in-flight commit keeps its events beside it, one blob each)."""
        turn = self._json(commit, "turn.json")
        events = turnmeta.event_names(self.git.tree_names(f"{commit.id}^{{tree}}"))
        if events:
            turn["events"] = [self._json(commit, name) for name in events]
        return turn

    def read_conversation(self, commit: Commit) -> dict[str, Any]:
        """The `conversation.json` of a turn commit."""
        return self._json(commit, "conversation.json")

    def before(self, commit: Commit, since_base: bool = False) -> str:
        """The tree a turn's change starts from: the previous turn's snapshot, or (for the first turn, or
        `since_base`) the tree of the commit the conversation started from."""
        if commit.parent_ids and not since_base:
            return f"{commit.parent_ids[0]}:workspace"
        conversation = self.read_conversation(commit)
        if self.git.commit(conversation["base"]) is None:
            from gitagent.store.conversations import present_base  # its errors say how to fetch what this clone lacks
            from gitagent.store.repo import open_located

            present_base(open_located(self.git.location), conversation)
        return f"{conversation['base']}^{{tree}}"

    def stat(self, old: str, new: str) -> str:
        """A summary of the files changed between two trees, 80 columns wide (empty when none did)."""
        out = self.git.run(["diff", *DIFF_PINNED, "--stat=80", *STAT_PINNED, old, new])
        return out.decode("utf-8", "replace").rstrip()

    def patch(self, old: str, new: str) -> str:
        """The unified diff between two trees, as text."""
        return self.git.run(["diff", *DIFF_PINNED, old, new]).decode("utf-8", "replace")

    def show_diff(self, old: str, new: str, extra: list[str]) -> int:
        """Show `git diff` between two trees on the terminal (git's own pager and colours there, none in a pipe);
        return git's exit status."""
        import subprocess

        colour = [] if sys.stdout.isatty() else ["--no-color"]
        args = ["git", *self.git.options, "-c", "core.quotepath=off", "--no-replace-objects", "diff", *DIFF_PINNED]
        sys.stdout.flush()
        return subprocess.call([*args, *colour, *extra, old, new], cwd=self.git.cwd, env=self.git.env)

    # revs.TurnSource: how REV resolution reads commits

    def load(self, oid: str) -> Commit:
        """The commit with id `oid` (present)."""
        commit = self.git.commit(str(oid))
        if commit is None:
            raise GitagentError(f"commit {oid} is missing from this repository", "run `git fsck` to see what else is")
        return commit

    def find(self, rev: str) -> Commit | None:
        """The commit a commit id (or prefix) names; None when missing, ambiguous or not a commit."""
        return self.git.commit(rev)

    def has_turn_json(self, commit: Commit) -> bool:
        """Whether the commit's tree holds a `turn.json`."""
        return self.git.object(f"{commit.id}:turn.json") is not None

    def conversation_name(self, commit: Commit) -> str:
        """The name in the commit's `conversation.json`."""
        return self.read_conversation(commit)["name"]

    def abandoned_reach(self, name: str, commit: Commit) -> bool:
        """Whether an abandoned tip of conversation `name` is `commit` or descends from it."""
        prefix = f"{ABANDONED}{name}/"
        tips = [tip.id for ref, tip in self.git.refs(prefix) if "/" not in ref[len(prefix) :]]
        return any(tip == commit.id or self.git.is_ancestor(commit.id, tip) for tip in tips)

    def _all(self) -> list[tuple[str, Commit]]:
        if self._refs is None:
            self._refs = self.git.refs(CONVERSATIONS, INFLIGHT)
        return self._refs

    def _json(self, commit: Commit, path: str) -> dict[str, Any]:
        import json  # not for `log` or `conversations`, which read only commit messages

        data = self.git.blob(f"{commit.id}:{path}")
        if data is None:
            raise GitagentError(f"commit {commit.id[:7]} has no {path}: it is not a gitagent turn")
        return json.loads(data)


DIFF_PINNED = ["--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", "-M"]
"""What a user's config could change in a diff gitagent prints: its program, text conversion, path prefixes,
which paths it shows, whether renames are found."""
STAT_PINNED = ["--stat-graph-width=80"]
"""With `--stat`: a user's `diff.statGraphWidth` would narrow its graph (this option alone turns `--stat` on)."""
