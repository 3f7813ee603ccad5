"""gitagent killed with SIGKILL at every named point of a turn, a fork's first turn, worktree creation, rewind,
prune, resume, discard, rm and pull. After each kill: `git fsck --strict` clean, no committed turn lost, the
user's checkout and index untouched; then the next command succeeds or names its fix, and the next turn records
exactly its own change with the worktree at its head."""

import pytest

from tests.conftest import git, text, tool
from tests.reliability.conftest import Crash, assert_named_fix, write

WORKTREE_POINTS = ["worktree-added", "worktree-checked-out", "worktree-created"]
TURN_POINTS = [
    "turn-locked", "turn-hooks-run", "inflight-saved-1", "inflight-saved-3", "turn-snapshot", "turn-committed",
]  # fmt: skip
TWO_WRITES = [
    [tool("Write", file_path="b.txt", content="b\n")],
    [tool("Write", file_path="c.txt", content="c\n")],
    [text("wrote b and c")],
]


@pytest.mark.parametrize("point", WORKTREE_POINTS + TURN_POINTS)
def test_kill_in_a_new_conversations_first_turn(crash: Crash, point: str) -> None:
    crash.kill("run", "-c", "c", "--model", crash.script(write("a.txt", "a\n")), "first", at=point)
    crash.check_intact()
    crash.next_turn("c")


@pytest.mark.parametrize("point", WORKTREE_POINTS + TURN_POINTS)
def test_kill_in_a_forks_first_turn(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    crash.turn("c", write("b.txt", "b\n"))
    crash.fork("c", "f")
    crash.kill("run", "-c", "f", "--model", crash.script(write("f.txt", "f\n")), "fork's turn", at=point)
    crash.check_intact()
    crash.next_turn("f")
    kept = git(crash.repo, "ls-tree", "--name-only", "refs/gitagent/conversations/f:workspace").split()
    assert {"a.txt", "b.txt", "next.txt"} <= set(kept)


@pytest.mark.parametrize("point", ["rewind-locked", "rewind-abandoned", "rewind-moved", "checkout-begun"])
def test_kill_in_rewind(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    crash.turn("c", write("b.txt", "b\n"))
    crash.kill("rewind", "c", "1", at=point)
    crash.check_intact()
    crash.next_turn("c")  # records only next.txt: b.txt is neither re-added nor deleted behind the user's back


@pytest.mark.parametrize("point", ["inflight-saved-4", "turn-snapshot", "turn-committed"])
def test_kill_in_resume(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    spec = crash.script(TWO_WRITES)
    crash.kill("run", "-c", "c", "--model", spec, "second", at="inflight-saved-3")
    crash.kill("run", "--resume", "-c", "c", "--model", spec, at=point)
    crash.check_intact()
    crash.next_turn("c")


@pytest.mark.parametrize("point", ["discard-locked", "discard-checked-out", "discard-abandoned"])
def test_kill_in_discard(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    crash.kill("run", "-c", "c", "--model", crash.script(TWO_WRITES), "second", at="inflight-saved-3")
    crash.kill("run", "--discard", "-c", "c", at=point)
    crash.check_intact()
    again = crash.run("run", "--discard", "-c", "c")  # the user finishes what they asked for
    assert again.code == 0 or "has no interrupted turn" in again.err, again.err
    if again.code != 0:
        assert_named_fix(again)
    crash.next_turn("c")


@pytest.mark.parametrize("point", ["rm-abandoned", "rm-ref-deleted", "worktree-removing"])
def test_kill_in_rm(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    crash.kill("rm", "c", at=point)
    crash.check_intact()
    again = crash.run("rm", "c")
    if again.code != 0:
        assert_named_fix(again)
        assert "no conversation named 'c'" in again.err
    assert crash.run("prune").code == 0
    assert not crash.worktree("c").exists()
    crash.turns_before = crash.turns()  # prune dropped the removed conversation's turns, as asked
    crash.next_turn("c")  # a new conversation of that name starts from the base, not from leftovers


@pytest.mark.parametrize("point", ["prune-tips-dropped", "worktree-removing"])
def test_kill_in_prune(crash: Crash, point: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    crash.turn("c", write("b.txt", "b\n"))
    crash.rewind("c", "1")
    crash.turn("d", write("d.txt", "d\n"))
    d = crash.head("d").id
    git(crash.repo, "update-ref", f"refs/gitagent/abandoned/d/{d}", str(d))  # rm of d killed before its worktree went
    git(crash.repo, "update-ref", "-d", "refs/gitagent/conversations/d")
    crash.kill("prune", at=point, dropping_abandoned=True)
    crash.check_intact()
    assert crash.run("prune").code == 0
    assert not crash.worktree("d").exists()
    assert git(crash.repo, "for-each-ref", "refs/gitagent/abandoned/") == ""
    crash.next_turn("c")


def test_kill_in_pull(crash: Crash) -> None:
    remote = crash.repo.parent / "remote.git"
    git(crash.repo.parent, "init", "-q", "--bare", str(remote))
    git(crash.repo, "remote", "add", "origin", str(remote))
    crash.turn("c", write("a.txt", "a\n"))
    crash.turn("c", write("b.txt", "b\n"))
    git(crash.repo, "push", "-q", "origin", "refs/gitagent/conversations/*:refs/gitagent/conversations/*")
    crash.rewind("c", "1")  # this clone is a turn behind the remote, its worktree at turn 1
    crash.kill("pull", at="pull-fetched")
    crash.check_intact()
    crash.next_turn("c")  # on top of the pulled turn 2, without undoing it
    assert git(crash.repo, "show", "refs/gitagent/conversations/c:workspace/b.txt") == "b\n"
