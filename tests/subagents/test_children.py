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
            [agent("Write docs", "Write docs/guide.md describing the draft", isolation="worktree", name="docs")],
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
    assert own["events"][0]["type"] == "user"  # fresh: the dialogue starts with the task
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


def test_three_background_children_edit_different_files_and_all_merge(repo: Path, family) -> None:
    files = ("alpha", "beta", "gamma")
    model = family(
        [
            [agent(f"Write {f}", f"Create {f}.txt", run_in_background=True) for f in files],
            [text("Waiting for the agents.")],
            [tool("MergeAgent", agent_id=str(n)) for n in (1, 2, 3)],
            [text("All three merged.")],
        ],
        {f"{f}.txt": [[tool("Write", file_path=f"{f}.txt", content=f"{f}\n")], [text(f"Wrote {f}.txt.")]]
         for f in files},
    )  # fmt: skip
    result = gitagent.open(repo, model=model).conversation("lead").turn("Split the work")
    assert result.ok and result.text == "All three merged."
    for f in files:
        assert (worktree(repo, "lead") / f"{f}.txt").read_text() == f"{f}\n"
    events = json.loads(conversation_head(repo, "lead").tree["turn.json"].data)["events"]
    notes = [e for e in events if e["type"] == "agent_notification"]
    assert sorted(e["agent"] for e in notes) == ["lead.agents/1", "lead.agents/2", "lead.agents/3"]
    assert all("<status>completed</status>" in e["text"] and "files changed:" in e["text"] for e in notes)
    merged = [e["content"] for e in events if e["type"] == "tool_result" and e["name"] == "MergeAgent"]
    assert merged == [f"Merged agent lead.agents/{n}: {f}.txt" for n, f in zip((1, 2, 3), files, strict=True)]
    assert result.changed_files == ["alpha.txt", "beta.txt", "gamma.txt"]
    git(repo, "fsck", "--strict")


def test_children_editing_the_same_lines_conflict_and_nothing_is_applied(repo: Path, family) -> None:
    (repo / "config.txt").write_text("mode = slow\nlevel = 1\n")
    git(repo, "add", "config.txt")
    git(repo, "commit", "-qm", "config")
    model = family(
        [
            [agent("Fast", "Set the mode to fast", run_in_background=True),
             agent("Quick", "Set the mode to quick", run_in_background=True)],
            [text("Waiting.")],
            [tool("MergeAgent", agent_id="1")],
            [tool("MergeAgent", agent_id="2")],
            [text("Stopped at the conflict.")],
        ],
        {"to fast": [[tool("Edit", file_path="config.txt", old_string="slow", new_string="fast")], [text("Fast.")]],
         "to quick": [[tool("Write", file_path="config.txt", content="mode = quick\nlevel = 1\n")],
                      [tool("Write", file_path="extra.txt", content="x\n")], [text("Quick.")]]},
    )  # fmt: skip
    result = gitagent.open(repo, model=model).conversation("c").turn("Change the mode")
    assert result.ok
    events = json.loads(conversation_head(repo, "c").tree["turn.json"].data)["events"]
    merges = [e for e in events if e["type"] == "tool_result" and e["name"] == "MergeAgent"]
    assert merges[0]["content"] == "Merged agent c.agents/1: config.txt" and not merges[0]["is_error"]
    conflict = merges[1]
    assert conflict["is_error"] and conflict["content"].startswith("Merge conflict: nothing was applied.")
    assert "config.txt" in conflict["content"] and "<<<<<<<" in conflict["content"]
    assert "mode = fast" in conflict["content"] and "mode = quick" in conflict["content"]
    # nothing of the second child applied: not its other file either
    assert (worktree(repo, "c") / "config.txt").read_text() == "mode = fast\nlevel = 1\n"
    assert not (worktree(repo, "c") / "extra.txt").exists()


def test_a_finished_child_continues_with_send_message(repo: Path, family) -> None:
    model = family(
        [
            [agent("Count", "Count the lines of README.md")],
            [tool("SendMessage", to="1", message="Now write the count to count.txt")],
            [text("Done.")],
        ],
        {"count the lines": [[text("README.md has 1 line.")]],
         "write the count": [[tool("Write", file_path="count.txt", content="1\n")], [text("Wrote it.")]]},
    )  # fmt: skip
    gitagent.open(repo, model=model).conversation("s").turn("Count lines")
    child = conversation_head(repo, "s.agents/1")
    assert child.message.startswith("Now write the count to count.txt")
    first = child.parents[0]
    assert first.message.startswith("Count the lines of README.md")
    # the second turn's request carried the first turn's dialogue: the model saw its own earlier answer
    second = json.loads(child.tree["turn.json"].data)
    assert second["turn"] == 3 and second["result"] == "Wrote it."
    assert (worktree(repo, "s.agents/1") / "count.txt").read_text() == "1\n"
    events = json.loads(conversation_head(repo, "s").tree["turn.json"].data)["events"]
    sent = next(e for e in events if e["type"] == "tool_result" and e["name"] == "SendMessage")
    assert sent["content"].startswith("Wrote it.") and "files changed: count.txt" in sent["content"]
