"""Fork and rewind on a 10,000-turn conversation vs a 2-turn one (issue 2: each under 50 ms at 10,000 turns).

Fork is timed as `gitagent fork NAME@REV NEW` does it: `resolve_target` then `operations.fork`. Rewind as
`gitagent rewind NAME REV` does it: `get_conversation` then `operations.rewind`, which checks the worktree for
unrecorded changes (a snapshot), moves the ref by compare-and-swap, keeps the old tip under `abandoned/` and
checks the worktree out at the target turn. Both conversations have worktrees made with `worktree.create`.
Before every repetition (untimed) the fork's ref is deleted, or the rewound conversation's ref, abandoned
ref and worktree are put back at its head.

Also printed, to show where time goes: `resolve_rev` and `is_earlier_turn` alone at both lengths.

Run: python bench/fork_rewind.py [runs]
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

import pygit2
from common import (
    Case,
    Check,
    build_history,
    delete_ref,
    init_repo,
    measure,
    report,
    runs_from_argv,
    set_ref,
    source_files,
)

from gitagent.store import operations, turns
from gitagent.store.conversations import get_conversation, is_earlier_turn, resolve_rev, resolve_target
from gitagent.store.refs import abandoned_ref, conversation_ref
from gitagent.workspace import worktree as wt

LONG = 10_000
MS_TARGET = 50.0
# (label, REV on the 10,000-turn conversation, the matching REV on the 2-turn one)
REVS = [("turn 1", "1", "1"), (f"turn {LONG - 10}", str(LONG - 10), "1"), ("~1", "~1", "~1")]


class Conversations:
    """One repository with a long and a short conversation, each with its worktree.

    Every timed repetition uses a freshly opened `pygit2.Repository` (opened untimed), as each `gitagent`
    command does, so libgit2's object cache starts empty and history walks read the commits they visit.
    """

    def __init__(self, root: Path) -> None:
        self.repo = init_repo(root / "repo", source_files(200, 20))
        self.heads = {"long": build_history(self.repo, "long", LONG), "short": build_history(self.repo, "short", 2)}
        self.fresh = self.repo
        base = self.repo.head.target
        for name, head in self.heads.items():
            wt.create(wt.worktree_for(self.repo, name), base, turns.workspace_tree(head))

    def reopen(self) -> None:
        """Open the repository anew, as a new `gitagent` process would."""
        self.fresh = pygit2.Repository(self.repo.path)

    def fork(self, name: str, rev: str) -> Case:
        """`gitagent fork NAME@REV NAME-fork` as a timed case."""
        new = f"{name}-fork"
        target = f"{name}{rev}" if rev.startswith("~") else f"{name}@{rev}"

        def setup() -> None:
            delete_ref(self.repo, conversation_ref(new))
            self.reopen()

        def run() -> None:
            _, commit = resolve_target(self.fresh, target)
            operations.fork(self.fresh, commit, new)

        return Case(f"fork {name} {rev}", run, setup)

    def rewind(self, name: str, rev: str) -> Case:
        """`gitagent rewind NAME REV` as a timed case, reset to the head before each repetition."""
        head = self.heads[name]
        worktree = wt.worktree_for(self.repo, name)

        def setup() -> None:
            set_ref(self.repo, conversation_ref(name), head.id)
            delete_ref(self.repo, abandoned_ref(name, head.id))
            wt.checkout(worktree, turns.workspace_tree(head))
            self.reopen()

        def run() -> None:
            operations.rewind(self.fresh, get_conversation(self.fresh, name), rev)

        return Case(f"rewind {name} {rev}", run, setup)

    def probe(self, name: str, rev: str) -> list[Case]:
        """`resolve_rev` and `is_earlier_turn` alone, to locate any cost that grows with history."""
        head = self.heads[name]

        def setup() -> None:
            set_ref(self.repo, conversation_ref(name), head.id)  # a rewind case may have left it moved
            self.reopen()

        setup()
        target = resolve_rev(self.fresh, get_conversation(self.fresh, name), rev)

        def resolve() -> None:
            resolve_rev(self.fresh, get_conversation(self.fresh, name), rev)

        def ancestor() -> None:
            is_earlier_turn(self.fresh, get_conversation(self.fresh, name), target)

        return [
            Case(f"resolve_rev {name} {rev}", resolve, setup),
            Case(f"is_earlier_turn {name} {rev}", ancestor, setup),
        ]


def _compare(medians: dict[str, float], op: str, figures: list[str], checks: list[Check]) -> None:
    for label, long_rev, short_rev in REVS:
        long_ms, short_ms = medians[f"{op} long {long_rev}"], medians[f"{op} short {short_rev}"]
        figures.append(f"{op} to {label:<11} {long_ms:7.2f} ms at {LONG:,} turns, {short_ms:6.2f} ms at 2 turns")
        checks.append(
            Check(f"{op} to {label} at {LONG:,} turns", long_ms, MS_TARGET, " ms", f"{long_ms / short_ms:.1f}x")
        )


def _cases(convs: Conversations, make: Callable[[str, str], Case]) -> list[Case]:
    pairs = [(make("long", long_rev), make("short", short_rev)) for _, long_rev, short_rev in REVS]
    unique = {case.name: case for pair in pairs for case in pair}
    return list(unique.values())


def main() -> list[Check]:
    """Time fork and rewind at 10,000 and at 2 turns, and the two history walks they make."""
    runs = runs_from_argv(15)
    figures: list[str] = []
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        convs = Conversations(Path(tmp))
        _compare(measure(_cases(convs, convs.fork), runs), "fork", figures, checks)
        _compare(measure(_cases(convs, convs.rewind), runs), "rewind", figures, checks)
        probes = measure([*convs.probe("long", "1"), *convs.probe("short", "1")], runs)
    figures.append(f"(median of {runs} runs; the ratio to the 2-turn conversation is in brackets)")
    for what in ("resolve_rev", "is_earlier_turn"):
        long_ms, short_ms = probes[f"{what} long 1"], probes[f"{what} short 1"]
        figures.append(f"{what}(turn 1) alone: {long_ms:.2f} ms at {LONG:,} turns, {short_ms:.3f} ms at 2 turns")
    what = "resolve_target + operations.fork; get_conversation + operations.rewind (worktree checkout included)"
    report("fork_rewind", what, figures, checks)
    return checks


if __name__ == "__main__":
    main()
