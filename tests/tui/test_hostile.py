"""Hostile text in every place the chat draws it: shown as typed, never read as markup, never sent to the
terminal as a control sequence, and a conversation holding it opens again."""

import json

from gitagent.store import turns
from gitagent.tui.widgets.blocks import ToolBlock
from gitagent.tui.widgets.sidebar import SidePanel
from tests.conftest import conversation_head, text, tool
from tests.hostile import MARKUP, ONE_LINE, ONE_MB_LINE, is_safe, visible_forms
from tests.tui.conftest import rendered, send, settle

BAD_NAME = "bad\\377\\033[2J\\342\\200\\256.txt"  # printf escapes: an invalid UTF-8 byte, ESC[2J, U+202E
SHELL_CORPUS = ONE_LINE.replace("\x1b", "\\033").replace("'", "").replace("%", "%%")


def hostile_script(script) -> str:
    """A turn that meets the corpus everywhere: in its answer, a command's output, a file's name and content."""
    return script(
        [text("Looking. " + ONE_LINE), tool("Bash", command=f"printf '{SHELL_CORPUS}\\n'")],
        [tool("Write", file_path="app/[id]/page.tsx", content=ONE_LINE + "\n")],
        [tool("Bash", command=f"printf x > \"$(printf '{BAD_NAME}')\"")],
        [tool("Glob", pattern="**/*.txt")],
        [tool("Bash", command="head -c 300000 /dev/zero | tr '\\0' y")],
        [text("Done with " + MARKUP)],
    )


async def expand_all(pilot) -> None:
    for block in pilot.app.view.query(ToolBlock):
        if not block.expanded:
            block.action_toggle()
    await pilot.pause()


def assert_shown_literally(screen: str) -> None:
    assert is_safe(screen), "a control character reached the screen"
    flat = screen.replace("\n", "").replace(" ", "").replace("│", "")
    for form in visible_forms():
        assert form.replace(" ", "") in flat, f"{form!r} is not shown as typed"


async def test_hostile_prompt_answer_output_and_file_names_are_drawn_as_typed(repo, script, make_app):
    app = make_app(hostile_script(script), name="evil")
    async with app.run_test(size=(200, 80)) as pilot:
        await send(pilot, ONE_LINE)
        assert app.session.conversation is not None, "the turn committed"
        await expand_all(pilot)
        app.view.scroll_home(animate=False)
        await pilot.pause()
        assert_shown_literally(rendered(app))
        app.view.scroll_end(animate=False)
        await pilot.pause()
        screen = rendered(app)
        assert is_safe(screen)
        assert "✓ Glob" in screen and "bad\\xff\\x1b[2J\\u202e.txt" in screen
        assert "Done with Explain arr[/] and [red]why[/red]" in screen
        assert "[@click=app.quit]q[/]" in screen
        side = str(app.query_one(SidePanel).query_one("#turns").get_option_at_index(0).prompt)
        assert "Explain arr[/] and" in side
    glob = next(e for e in turns.read_turn(conversation_head(repo, "evil"))["events"] if e.get("name") == "Glob")
    assert glob["type"] == "tool_result" and "bad\\xff\x1b[2J\u202e.txt" in glob["content"]


async def test_a_conversation_holding_hostile_text_opens_again(repo, script, make_app):
    first = make_app(hostile_script(script), name="evil")
    async with first.run_test(size=(120, 40)) as pilot:
        await send(pilot, ONE_LINE)
    for name in ("evil", None):  # by name, and as the most recent conversation
        app = make_app(name=name or first.session.most_recent())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await expand_all(pilot)
            app.view.scroll_home(animate=False)
            await pilot.pause()
            assert_shown_literally(rendered(app))
            await send(pilot, "/log")
            app.view.scroll_end(animate=False)
            await pilot.pause()
            screen = rendered(app)
            assert is_safe(screen) and "Explain arr[/] and [red]why[/red]" in screen.split("turn 1 ·")[-1]


async def test_help_and_the_palette_keep_their_brackets(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/help")
        app.view.scroll_to_widget(app.view.query(".listing").last(), top=True, animate=False)  # its first lines
        await pilot.pause(0.2)
        screen = rendered(app)
        assert "/fork [NAME]" in screen and "/diff [REV|base]" in screen
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"fork")
        await pilot.pause(0.5)
        assert "/fork [NAME]" in rendered(app)


async def test_skill_descriptions_and_hook_names_are_shown_escaped(repo, script, make_app):
    skill = repo / ".gitagent" / "skills" / "evil"
    skill.mkdir(parents=True)
    description = json.dumps("Helps with arr[/] [red]x[/red] \x1b[2J\x1b]52;c;eA==\x07 \u202eevil")
    (skill / "SKILL.md").write_text(f"---\nname: evil\ndescription: {description}\n---\nBody.\n")
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "/skills")
        screen = rendered(app)
        assert is_safe(screen)
        assert "Helps with arr[/] [red]x[/red] \\x1b[2J\\x1b]52;c;eA==\\x07 \\u202eevil" in screen


async def test_a_one_megabyte_prompt_is_sent_whole_and_drawn_cut(repo, script, make_app):
    app = make_app(script([text("ok")]), name="big")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, ONE_MB_LINE)
        screen = rendered(app)
        assert "more characters)" in screen and is_safe(screen)
    assert turns.read_turn(conversation_head(repo, "big"))["events"][0]["text"] == ONE_MB_LINE
