"""The chat's everyday features through the pilot: the working line, long output and the full-output view,
the plan view, pastes, prompt history across sessions and its search, and Shift+Tab."""

import time

from textual import events

from gitagent.store import turns
from gitagent.tui.screens.history_search import HistorySearchScreen
from gitagent.tui.screens.output import OutputScreen
from gitagent.tui.widgets.blocks import PromptBlock, ToolBlock
from gitagent.tui.widgets.prompt import PromptInput
from gitagent.tui.widgets.statusbar import StatusBar
from gitagent.tui.widgets.todos import TodoView
from gitagent.tui.widgets.working import WorkingLine
from tests.conftest import conversation_head, text, tool
from tests.tui.conftest import approval_dialog, send, settle


async def wait_for(pilot, condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await pilot.pause(0.02)


async def test_the_working_line_shows_at_once_and_follows_the_turn(script, make_app):
    app = make_app(script([text("Let me wait."), tool("Bash", command="sleep 1.5")], [text("done")]))
    async with app.run_test(size=(100, 30)) as pilot:
        working = app.query_one(WorkingLine)
        assert not working.display
        app.query_one(PromptInput).load_text("wait a little")
        await pilot.press("enter")
        # Drawn by the key's own handler, before the turn's thread has done anything.
        assert working.display and "esc to interrupt" in working.text().plain
        await wait_for(pilot, lambda: working.activity == "Running Bash: sleep 1.5")
        line = working.text().plain
        assert "Running Bash" in line
        assert "tokens" in line and line.endswith("esc to interrupt)")
        assert len(line) <= working.size.width, "the time and the Esc hint always fit"
        await wait_for(pilot, lambda: "1s" in working.text().plain)
        await settle(pilot)
        assert not working.display


async def test_long_output_keeps_head_and_tail_and_ctrl_o_shows_it_whole(script, make_app):
    app = make_app(script([tool("Bash", command="seq 1 300")], [text("counted")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count")
        (block,) = app.view.query(ToolBlock)
        block.action_toggle()
        await pilot.pause()
        shown = str(block.query_one(".result").content).splitlines()
        assert shown[0] == "1" and shown[-1] == "300", "the tail (where a summary is) must be shown"
        assert "… 280 lines hidden (ctrl+o: full output) …" in shown
        app.query_one(PromptInput).focus()
        await pilot.press("ctrl+o")  # no tool call focused: the latest one
        assert isinstance(app.screen, OutputScreen)
        whole = str(app.screen.query_one(".result").content).splitlines()
        assert whole == [str(n) for n in range(1, 301)]
        assert "Bash seq 1 300 — 300 lines" in str(app.screen.query_one(".title").content)
        body = app.screen.query_one("#output-body")
        await pilot.press("end")
        assert body.scroll_y > 0 and body.scroll_y == body.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, OutputScreen)


async def test_a_long_diff_keeps_its_head_and_tail(script, make_app):
    content = "".join(f"line {n}\n" for n in range(1, 101))
    app = make_app(script([tool("Write", file_path="big.txt", content=content)], [text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "write it")
        (block,) = app.view.query(ToolBlock)
        block.action_toggle()
        await pilot.pause()
        detail = str(block.query_one(".detail").content)
        assert "+line 1\n" in detail and "+line 100" in detail and "43 lines hidden" in detail
        block.focus()
        await pilot.press("ctrl+o")
        assert "43 lines hidden" not in str(app.screen.query_one(".detail").content)


async def test_the_plan_from_todowrite_is_shown_and_reopened_from_the_turn(repo, script, make_app):
    plan = [
        {"content": "Read the code", "status": "completed", "activeForm": "Reading the code"},
        {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"},
        {"content": "Run the tests", "status": "pending", "activeForm": "Running the tests"},
    ]
    app = make_app(script([tool("TodoWrite", todos=plan)], [text("on it")]), name="plan")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "fix it")
        view = app.query_one(TodoView)
        assert view.display
        assert str(view.content).splitlines() == [
            "Plan 1/3",
            " ☒ Read the code",
            " ◐ Fixing the bug",
            " ☐ Run the tests",
        ]
    assert turns.read_turn(conversation_head(repo, "plan"))["todos"] == plan
    again = make_app(name="plan")
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.query_one(TodoView).display and "◐ Fixing the bug" in str(again.query_one(TodoView).content)


async def test_a_large_paste_is_a_placeholder_until_it_is_sent(repo, script, make_app):
    pasted = "".join(f"log line {n}\n" for n in range(1, 121))
    app = make_app(script([text("seen")]), name="paste")
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.insert("what is wrong here? ")
        app.post_message(events.Paste(pasted))
        await pilot.pause()
        assert prompt.text == "what is wrong here? [Pasted text #1 +120 lines]"
        app.post_message(events.Paste("short"))
        await pilot.pause()
        assert prompt.text.endswith("[Pasted text #1 +120 lines]short")
        await pilot.press("enter")
        await settle(pilot)
    user = turns.read_turn(conversation_head(repo, "paste"))["events"][0]
    assert user["text"] == "what is wrong here? " + pasted + "short"


async def test_prompt_history_outlives_the_session_and_ctrl_r_searches_it(repo, script, make_app):
    first = make_app(script([text("ok")]), name="h")
    async with first.run_test(size=(100, 30)) as pilot:
        await send(pilot, "explain the parser")
        await send(pilot, "run the tests")
    second = make_app(script([text("ok")]), name="other")
    async with second.run_test(size=(100, 30)) as pilot:
        prompt = second.query_one(PromptInput)
        await pilot.press("up")
        assert prompt.text == "run the tests"
        await pilot.press("up")
        assert prompt.text == "explain the parser"
        prompt.clear()
        await pilot.press("ctrl+r")
        assert isinstance(second.screen, HistorySearchScreen)
        await pilot.press(*"pars")
        assert second.screen.found == ["explain the parser"]
        await pilot.press("enter")
        assert not isinstance(second.screen, HistorySearchScreen)
        assert prompt.text == "explain the parser" and prompt.has_focus
    assert (repo / ".git" / "gitagent" / "prompt-history.jsonl").read_text().count("\n") == 2


async def test_shift_tab_switches_the_approval_mode_for_the_next_calls(script, make_app):
    app = make_app(script([tool("Write", file_path="a.txt", content="a\n")], [text("wrote")]), name="mode")
    async with app.run_test(size=(100, 30)) as pilot:
        assert str(app.query_one(StatusBar).content).endswith("auto")
        await pilot.press("shift+tab")
        assert str(app.query_one(StatusBar).content).endswith("ask")
        await send(pilot, "write a", wait=False)
        await approval_dialog(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("shift+tab")
        assert str(app.query_one(StatusBar).content).endswith("auto")
        assert [str(p.content) for p in app.view.query(PromptBlock)] == ["write a"]
