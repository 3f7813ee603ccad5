"""Subagents in the chat: a turn starts one, `/agents` lists it with its cost, `/agents 1` opens it."""

import json
from pathlib import Path

from textual.widgets import Label

from gitagent.tui.screens.agent import AgentScreen
from gitagent.tui.widgets.agents import AgentsView
from tests.conftest import text, tool
from tests.conftest import worktree as worktree_of
from tests.tui.conftest import make_app, screen_text, send, settle  # noqa: F401  (make_app is a fixture)


def _family(tmp_path: Path) -> str:
    folder = tmp_path / "chat-scripts"
    folder.mkdir()
    (folder / "child.json").write_text(json.dumps({"responses": [
        [tool("Write", file_path="child.txt", content="c\n")], [text("The child wrote child.txt.")]]}))  # fmt: skip
    parent = {"responses": [[tool("Agent", description="Write a file", prompt="Write child.txt")],
                            [text("The agent is done.")]], "agents": {"child.txt": "child.json"}}  # fmt: skip
    (folder / "parent.json").write_text(json.dumps(parent))
    return f"scripted:{folder / 'parent.json'}"


async def test_agents_lists_the_children_and_opens_one(repo: Path, tmp_path: Path, make_app) -> None:  # noqa: F811
    app = make_app(_family(tmp_path), name="chat")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Delegate a file")
        shown = screen_text(app)
        assert "agent chat.agents/1 started: Write a file" in shown and "The agent is done." in shown
        await send(pilot, "/agents")
        listing = screen_text(app)
        assert "chat.agents/1  general-purpose  Write a file" in listing and "complete" in listing
        assert "1 turn" in listing and "/agents N opens one" in listing
        await send(pilot, "/agents 1")
        assert app.session.name == "chat.agents/1"
        assert "The child wrote child.txt." in screen_text(app)


def _sleeping_child(tmp_path: Path, seconds: int) -> str:
    folder = tmp_path / "live-scripts"
    folder.mkdir()
    (folder / "child.json").write_text(json.dumps({"responses": [
        [tool("Bash", command=f"sleep {seconds}")], [text("Slept.")]]}))  # fmt: skip
    parent = {"responses": [
        [tool("Agent", description="Sleep a while", prompt="Sleep in the background", run_in_background=True)],
        [text("Waiting for the agent.")], [text("The agent slept.")],
    ], "agents": {"background": "child.json"}}  # fmt: skip
    (folder / "parent.json").write_text(json.dumps(parent))
    return f"scripted:{folder / 'parent.json'}"


async def _until(pilot, condition, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.05)):  # a loaded machine can take seconds to get there
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def test_running_agents_are_shown_live_and_ctrl_g_opens_one(repo: Path, tmp_path: Path, make_app) -> None:  # noqa: F811
    app = make_app(_sleeping_child(tmp_path, 6), name="chat")
    async with app.run_test(size=(140, 40)) as pilot:
        view = app.query_one(AgentsView)
        assert not view.display
        await send(pilot, "Sleep with a helper", wait=False)
        await _until(pilot, lambda: view.display)
        shown = str(view.render())
        assert "Agents: 1 running" in shown and "Ctrl+G opens it" in shown
        assert "chat.agents/1" in shown and "Sleep a while" in shown and "tokens" in shown
        first = view.children_shown[0].state
        await _until(pilot, lambda: view.children_shown and view.children_shown[0].state != first)  # it ticks
        await pilot.press("ctrl+g")
        screen = app.screen
        assert isinstance(screen, AgentScreen)
        await _until(pilot, lambda: "sleep 6" in _text(screen))
        assert "chat.agents/1" in str(screen.query_one("#agent-title", Label).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AgentScreen)
        await settle(pilot)
        await _until(pilot, lambda: not view.display)  # hidden once the turn (and its child) ended
        assert "The agent slept." in screen_text(app)
        await pilot.press("ctrl+g")
        assert "No subagent is running" in screen_text(app)


def _text(screen: AgentScreen) -> str:
    return "\n".join(str(getattr(w, "title", "")) + str(getattr(w, "content", "")) for w in screen.query("*"))


def _asking_children(tmp_path: Path) -> str:
    """A parent that starts two background children at once, each wanting to write a file (ask mode asks)."""
    folder = tmp_path / "ask-scripts"
    folder.mkdir()
    for f in ("left", "right"):
        (folder / f"{f}.json").write_text(json.dumps({"responses": [
            [tool("Write", file_path=f"{f}.txt", content=f"{f}\n")], [text(f"Done with {f}.")]]}))  # fmt: skip
    parent = {"responses": [
        [tool("Agent", description=f"Write {f}", prompt=f"Write {f}.txt", run_in_background=True)
         for f in ("left", "right")],
        [text("Waiting for both.")],
        [tool("MergeAgent", agent_id="1"), tool("MergeAgent", agent_id="2")], [text("Both merged.")],
    ], "agents": {"left.txt": "left.json", "right.txt": "right.json"}}  # fmt: skip
    (folder / "parent.json").write_text(json.dumps(parent))
    return f"scripted:{folder / 'parent.json'}"


async def test_a_childs_approval_is_asked_in_the_chat_naming_the_child(repo: Path, tmp_path: Path, make_app) -> None:  # noqa: F811
    from tests.tui.conftest import approval_dialog, rendered

    app = make_app(_asking_children(tmp_path), name="ask", approval="ask")
    async with app.run_test(size=(140, 40)) as pilot:
        await send(pilot, "Write both", wait=False)
        screen = None
        for _ in range(2):  # the children ask one at a time; Agent itself needs no approval, as in Claude Code
            screen = await approval_dialog(pilot, after=screen)
            title = str(screen.query_one(".title", Label).render())
            name = "ask.agents/1" if "ask.agents/1" in title else "ask.agents/2"
            f = "left" if "Write left" in title else "right"
            assert title == f"Agent {name} (Write {f}) asks: allow Write?"
            await pilot.pause(0.2)
            assert f"+{f}" in rendered(app)  # the diff against the file in the child's own worktree
            if f == "left":
                await pilot.press("1")
            else:
                await pilot.press(*"not that one", "enter")
        for _ in range(2):  # merging changes the parent's files: the parent's own calls are asked as before
            screen = await approval_dialog(pilot, after=screen)
            assert str(screen.query_one(".title", Label).render()) == "Allow MergeAgent?"
            await pilot.press("1")
        await settle(pilot)
        merged = worktree_of(repo, "ask")
        assert (merged / "left.txt").read_text() == "left\n" and not (merged / "right.txt").exists()
        assert "Both merged." in screen_text(app)
    right = _events(repo, "ask.agents/2")
    assert right["permission"][0]["allowed"] is False and right["permission"][0]["reason"] == "not that one"
    assert right["tool_result"][0]["content"] == "Permission denied: not that one"  # what the child's model saw
    left = _events(repo, "ask.agents/1")
    assert left["permission"][0]["allowed"] is True and left["permission"][0]["reason"] == "allowed once"
    assert {e["name"] for e in _events(repo, "ask")["permission"]} == {"MergeAgent"}  # not Agent


def _events(repo: Path, name: str) -> dict[str, list[dict]]:
    from tests.conftest import conversation_head

    by_type: dict[str, list[dict]] = {}
    for event in json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]:
        by_type.setdefault(event["type"], []).append(event)
    return by_type


async def test_esc_interrupts_a_parent_waiting_for_its_children_and_they_run_on(
    repo: Path,
    tmp_path: Path,
    make_app,  # noqa: F811
) -> None:
    from gitagent.subagents.status import running_children
    from tests.conftest import git

    app = make_app(_sleeping_child(tmp_path, 20), name="esc")
    async with app.run_test(size=(140, 40)) as pilot:
        view = app.query_one(AgentsView)
        await send(pilot, "Sleep with a helper", wait=False)
        await _until(pilot, lambda: view.display and "Waiting for the agent." in screen_text(app))
        await pilot.press("escape")  # the parent is waiting for its child: Esc must reach it all the same
        await _until(pilot, lambda: "Interrupted; what the turn did is kept" in screen_text(app))
        assert [c.name for c in running_children(app.session.repo, "esc")] == ["esc.agents/1"]  # runs on
        event = git(repo, "show", "refs/gitagent/inflight/esc:" + _last_event(repo, "esc"))
        assert json.loads(event)["message"] == "interrupted by the user"
        await _until(pilot, lambda: not running_children(app.session.repo, "esc"), seconds=120)
        await settle(pilot)
    child = _events(repo, "esc.agents/1")
    assert child["tool_result"][0]["is_error"] is False  # it slept its whole sleep, then answered


def _last_event(repo: Path, name: str) -> str:
    from tests.conftest import git

    return [n for n in git(repo, "ls-tree", "--name-only", f"refs/gitagent/inflight/{name}").split()
            if n.startswith("event-")][-1]  # fmt: skip
