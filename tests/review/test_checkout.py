"""The reviewer's checkout of the head: filled in the background, reused by the next review, never shared."""

import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import pygit2

from gitagent.models.after import AnswersAfter
from gitagent.models.base import ModelResponse, TextDelta
from gitagent.review.checkout import head_checkout
from tests.conftest import git, run_cli, tool
from tests.review.conftest import PullRequest, answer, review_script

SLOTS = Path(".git/gitagent/review-worktrees")


def tree_files(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and p.name != ".git"}


def commit_files_of(repo: Path, rev: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", rev).split())


def test_a_review_worktree_is_reused_and_moved_to_the_next_head(pr: PullRequest) -> None:
    repo = pygit2.Repository(str(pr.path))
    with head_checkout(repo, pr.head) as checkout:
        checkout.wait()
        assert (tree_files(checkout.worktree.path)) == commit_files_of(pr.path, pr.head)
        first = checkout.worktree.path
    with head_checkout(repo, pr.merge_base) as checkout:
        checkout.wait()
        assert checkout.worktree.path == first
        assert (tree_files(first)) == commit_files_of(pr.path, pr.merge_base)  # the feature's files are gone
        assert git(first, "status", "--porcelain") == ""
    assert sorted(p.name for p in (pr.path / SLOTS).iterdir()) == ["0"]


def test_reviews_at_the_same_time_get_their_own_worktrees_and_a_dead_owners_slot_is_taken(pr: PullRequest) -> None:
    repo = pygit2.Repository(str(pr.path))
    with head_checkout(repo, pr.head) as one, head_checkout(repo, pr.merge_base) as two:
        one.wait(), two.wait()
        assert (one.worktree.path.name, two.worktree.path.name) == ("0", "1")
        assert "tests" in os.listdir(one.worktree.path) and "tests" not in os.listdir(two.worktree.path)
    gone = subprocess.Popen(["true"])  # a process id that has certainly ended
    gone.wait()
    (pr.path / SLOTS / "0.lock").write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    with head_checkout(repo, pr.head) as again:
        assert again.worktree.path.name == "0"


def test_a_slot_held_by_a_live_process_is_left_alone(pr: PullRequest) -> None:
    repo = pygit2.Repository(str(pr.path))
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (pr.path / SLOTS).mkdir(parents=True)
        (pr.path / SLOTS / "0.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname()}))
        with head_checkout(repo, pr.head) as checkout:
            assert checkout.worktree.path.name == "1"
    finally:
        holder.kill()
        holder.wait()
    assert (pr.path / SLOTS / "0.lock").exists()


def test_the_models_answer_waits_for_the_checkout() -> None:
    """The first request overlaps the checkout; its answer (and so any tool call) comes only after it."""
    ready = threading.Event()
    order: list[str] = []

    class Model:
        spec = "scripted:test"

        def stream(self, request):  # type: ignore[no-untyped-def]
            order.append("request sent")
            yield TextDelta("thinking")
            yield ModelResponse.__new__(ModelResponse)

    def wait() -> None:
        order.append("waited for the checkout")
        ready.set()

    items = list(AnswersAfter(Model(), wait).stream(None))  # type: ignore[arg-type]
    assert order == ["request sent", "waited for the checkout"] and ready.is_set()
    assert isinstance(items[-1], ModelResponse)


def test_the_reviewers_first_tool_call_reads_the_head_files(pr: PullRequest, tmp_path: Path) -> None:
    """On a fresh slot the files are written while the model answers; the Read it asks for finds them."""
    model = review_script(tmp_path, [tool("Read", file_path="tests/test_app.py")], [answer("read it")])
    result = run_cli(pr.path, "review", "--base", "main", "-f", "json", "-m", model, "-q", "--sandbox", "none")
    assert result.code == 0, result.err
    turn = pygit2.Repository(str(pr.path)).references[json.loads(result.out)["ref"]].peel(pygit2.Commit)
    events = json.loads(turn.tree["turn.json"].data)["events"]
    results = [e for e in events if e["type"] == "tool_result"]
    assert "def test_compute():" in json.dumps(results)
