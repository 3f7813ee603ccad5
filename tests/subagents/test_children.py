"""Subagents end to end with the scripted model, real git and real bwrap: fork and fresh children, merges."""

import json
from pathlib import Path

import gitagent
from tests.conftest import conversation_head, git, text, tool, worktree


def agent(description: str, prompt: str, kind: str = "general-purpose", **more: object) -> dict:
    return tool("Agent", description=description, prompt=prompt, subagent_type=kind, **more)


def test_a_fresh_child_is_a_conversation_of_its_own_and_its_work_merges_back(repo: Path, family) -> None:
    model = family(
        [
            [tool("Write", file_path="draft.txt", content="parent draft\n")],
            [agent("Write docs", "Write docs/guide.md describing the draft")],
            [tool("MergeAgent", agent_id="1")],
            [text("Merged the guide.")],
        ],
        {"docs/guide.md": [[tool("Read", file_path="draft.txt")],
                           [tool("Write", file_path="docs/guide.md", content="# Guide\n")],
                           [text("Wrote docs/guide.md.")]]},
    )  # fmt: skip
    result = gitagent.open(repo, model=model).conversation("main").turn("Plan the docs")
    assert result.ok and result.text == "Merged the guide."
    child = conversation_head(repo, "main.agents/1")
    # the child saw the parent's uncommitted draft, and its first own turn starts from the start commit
    own = json.loads(child.tree["turn.json"].data)
    assert own["status"] == "complete" and own["turn"] == 2
    reads = [e for e in own["events"] if e["type"] == "tool_result" and e["name"] == "Read"]
    assert "parent draft" in reads[0]["content"]
    assert [e["type"] for e in own["events"]][0] == "user"  # fresh: the dialogue starts with the task
    assert len([m for m in own["events"] if m["type"] == "user"]) == 1
    start = child.parents[0]
    assert json.loads(start.tree["turn.json"].data)["events"] == [] and not start.parents
    info = json.loads(start.tree["conversation.json"].data)["agent"]
    assert (info["parent"], info["type"], info["description"]) == ("main", "general-purpose", "Write docs")
    # merged into the parent's worktree and recorded by the parent's turn, which names its child
    assert (worktree(repo, "main") / "docs/guide.md").read_text() == "# Guide\n"
    head = conversation_head(repo, "main")
    assert "Gitagent-Agents: main.agents/1" in head.message
    assert git(repo, "show", f"{head.id}:workspace/docs/guide.md") == "# Guide\n"
    assert (worktree(repo, "main.agents/1") / "docs/guide.md").exists()
    git(repo, "fsck", "--strict")


def test_a_fork_child_carries_the_dialogue_and_the_in_flight_workspace(repo: Path, family, script) -> None:
    model = family(
        [
            [tool("Write", file_path="a.txt", content="one\n")],
            [agent("Continue", "Now add b.txt too", "fork")],
            [text("The fork is done.")],
        ],
        {"fork": [[tool("Write", file_path="b.txt", content="two\n")], [text("Added b.txt.")]]},
    )
    repository = gitagent.open(repo, model=model)
    repository.conversation("p").turn("First turn", model=script([text("Hello.")]))  # history before the fork
    result = repository.conversation("p").turn("Make the files")
    assert result.ok
    child = conversation_head(repo, "p.agents/1")
    start = child.parents[0]
    # the start commit is the parent's turn 2 so far, on top of the parent's turn 1
    assert start.parents[0].id == conversation_head(repo, "p").parents[0].id
    events = json.loads(start.tree["turn.json"].data)["events"]
    assert events[0]["text"] == "Make the files"
    results = [e for e in events if e["type"] == "tool_result"]
    assert results[-1]["name"] == "Agent" and results[-1]["content"].startswith("Forked")
    assert git(repo, "show", f"{start.id}:workspace/a.txt") == "one\n"
    assert (worktree(repo, "p.agents/1") / "b.txt").read_text() == "two\n"
    assert not (worktree(repo, "p") / "b.txt").exists()  # not merged: the parent did not ask
    parent_events = json.loads(conversation_head(repo, "p").tree["turn.json"].data)["events"]
    answer = next(e for e in parent_events if e["type"] == "tool_result" and e["name"] == "Agent")
    assert answer["content"].startswith("Added b.txt.") and answer["agent"] == "p.agents/1"
    assert "files changed: b.txt" in answer["content"] and "MergeAgent" in answer["content"]
    git(repo, "fsck", "--strict")
