"""Names that would nest (`p` and `p/q`) are refused with the reason; stale lock files left by a killed process
are recovered from, or named exactly; a worktree left half-made is rebuilt; no git child outlives gitagent."""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import git
from tests.reliability.conftest import Crash, assert_named_fix, wait_for, write


@pytest.mark.parametrize(("existing", "new"), [("p", "p/q"), ("x/y/z", "x"), ("x/y/z", "x/y"), ("a/b", "a/b/c/d")])
def test_a_name_that_would_nest_with_a_conversation_is_refused(crash: Crash, existing: str, new: str) -> None:
    crash.turn(existing, write("a.txt", "a\n"))
    edited = crash.worktree(existing) / "mine.txt"
    edited.write_text("the user's edit in the worktree\n")
    result = crash.run("run", "-c", new, "--model", crash.script(write("b.txt", "b\n")), "nest")
    assert result.code == 1
    assert_named_fix(result)
    assert f"'{new}' would nest with the conversation '{existing}'" in result.err, result.err
    assert edited.read_text() == "the user's edit in the worktree\n"
    refs = git(crash.repo, "for-each-ref", "--format=%(refname)", "refs/gitagent/conversations/").split()
    assert refs == [f"refs/gitagent/conversations/{existing}"]
    assert git(crash.repo, "for-each-ref", "refs/gitagent/inflight/") == ""
    assert crash.run("fork", existing, new).code == 1


def test_a_new_conversations_automatic_name_steps_around_nesting(crash: Crash) -> None:
    crash.turn("fix/login", write("a.txt", "a\n"))
    result = crash.run("run", "--model", crash.script(write("b.txt", "b\n")), "fix")
    assert result.code == 0, result.err
    assert crash.changed("fix-2") == ["b.txt"]


def _aged(path: Path) -> Path:
    """Make a lock file look as old as one left by a process killed a minute ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


@pytest.mark.parametrize("ref", ["inflight/c", "conversations/c"])
def test_a_stale_ref_lock_left_by_a_killed_process_is_recovered(crash: Crash, ref: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    lock = _aged(crash.repo / ".git" / "refs" / "gitagent" / f"{ref}.lock")
    crash.next_turn("c")
    assert not lock.exists()
    assert git(crash.repo, "for-each-ref", "refs/gitagent/inflight/") == ""


def test_a_fresh_conversation_ref_lock_is_named_with_the_file_to_remove(crash: Crash) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    lock = crash.repo / ".git" / "refs" / "gitagent" / "conversations" / "c.lock"
    lock.touch()
    result = crash.run("run", "-c", "c", "--model", crash.script(write("b.txt", "b\n")), "second")
    assert result.code == 1
    assert_named_fix(result)
    assert f"remove {lock} and try again" in result.err
    lock.unlink()
    assert "gitagent run --resume -c c" in result.err  # the whole turn ran: kept, and finished once the lock is gone
    crash.resume("c")
    assert crash.changed("c") == ["b.txt"]


def test_a_fresh_inflight_ref_lock_is_recovered_by_the_conversations_lock_holder(crash: Crash) -> None:
    """Only the holder of the conversation's lock writes its in-flight ref, so a lock file there, however
    recent, was left by a writer that died (bench/stress.py met one a second after a kill -9)."""
    crash.turn("c", write("a.txt", "a\n"))
    lock = crash.repo / ".git" / "refs" / "gitagent" / "inflight" / "c.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.touch()
    result = crash.run("run", "-c", "c", "--model", crash.script(write("b.txt", "b\n")), "second")
    assert result.code == 0, result.err
    assert crash.changed("c") == ["b.txt"] and not lock.exists()
    assert git(crash.repo, "for-each-ref", "refs/gitagent/inflight/") == ""


def test_a_stale_packed_refs_lock_is_recovered(crash: Crash) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    git(crash.repo, "pack-refs", "--all")
    _aged(crash.repo / ".git" / "packed-refs.lock")
    result = crash.run("rm", "c")
    assert result.code == 0, result.err
    assert git(crash.repo, "for-each-ref", "refs/gitagent/conversations/") == ""


def _admin(worktree: Path) -> Path:
    """The worktree's own git directory (`$GIT_DIR/worktrees/<id>`)."""
    return Path((worktree / ".git").read_text().split(":", 1)[1].strip())


def test_a_stale_index_lock_in_a_worktree_is_recovered(crash: Crash) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    lock = _admin(crash.worktree("c")) / "index.lock"
    lock.touch()
    crash.next_turn("c")
    assert not lock.exists()


def test_a_half_made_worktree_is_rebuilt_not_recorded(crash: Crash) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    path = crash.worktree("c")
    base = git(crash.repo, "rev-parse", "HEAD").strip()
    git(crash.repo, "worktree", "remove", "--force", str(path))
    # What a `git worktree add` killed while checking out leaves: registered, still marked as initializing,
    # only some of its files written.
    git(crash.repo, "worktree", "add", "-q", "--detach", "--no-checkout", str(path), base)
    (_admin(path) / "locked").write_text("initializing\n")
    git(path, "checkout", base, "--", "README.md")
    crash.next_turn("c")  # records next.txt only: not a.txt, src/ and docs/ as deleted
    assert "a.txt" in git(crash.repo, "ls-tree", "--name-only", "refs/gitagent/conversations/c:workspace")


@pytest.mark.parametrize("gone", ["", "commondir"])
def test_a_worktree_whose_git_directory_is_gone_is_rebuilt(crash: Crash, gone: str) -> None:
    crash.turn("c", write("a.txt", "a\n"))
    admin = _admin(crash.worktree("c"))
    if gone:
        (admin / gone).unlink()  # half of it, as a removal killed half-way leaves it
    else:
        shutil.rmtree(admin)  # all of it, as `git worktree prune` by hand leaves it
    crash.next_turn("c")
    assert "a.txt" in git(crash.repo, "ls-tree", "--name-only", "refs/gitagent/conversations/c:workspace")


def _git_processes_in(path: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if (proc / "comm").read_text().strip() != "git":
                continue
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(path)) or str(path) in cmdline:
            found.append(int(proc.name))
    return found


def test_no_git_child_finishes_a_worktree_behind_a_killed_gitagent(crash: Crash, tmp_path: Path) -> None:
    slow, started, pid = tmp_path / "slow", tmp_path / "smudging", tmp_path / "smudge.pid"
    slow.touch()
    smudge = f"if [ -e '{slow}' ]; then echo $$ > '{pid}'; touch '{started}'; exec sleep 20; fi; cat"
    git(crash.repo, "config", "filter.slow.smudge", smudge)
    (crash.repo / ".gitattributes").write_text("*.md filter=slow\n")
    git(crash.repo, "add", ".gitattributes")
    git(crash.repo, "commit", "-q", "-m", "slow checkout", "--", ".gitattributes")
    crash.user_before, crash.turns_before = crash.user_state(), crash.turns()
    turn = crash.start("run", "-c", "c", "--model", crash.script(write("a.txt", "a\n")), "first")
    try:
        wait_for(started)  # gitagent's git child is checking out the worktree
        turn.send_signal(signal.SIGKILL)
        turn.wait()
        deadline = time.monotonic() + 2
        while _git_processes_in(crash.worktree("c")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _git_processes_in(crash.worktree("c")) == []
    finally:
        slow.unlink()
        os.kill(int(pid.read_text()), signal.SIGKILL)
    crash.check_intact()
    crash.next_turn("c")
