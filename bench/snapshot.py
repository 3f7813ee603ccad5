"""The workspace snapshot of a turn on a large repository vs `git status` (issue 2: ≤ 1.5× git status).

A repository of 5,000 files in 200 directories, committed; the conversation's worktree made with
`worktree.create`. Before every repetition (untimed) 20 tracked files get new contents, the previous 10
untracked files are deleted and 10 new ones are written, so every snapshot has real work to record.

Timed, interleaved, in the same worktree after the same churn:
- the snapshot a turn takes when it ends: `Snapshotter.take`, the snapshotter made and prepared before the
  churn, as a turn prepares it in the background when it starts (`PreparedSnapshot`);
- `git status --porcelain`;
- for context, a cold `take_snapshot(worktree)` (no preparation: what fork, rewind and rm take).
The ratio is of medians; the mean is printed too, since now and then a snapshot also merges its small packs.

Run: python bench/snapshot.py [runs]
"""

import statistics
import tempfile
from pathlib import Path

from common import Case, Check, git, init_repo, measure, measure_samples, report, runs_from_argv, source_files

from gitagent.workspace import worktree as wt
from gitagent.workspace.snapshot import Snapshotter, take_snapshot

FILES = 5_000
DIRECTORIES = 200
TURNS = {"typical turn": (3, 1), "heavy turn": (20, 10)}
"""Workloads: files edited and new untracked files per turn, each in a different directory."""
RATIO_TARGET = 1.5


class Churn:
    """Changes a worktree the way a turn does: edits some tracked files, replaces some untracked ones."""

    def __init__(self, root: Path, tracked: list[str], edited: int, new: int) -> None:
        self.root = root
        self.new = new
        step = len(tracked) // edited
        self.edited = [root / path for path in tracked[::step][:edited]]
        self.untracked: list[Path] = []
        self.round = 0

    def __call__(self) -> None:
        """Untimed set-up of one repetition."""
        self.round += 1
        for path in self.edited:
            path.write_text(f"# edited in round {self.round}\n" + path.read_text())
        for path in self.untracked:
            path.unlink()
        self.untracked = [path.with_name(f"new_{self.round}_{i}.py") for i, path in enumerate(self.edited)]
        self.untracked = self.untracked[: self.new]
        for path in self.untracked:
            path.write_text(f"NEW = {self.round}\n")


class Turn:
    """A turn's snapshotting: prepared when the turn starts, taken when it ends."""

    def __init__(self, worktree: wt.Worktree, churn: Churn) -> None:
        self.worktree = worktree
        self.churn = churn
        self.snapshotter: Snapshotter | None = None

    def start(self) -> None:
        """Untimed: prepare (as a turn does in the background while the model works), then the turn's work."""
        self.snapshotter = Snapshotter(self.worktree)
        self.snapshotter.prepare()
        self.churn()

    def end(self) -> None:
        """Timed: the snapshot at the end of the turn."""
        assert self.snapshotter is not None
        self.snapshotter.take()


def main() -> list[Check]:
    """Time a turn's snapshot, a cold snapshot and `git status --porcelain` on one large worktree."""
    runs = runs_from_argv(31)
    files = source_files(FILES, DIRECTORIES)
    figures = [f"{FILES:,} files in {DIRECTORIES} directories; median of {runs} runs"]
    checks = []
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        repo = init_repo(Path(tmp) / "repo", files)
        worktree = wt.worktree_for(repo, "snap")
        wt.create(worktree, repo.head.target)
        take_snapshot(worktree)
        for label, (edited, new) in TURNS.items():
            churn = Churn(worktree.path, sorted(files), edited, new)
            turn = Turn(worktree, churn)
            samples = measure_samples(
                [
                    Case("turn", turn.end, turn.start),
                    Case("cold", lambda: take_snapshot(worktree), churn),
                    Case("status", lambda: git(["status", "--porcelain"], worktree.path), churn),
                ],
                runs,
            )
            medians = {name: statistics.median(values) for name, values in samples.items()}
            means = {name: statistics.mean(values) for name, values in samples.items()}
            figures.append(
                f"{label} ({edited} edited, {new} new): turn's snapshot {medians['turn']:.2f} ms "
                f"(mean {means['turn']:.2f}), git status {medians['status']:.2f} ms (mean {means['status']:.2f}); "
                f"cold take_snapshot {medians['cold']:.2f} ms, {medians['cold'] / medians['status']:.2f}x"
            )
            ratio = medians["turn"] / medians["status"]
            checks.append(Check(f"turn's snapshot / git status, {label}", ratio, RATIO_TARGET, "x"))
        prepare = measure([Case("prepare", lambda: Snapshotter(worktree).prepare())], runs)
        figures.append(f"the preparation a turn starts in the background: {prepare['prepare']:.2f} ms")
        idle = measure([Case("idle", lambda: take_snapshot(worktree), lambda: take_snapshot(worktree))], runs)
        figures.append(f"a cold take_snapshot with nothing changed since the last one: {idle['idle']:.2f} ms")
        packs = len(list((Path(repo.path) / "objects" / "pack").glob("pack-*.idx")))
        figures.append(f"packs in the object store at the end (the base commit's objects are loose): {packs}")
    report("snapshot", "a turn's snapshot vs `git status --porcelain` in the same worktree", figures, checks)
    return checks


if __name__ == "__main__":
    main()
