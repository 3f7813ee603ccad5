"""A child's (or a fork's) new worktree is written while its first model request runs, not before it: the
request goes out while the worktree is still being made, and the first tool call still sees every file."""

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

import gitagent
from gitagent.models.base import ModelRequest, ModelResponse, TextDelta
from gitagent.models.scripted import ScriptedModel
from gitagent.workspace import worktree as wt
from tests.conftest import conversation_head, git, text, tool, worktree

WAIT_S = 10


def test_the_first_request_of_a_fork_does_not_wait_for_its_worktree(
    repo: Path, script, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitagent.open(repo, model=script([tool("Write", file_path="a.txt", content="a\n")], [text("ok")])).conversation(
        "c"
    ).turn("first")
    git(repo, "update-ref", "refs/gitagent/conversations/f", str(conversation_head(repo, "c").id))  # a fork
    asked = threading.Event()
    complete_when_asked: list[bool] = []
    real_stream, real_git_in = ScriptedModel.stream, wt._git_in

    def stream(self: ScriptedModel, request: ModelRequest) -> Iterator[TextDelta | ModelResponse]:
        if not asked.is_set():
            complete_when_asked.append(wt.worktree_for(pygit2.Repository(str(repo)), "f").exists)
            asked.set()
        yield from real_stream(self, request)

    def git_in(worktree: wt.Worktree, *args: str) -> None:
        if worktree.path.name == "f" and args[:2] == ("read-tree", "--reset"):
            asked.wait(WAIT_S)  # the checkout goes on only once the model has been asked (or after 10 s)
        real_git_in(worktree, *args)

    monkeypatch.setattr(ScriptedModel, "stream", stream)
    monkeypatch.setattr(wt, "_git_in", git_in)
    model = script([tool("Read", file_path="a.txt")], [tool("Write", file_path="f.txt", content="f\n")], [text("done")])
    result = gitagent.open(repo, model=model).conversation("f").turn("read a.txt")
    assert result.ok and result.text == "done"
    assert complete_when_asked == [False]  # asked while the worktree was still being written
    turn = json.loads(conversation_head(repo, "f").tree["turn.json"].data)
    read = next(e for e in turn["events"] if e["type"] == "tool_result" and e["name"] == "Read")
    assert "a" in read["content"] and not read["is_error"]  # the tool waited for the files
    recorded = git(repo, "ls-tree", "--name-only", "refs/gitagent/conversations/f:workspace").split()
    assert {"a.txt", "f.txt"} <= set(recorded)
    assert (worktree(repo, "f") / "a.txt").read_text() == "a\n"
    git(repo, "fsck", "--strict")
