"""Subagents in the chat: a turn starts one, `/agents` lists it with its cost, `/agents 1` opens it."""

import json
from pathlib import Path

from tests.conftest import text, tool
from tests.tui.conftest import make_app, screen_text, send  # noqa: F401  (make_app is a fixture)


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
