"""Persisting a turn at 10,000 turns of history vs at 1 turn (issue 2: ratio ≤ 1.5, under 5 ms).

What is timed is exactly `inflight.commit`: write the turn commit (turn.json of a few KB, conversation.json,
the workspace tree), move the conversation ref by compare-and-swap, delete the in-flight ref. The workspace
snapshot is taken beforehand and not timed. Before every repetition (untimed) the conversation ref is put
back on the same head and a fresh in-flight ref is saved, so each repetition commits turn N+1 onto the same
N-turn history.

Run: python bench/turn_persist.py [runs]
"""

import tempfile
from pathlib import Path

import pygit2
from common import (
    AUTHOR,
    Case,
    Check,
    build_history,
    init_repo,
    measure,
    realistic_turn,
    report,
    runs_from_argv,
    set_ref,
    source_files,
    turn_content,
    workspace_with,
)

from gitagent.store import inflight, turns
from gitagent.store.refs import conversation_ref

LONG = 10_000
RATIO_TARGET = 1.5
MS_TARGET = 5.0


class PersistCase:
    """Commits turn `head + 1` of one conversation, always on top of the same head."""

    def __init__(self, repo: pygit2.Repository, name: str, head: pygit2.Commit) -> None:
        self.repo, self.name, self.head = repo, name, head
        self.blob = head.tree["conversation.json"].id
        self.workspace = workspace_with(repo, repo.head.peel(pygit2.Commit).tree, f"{name} next turn\n")
        self.number = turns.turn_number(head) + 1
        self.state = inflight.InFlight(name, head.id)
        self.turn = realistic_turn(self.number, name)

    def prepare(self) -> None:
        """Untimed: conversation ref back on the head, the in-flight ref saved as the session does."""
        set_ref(self.repo, conversation_ref(self.name), self.head.id)
        self.state = inflight.InFlight(self.name, self.head.id)
        partial = turn_content(self.repo, self.turn, self.blob, None, self.head)
        inflight.save(self.repo, self.state, partial, AUTHOR)

    def persist(self) -> None:
        """Timed: what `session._Turn.commit` does after the snapshot (trailers and jump pointer included)."""
        content = turn_content(self.repo, self.turn, self.blob, self.workspace, self.head)
        inflight.commit(self.repo, self.state, content, AUTHOR)


def main() -> list[Check]:
    """Time persisting a turn on a 10,000-turn and a 1-turn conversation of the same repository."""
    runs = runs_from_argv(150)
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        repo = init_repo(Path(tmp) / "repo", source_files(200, 20))
        long_case = PersistCase(repo, "long", build_history(repo, "long", LONG))
        short_case = PersistCase(repo, "short", build_history(repo, "short", 1))
        medians = measure(
            [
                Case("long", long_case.persist, long_case.prepare),
                Case("short", short_case.persist, short_case.prepare),
            ],
            runs,
        )
    ratio = medians["long"] / medians["short"]
    checks = [
        Check(f"ratio {LONG:,} turns / 1 turn", ratio, RATIO_TARGET, "x"),
        Check(f"persist a turn at {LONG:,} turns", medians["long"], MS_TARGET, " ms"),
    ]
    figures = [
        f"median of {runs} runs: {medians['long']:.2f} ms at {LONG:,} turns, {medians['short']:.2f} ms at 1 turn",
    ]
    what = "inflight.commit (turn commit + CAS ref move + in-flight ref delete), snapshot excluded"
    report("turn_persist", what, figures, checks)
    return checks


if __name__ == "__main__":
    main()
