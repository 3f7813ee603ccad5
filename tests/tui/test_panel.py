"""The side panel and the conversation's first screen: turns that fit and do something when picked, an
interrupted first turn listed, a rewind undone from the chat, and a first screen that says what to do."""

from gitagent.store import turns
from gitagent.tui.widgets.sidebar import SidePanel
from tests.conftest import conversation_head, text, tool, worktree
from tests.tui.conftest import rendered, screen_text, send, settle

LONG_SUBJECT = "please refactor the authentication module so that sessions expire"


async def test_side_panel_turns_keep_to_one_line_and_picking_one_shows_its_change(repo, script, make_app):
    app = make_app(script([tool("Write", file_path="a.txt", content="alpha\n")], [text("ok")]), name="pick")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, LONG_SUBJECT)
        await send(pilot, "second")
        turn_list = app.query_one(SidePanel).query_one("#turns")
        assert all(turn_list.get_option_at_index(i).id for i in range(2))
        x = app.query_one(SidePanel).region.x
        panel = "\n".join(row[x:] for row in rendered(app).splitlines())
        line = next(row for row in panel.splitlines() if "please refactor" in row)
        assert "…" in line and "expire" not in panel, "a long subject is cut on its line, not wrapped"
        first = conversation_head(repo, "pick").parents[0]
        await pilot.click(turn_list, offset=(2, 1))  # the older turn: options are newest first
        await settle(pilot)
        shown = screen_text(app)
        assert f"diff turn {turns.turn_number(first)}" in shown and "+alpha" in shown and "/rewind" in shown
        await pilot.press(*"next")
        assert app.query_one("#prompt").text == "next"


async def test_a_conversation_whose_only_turn_was_interrupted_is_listed(repo, script, make_app):
    app = make_app(script([tool("Bash", command="sleep 30")]), name="cut-short")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "nap", wait=False)
        for _ in range(200):
            await pilot.pause(0.05)
            if app.view.tools:
                break
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        await send(pilot, "/new")
        tree = app.query_one("#conversations")
        labels = [str(node.label) for node in tree.root.children]
        assert "cut-short (interrupted)" in labels
        node = next(n for n in tree.root.children if n.data == "cut-short")
        await pilot.click(tree, offset=(2, node.line))
        await settle(pilot)
        assert app.session.name == "cut-short" and app.session.interrupted


async def test_a_rewind_is_undone_from_the_chat(repo, script, make_app):
    model = script([tool("Write", file_path="n.txt", content="changed\n")], [text("ok")])
    app = make_app(model, name="undo")
    async with app.run_test(size=(120, 40)) as pilot:
        for prompt in ("one", "two", "three"):
            await send(pilot, prompt)
        tip = conversation_head(repo, "undo")
        await send(pilot, "/rewind")
        await pilot.press("down", "enter")  # turn 1
        await settle(pilot)
        assert turns.turn_number(conversation_head(repo, "undo")) == 1
        await send(pilot, "/undo")
        assert conversation_head(repo, "undo").id == tip.id
        assert "Undid the rewind: 2 turn(s) are back" in screen_text(app)
        assert [str(p.content) for p in app.view.query("PromptBlock")] == ["one", "two", "three"]
        assert (worktree(repo, "undo") / "n.txt").read_text() == "changed\n"
        await send(pilot, "/undo")
        assert "there is no rewind of 'undo' to undo" in screen_text(app)


async def test_the_first_screen_says_what_to_do_and_which_keys_exist(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = rendered(app)
        assert "Ask for a change" in screen and "Esc" in screen and "/help" in screen
        await send(pilot, "hello")
        assert "Ask for a change" not in rendered(app)
    app = make_app()  # no model and no key
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "No model yet: set ANTHROPIC_API_KEY" in rendered(app)
