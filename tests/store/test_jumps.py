"""Jump pointers: any turn of a long conversation is a few hops away, and writing a turn stays O(1)."""

from pathlib import Path

import pygit2
import pytest

from gitagent.store import turns


def _chain(repo: Path, length: int) -> list[pygit2.Commit]:
    r = pygit2.Repository(str(repo))
    blob = turns.write_blob_json(r, {"name": "c"})
    commits: list[pygit2.Commit] = []
    for n in range(1, length + 1):
        parent = commits[-1] if commits else None
        trailers = [("Gitagent-Turn", str(n))]
        if parent is not None:
            trailers.append(("Gitagent-Jump", str(turns.jump_for_child(r, parent))))
        content = turns.TurnContent({"turn": n}, blob, None, trailers, f"turn {n}", "")
        oid = turns.write_turn_commit(r, content, parent.id if parent else None, ("a", "a@example.com"))
        commits.append(r[oid].peel(pygit2.Commit))
    return commits


def test_turn_at_finds_every_turn(repo: Path) -> None:
    commits = _chain(repo, 200)
    r = pygit2.Repository(str(repo))
    for number in range(1, 201):
        assert turns.turn_at(r, commits[-1], number).id == commits[number - 1].id
    assert turns.turn_at(r, commits[99], 37).id == commits[36].id


def test_jumps_make_lookups_logarithmic(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commits = _chain(repo, 1000)
    r = pygit2.Repository(str(repo))
    hops = 0
    real = turns.turn_number

    def counting(commit: pygit2.Commit) -> int:
        nonlocal hops
        hops += 1
        return real(commit)

    monkeypatch.setattr(turns, "turn_number", counting)
    worst = 0
    for number in (1, 2, 3, 250, 500, 511, 512, 777, 999):
        hops = 0
        assert turns.turn_at(r, commits[-1], number).id == commits[number - 1].id
        worst = max(worst, hops)
    assert worst < 100  # a parent walk to turn 1 would take 999 hops
