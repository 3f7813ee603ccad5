"""Commands racing a running turn (prune, another turn, pull), and turns whose conversation moved under them:
nothing a live turn owns is removed, nothing touches the user's index, and every turn lands somewhere."""

from pathlib import Path

import pytest

from tests.conftest import git
from tests.reliability.conftest import Crash, Hold, assert_named_fix, write

TWO_WRITES = [
    [{"type": "tool_use", "name": "Write", "input": {"file_path": "b.txt", "content": "b\n"}}],
    [{"type": "tool_use", "name": "Write", "input": {"file_path": "c.txt", "content": "c\n"}}],
    [{"type": "text", "text": "wrote b and c"}],
]


def test_prune_never_removes_the_worktree_of_a_turn_that_is_starting(crash: Crash, hold: Hold) -> None:
    crash.user_before, crash.turns_before = crash.user_state(), crash.turns()
    turn = crash.start("run", "-c", "c", "--model", crash.script(write("a.txt", "a\n")), "first")
    hold.wait_started()  # its worktree is made; its in-flight ref is not written yet
    pruned = crash.run("prune")
    hold.release()
    _, err = turn.communicate(timeout=60)
    assert turn.returncode == 0, err
    assert pruned.code == 0 and "removed" not in pruned.out, pruned.out
    assert crash.changed("c") == ["a.txt"]  # the agent's work, not the user's checkout
    crash.assert_worktree_at_head("c")
    crash.check_intact()  # the user's own uncommitted change is not staged in their index


def test_a_turn_started_while_another_waits_in_its_hooks_is_refused(crash: Crash, hold: Hold) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    first = crash.start("run", "-c", "c", "--model", crash.script(write("b.txt", "b\n")), "second")
    hold.wait_started()
    second = crash.run("run", "-c", "c", "--model", crash.script(write("x.txt", "x\n")), "meanwhile")
    hold.release()
    _, err = first.communicate(timeout=60)
    assert second.code == 1 and "is being written by another process" in second.err
    assert_named_fix(second)
    assert first.returncode == 0, err
    assert crash.changed("c") == ["b.txt"]
    assert git(crash.repo, "for-each-ref", "refs/gitagent/inflight/") == ""


def _behind_the_remote(crash: Crash) -> str:
    """Conversation c at turn 1 here and at turn 2 (b.txt) on the remote; returns the remote's turn 2."""
    remote = crash.repo.parent / "remote.git"
    git(crash.repo.parent, "init", "-q", "--bare", str(remote))
    git(crash.repo, "remote", "add", "origin", str(remote))
    crash.turn("c", write("a.txt", "a\n"))
    crash.turn("c", write("b.txt", "b\n"))
    pushed = str(crash.head("c").id)
    git(crash.repo, "push", "-q", "origin", "refs/gitagent/conversations/*:refs/gitagent/conversations/*")
    crash.rewind("c", "1")
    git(crash.repo, "update-ref", "-d", f"refs/gitagent/abandoned/c/{pushed}")
    return pushed


def _landed(crash: Crash, err: str, pulled: str, turn_one: str) -> None:
    """The turn was committed as conversation c-turn-2, forked from c at turn 1; c holds the pulled turn."""
    assert "committed as conversation 'c-turn-2'" in err, err
    assert str(crash.head("c").id) == pulled
    assert str(crash.head("c-turn-2").parents[0].id) == turn_one
    assert git(crash.repo, "for-each-ref", "refs/gitagent/inflight/") == ""


def test_a_turn_whose_conversation_was_pulled_forward_meanwhile_lands_as_a_sibling(crash: Crash, hold: Hold) -> None:
    pulled = _behind_the_remote(crash)
    turn_one = str(crash.head("c").id)
    turn = crash.start("run", "-c", "c", "--model", crash.script(write("x.txt", "x\n")), "mine")
    hold.wait_started()
    assert crash.run("pull").code == 0
    hold.release()
    _, err = turn.communicate(timeout=60)
    assert turn.returncode == 0, err
    _landed(crash, err, pulled, turn_one)
    assert crash.changed("c-turn-2") == ["x.txt"]
    crash.user_before, crash.turns_before = crash.user_state(), crash.turns()
    crash.next_turn("c")  # the worktree moves to the pulled turn 2: neither x.txt added nor b.txt deleted
    crash.next_turn("c-turn-2", "sibling\n")


@pytest.mark.parametrize("finish", ["--resume", "--discard"])
def test_an_interrupted_turn_overtaken_by_a_pull_can_still_finish(crash: Crash, finish: str) -> None:
    pulled = _behind_the_remote(crash)
    turn_one = str(crash.head("c").id)
    spec = crash.script(TWO_WRITES)
    crash.kill("run", "-c", "c", "--model", spec, "mine", at="inflight-saved-3")
    assert crash.run("pull").code == 0
    done = crash.run("run", finish, "-c", "c", *(["--model", spec] if finish == "--resume" else []))
    assert done.code == 0, done.err
    if finish == "--resume":
        _landed(crash, done.err, pulled, turn_one)
        assert crash.changed("c-turn-2") == ["b.txt", "c.txt"]
    crash.check_intact()
    crash.next_turn("c")
    assert git(crash.repo, "show", "refs/gitagent/conversations/c:workspace/b.txt") == "b\n"


def test_a_landed_turn_is_not_landed_twice_when_killed_in_between(crash: Crash) -> None:
    pulled = _behind_the_remote(crash)
    turn_one = str(crash.head("c").id)
    spec = crash.script(TWO_WRITES)
    crash.kill("run", "-c", "c", "--model", spec, "mine", at="inflight-saved-3")
    assert crash.run("pull").code == 0
    crash.kill("run", "--resume", "-c", "c", "--model", spec, at="turn-landed")
    crash.check_intact()
    crash.next_turn("c")  # the in-flight turn is recognised as landed, not run or landed again
    assert str(crash.head("c-turn-2").parents[0].id) == turn_one
    assert str(crash.head("c").parents[0].id) == pulled
    assert "c-turn-2-2" not in git(crash.repo, "for-each-ref", "refs/gitagent/conversations/")


def test_pull_leaves_a_running_turns_worktree_alone(crash: Crash, hold: Hold) -> None:
    _behind_the_remote(crash)
    worktree: Path = crash.worktree("c")
    turn = crash.start("run", "-c", "c", "--model", crash.script(write("x.txt", "x\n")), "mine")
    hold.wait_started()
    pulled = crash.run("pull")
    assert not (worktree / "b.txt").exists()  # the turn's files are not switched under it
    hold.release()
    turn.communicate(timeout=60)
    assert pulled.code == 0 and "moved the worktree of c" not in pulled.out
