"""The chat and MCP: `/mcp` shows the servers and their state, a server's prompt is a slash command, and an MCP
tool call is drawn like any other."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitagent.tui.commands import complete
from gitagent.tui.widgets.blocks import PromptBlock, ToolBlock
from tests.conftest import text, tool
from tests.mcp.conftest import stdio
from tests.tui.conftest import screen_text, send, settle


@pytest.fixture
def probe_server(tmp_path: Path) -> Iterator[None]:
    """The probe server in the user's config (no trust needed); the chat's servers are stopped afterwards."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    entry = stdio("probe.py")
    home = tmp_path / "gitagent-home"
    home.mkdir(exist_ok=True)
    args = ", ".join(f'"{arg}"' for arg in entry["args"])
    (home / "config.toml").write_text(
        f'[mcp_servers.probe]\ncommand = "{entry["command"]}"\nargs = [{args}]\nreadable = ["{entry["readable"][0]}"]\n'
    )
    yield
    from gitagent.mcp.hub import hub

    hub().close_all(wait=5)


async def test_mcp_lists_servers_and_prompts_and_a_prompt_command_sends_its_text(
    script, make_app, probe_server
) -> None:
    model = script([tool("mcp__probe__read_file", path="README.md")], [text("Looked.")])
    app = make_app(model)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/mcp")
        assert "probe  (user, stdio " in screen_text(app) and "not started yet" in screen_text(app)

        await send(pilot, "look at the readme")
        (block,) = app.view.query(ToolBlock)
        assert block.title == "▶ ✓ mcp__probe__read_file README.md"

        await send(pilot, "/mcp")
        listing = screen_text(app)
        assert "connected: 7 tools, 1 prompts" in listing and "/mcp__probe__review TOPIC [FOCUS]" in listing
        assert complete("/mcp__pr") == ["/mcp__probe__review"]

        await send(pilot, '/mcp__probe__review "the parser" error handling')
        await settle(pilot)
        prompts = [str(block.content) for block in app.view.query(PromptBlock)]
        assert prompts[-1] == "Please review the parser, looking for error handling."

        await send(pilot, "/mcp__probe__review")
        assert "/mcp__probe__review needs topic" in screen_text(app)
        assert "usage: /mcp__probe__review TOPIC [FOCUS]" in screen_text(app)
