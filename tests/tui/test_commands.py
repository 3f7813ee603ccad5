"""Every slash command, the rewind picker and the approval dialog, through the pilot."""

from pathlib import Path

from gitagent.store import turns
from gitagent.tui.commands import COMMANDS, complete, parse
from gitagent.tui.screens.models import ModelScreen
from gitagent.tui.screens.rewind import RewindScreen
from gitagent.tui.widgets.blocks import NoticeBlock, PromptBlock
from tests.conftest import conversation_head, git, text, tool, worktree
from tests.tui.conftest import approval_dialog, screen_text, send, settle


def two_turns(script) -> str:
    return script([tool("Write", file_path="notes.txt", content="v1\n")], [text("wrote v1")])


def last_notice(app) -> str:
    return str(list(app.view.query(NoticeBlock))[-1].content)


async def test_completion_and_parsing():
    assert complete("/re") == ["/rewind", "/resume"]
    assert complete("/rewind x") == []
    assert parse("/export feature")[1] == ["feature"]
    assert {c.name for c in COMMANDS} >= {
        "fork", "rewind", "log", "diff", "apply", "export", "model", "compact", "skills", "hooks", "new",
        "switch", "help", "quit",
    }  # fmt: skip


async def test_tab_completes_a_slash_command_and_the_hint_lists_matches(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.query_one("#prompt")
        await pilot.press("/", "e", "x")
        assert "/export" in str(app.query_one("#hint").content)
        await pilot.press("tab")
        assert prompt.text == "/export "


async def test_fork_switch_new_and_log(repo, script, make_app):
    app = make_app(two_turns(script), name="main-work")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "first")
        await send(pilot, "/fork")
        assert app.session.name == "main-work-fork"
        assert conversation_head(repo, "main-work-fork").id == conversation_head(repo, "main-work").id
        assert "Forked main-work as main-work-fork" in screen_text(app)
        tree = app.query_one("#conversations")
        (root_node,) = tree.root.children
        assert "main-work" in str(root_node.label) and "main-work-fork" in str(root_node.children[0].label)

        await send(pilot, "/fork experiment")
        assert app.session.name == "experiment"
        await send(pilot, "/switch main-work")
        assert app.session.name == "main-work"
        assert [str(p.content) for p in app.view.query(PromptBlock)] == ["first"]
        await send(pilot, "/switch nope")
        assert "no conversation named 'nope'" in last_notice(app) and "main-work" in last_notice(app)

        await send(pilot, "/log")
        assert f"1 {conversation_head(repo, 'main-work').short_id}" in screen_text(app)
        await send(pilot, "/new")
        assert app.session.name is None and not app.view.query(PromptBlock)
        await send(pilot, "a fresh start")
        assert app.session.name == "a-fresh-start"


async def test_rewind_picker_rolls_back_code_and_dialogue(repo, script, make_app):
    model = script([tool("Write", file_path="notes.txt", content="changed\n")], [text("ok")])
    app = make_app(model, name="r")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "one")
        (worktree(repo, "r") / "notes.txt").write_text("unrecorded\n")
        await send(pilot, "two")
        first = turns.turn_number(conversation_head(repo, "r"))
        assert first == 2
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, RewindScreen)
        options = app.screen.query_one("OptionList")
        assert options.option_count == 1 and "one" in str(options.get_option_at_index(0).prompt)
        assert "in 1 file" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert turns.turn_number(conversation_head(repo, "r")) == 1
        assert [str(p.content) for p in app.view.query(PromptBlock)] == ["one"]
        assert "Rewound to turn 1" in screen_text(app)
        assert git(repo, "for-each-ref", "--format=%(refname)", "refs/gitagent/abandoned/")

        await send(pilot, "/rewind")
        assert isinstance(app.screen, RewindScreen)
        assert "There is no earlier turn" in "".join(str(label.content) for label in app.screen.query("Label"))
        await pilot.press("escape")
        assert not isinstance(app.screen, RewindScreen)


async def test_diff_apply_and_export(repo, script, make_app):
    app = make_app(script([tool("Write", file_path="README.md", content="# demo\nmore\n")], [text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "edit readme")
        await send(pilot, "/diff")
        shown = screen_text(app)
        assert "diff turn 1" in shown and "+more" in shown
        await send(pilot, "/diff base")
        assert "diff since the base" in screen_text(app)
        await send(pilot, "/apply")
        assert (repo / "README.md").read_text() == "# demo\nmore\n"
        assert "Applied 1 file(s)" in last_notice(app)
        await send(pilot, "/export agent-work")
        assert "Created branch agent-work" in last_notice(app)
        assert git(repo, "show", "agent-work:README.md") == "# demo\nmore\n"
        await send(pilot, "/export")
        assert "usage: /export BRANCH" in last_notice(app)


async def test_model_compact_skills_hooks_help(repo, script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/compact")
        assert "no turns yet" in last_notice(app)
        await send(pilot, "hello")
        await send(pilot, "/model")
        assert isinstance(app.screen, ModelScreen)
        await pilot.press("escape")
        assert app.session.options.model.startswith("scripted:")
        other = script([text("from the other model")])
        await send(pilot, f"/model {other}")
        assert app.session.options.model == other
        await send(pilot, "/model nonsense")
        assert "invalid model 'nonsense'" in last_notice(app)
        await send(pilot, "/compact")
        assert "Compacted" in last_notice(app)
        assert turns.read_turn(conversation_head(repo, app.session.name)).get("kind") == "compaction"
        await send(pilot, "/skills")
        assert "code-review" in screen_text(app)
        hook = repo / ".gitagent" / "hooks" / "PreToolUse" / "guard.sh"
        hook.parent.mkdir(parents=True)
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        await send(pilot, "/hooks")
        assert "PreToolUse" in screen_text(app) and "untrusted" in screen_text(app)
        await send(pilot, "/help")
        assert "/rewind" in screen_text(app) and "Esc Esc" in screen_text(app)
        await send(pilot, "/quit")
    assert app.return_code == 0


async def test_discard_drops_an_interrupted_turn(repo, script, make_app):
    app = make_app(script([tool("Bash", command="sleep 30")]), name="d")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "nap", wait=False)
        for _ in range(100):
            await pilot.pause(0.05)
            if app.session.worker is not None and app.view.tools:
                break
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        await send(pilot, "/discard")
        assert "Dropped the interrupted turn 1" in last_notice(app)
        assert not app.session.interrupted
        await send(pilot, "/resume")
        assert "no interrupted turn" in last_notice(app)


async def test_ask_mode_approval_once_for_the_session_and_denied_with_a_reason(repo, script, make_app):
    model = script(
        [tool("Bash", command="echo one > one.txt")],
        [tool("Bash", command="echo one > one.txt")],
        [tool("Write", file_path="two.txt", content="2\n")],
        [text("done")],
    )
    app = make_app(model, approval="ask", name="ask")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "go", wait=False)
        first = await approval_dialog(pilot)
        assert "echo one" in str(app.screen.query_one(".detail Static").content)
        await pilot.press("2")  # allow this command for the session: the second identical call is not asked
        await approval_dialog(pilot, after=first)
        assert "two.txt" in str(app.screen.query_one(".detail Static").content)
        app.screen.query_one("#reason").value = "not that file"
        await pilot.press("escape")
        await settle(pilot)
        events = turns.read_turn(conversation_head(repo, "ask"))["events"]
        results = [e for e in events if e["type"] == "tool_result"]
        assert [r["is_error"] for r in results] == [False, False, True]
        assert results[2]["content"] == "Permission denied: not that file"
        permissions = [(e["by"], e["allowed"]) for e in events if e["type"] == "permission"]
        assert permissions == [("person", True), ("person", True), ("person", False)]
        assert not (worktree(repo, "ask") / "two.txt").exists()
        assert "denied Write (person): not that file" in screen_text(app)


def test_prompt_block_is_plain_text_not_markup(tmp_path: Path):
    block = PromptBlock("[bold]not markup[/bold]")
    assert str(block.content) == "[bold]not markup[/bold]"
