"""Where keys and output go: typing lands in the prompt, the conversation scrolls from the prompt, Ctrl+C
copies a selection, and output added out of sight is brought into view or announced."""

from gitagent.tui.widgets.blocks import NoticeBlock, PromptBlock, ToolBlock
from gitagent.tui.widgets.prompt import PromptInput
from tests.conftest import text, tool, worktree
from tests.tui.conftest import rendered, send, settle

LONG_ANSWER = "\n\n".join(f"Paragraph {n} of a long answer." for n in range(1, 25))


async def test_typing_after_expanding_a_tool_call_goes_to_the_prompt(script, make_app):
    app = make_app(script([tool("Bash", command="echo one")], [tool("Bash", command="echo two")], [text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "go")
        first, second = app.view.query(ToolBlock)
        await pilot.click(first)
        assert first.expanded
        await pilot.press(*"yes")
        prompt = app.query_one(PromptInput)
        assert prompt.text == "yes" and app.focused is prompt
        for _ in range(10):  # the keyboard way: Tab round to the last tool call, Enter expands it
            await pilot.press("tab")
            if app.focused is second:
                break
        assert app.focused is second
        await pilot.press("enter", "!")
        assert second.expanded and prompt.text == "yes!" and app.focused is prompt


async def test_picking_a_conversation_in_the_side_panel_gives_the_keyboard_back(script, make_app):
    model = script([text("ok")])
    app = make_app(model, name="one")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "first conversation")
        await send(pilot, "/new")
        await send(pilot, "second conversation")
        tree = app.query_one("#conversations")
        node = next(n for n in tree.root.children if n.data == "one")
        await pilot.click(tree, offset=(2, node.line))
        await settle(pilot)
        assert app.session.name == "one"
        await pilot.press(*"next")
        assert app.query_one(PromptInput).text == "next"


async def test_page_keys_scroll_the_conversation_from_the_prompt(script, make_app):
    app = make_app(script([text(LONG_ANSWER)]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "write a lot")
        view = app.view
        await pilot.pause()
        bottom = view.scroll_y
        assert bottom > 0 and app.focused is app.query_one(PromptInput)
        await pilot.press("pageup")
        assert view.scroll_y < bottom
        await pilot.press("shift+pageup")
        up_two = view.scroll_y
        await pilot.press("pagedown")
        assert view.scroll_y > up_two
        await pilot.press("ctrl+home")
        assert view.scroll_y == 0
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert app.query_one(PromptInput).text == ""


async def test_ctrl_c_copies_the_selection_instead_of_quitting(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello world prompt")
        block = app.view.query_one(PromptBlock)
        await pilot.mouse_down(block, offset=(2, 0))
        await pilot.hover(block, offset=(12, 0))
        await pilot.mouse_up(block, offset=(12, 0))
        await pilot.press("ctrl+c")
        assert app.clipboard == "hello world"
        await pilot.press("ctrl+c")  # nothing selected now: the first press of the quit pair
        await pilot.pause()
        assert app.is_running


async def test_a_command_run_while_scrolled_up_shows_its_output(script, make_app):
    app = make_app(script([text(LONG_ANSWER)]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "write a lot")
        app.view.scroll_home(animate=False)  # as the mouse wheel does
        await pilot.pause()
        await send(pilot, "/help")
        await pilot.pause()
        assert "Ctrl+C Ctrl+C" in rendered(app), "the listing is scrolled into view"


async def test_output_arriving_below_while_scrolled_up_is_announced(repo, script, make_app):
    wait = "while [ ! -e go ]; do sleep 0.05; done"  # the command ends when the test says so
    app = make_app(script([text(LONG_ANSWER), tool("Bash", command=wait)], [text("the end")]), name="below")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "write a lot", wait=False)
        for _ in range(400):
            await pilot.pause(0.05)
            if app.view.query(ToolBlock):
                break
        await pilot.press("ctrl+home")
        (worktree(repo, "below") / "go").touch()
        await settle(pilot)
        assert app.view.scroll_y == 0, "the reader's place is kept"
        assert "↓ new output below · Ctrl+End" in rendered(app)
        await pilot.press("ctrl+end")
        await pilot.pause()
        screen = rendered(app)
        assert "the end" in screen and "new output below" not in screen


async def test_a_listing_asked_for_during_a_turn_does_not_split_it(script, make_app):
    app = make_app(script([text("Starting."), tool("Bash", command="sleep 1")], [text("Finished.")]))
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "work", wait=False)
        for _ in range(200):
            await pilot.pause(0.05)
            if app.view.query(ToolBlock):
                break
        await send(pilot, "/help", wait=False)
        await settle(pilot)
        order = [type(w).__name__ for w in app.view.children if w.id != "below"]
        texts = [str(getattr(w, "source", "") or getattr(w, "content", "")) for w in app.view.children]
        help_at = next(i for i, t in enumerate(texts) if "/fork [NAME]" in t)
        assert order.index("ToolBlock") < help_at and "turn 1 ·" in texts[help_at - 1], order
        assert texts.index("Finished.") < help_at
        assert not app.view.query(NoticeBlock)
