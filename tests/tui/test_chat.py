"""The chat end to end through Textual's pilot: prompts, streaming, tool blocks, interrupt and resume."""

import threading
import time

import pytest

from gitagent.agent.events import AssistantMessage
from gitagent.models.base import ModelResponse, TextDelta, Usage
from gitagent.store import turns
from gitagent.tui.widgets.blocks import AnswerBlock, NoticeBlock, PromptBlock, ToolBlock
from gitagent.tui.widgets.sidebar import SidePanel
from gitagent.tui.widgets.statusbar import StatusBar
from tests.conftest import conversation_head, git, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply
from tests.tui.conftest import screen_text, send, settle


async def test_a_prompt_runs_a_turn_commits_it_and_draws_every_step(repo, script, make_app):
    model = script(
        [text("Writing it."), tool("Write", file_path="hello.py", content="print('hi')\n")],
        [tool("Bash", command="python3 hello.py")],
        [text("Done: **hello.py** prints `hi`.")],
    )
    app = make_app(model)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "write hello")
        name = app.session.name
        assert name == "write-hello"
        head = conversation_head(repo, name)
        assert head.message.startswith("write hello")
        assert (worktree(repo, name) / "hello.py").read_text() == "print('hi')\n"

        kinds = [type(w).__name__ for w in app.view.children if w.id != "below"]
        assert kinds[:2] == ["PromptBlock", "AnswerBlock"]
        blocks = list(app.view.query(ToolBlock))
        assert [b.title for b in blocks] == ["▶ ✓ Write hello.py", "▶ ✓ Bash python3 hello.py"]
        answers = [a.source for a in app.view.query(AnswerBlock)]
        assert answers == ["Writing it.", "Done: **hello.py** prints `hi`."]
        assert "turn 1 ·" in screen_text(app)

        status = str(app.query_one(StatusBar).content)
        assert "write-hello" in status and "bwrap" in status and "auto" in status and "tok" in status
        turn_list = app.query_one(SidePanel).query_one("#turns")
        assert head.short_id in str(turn_list.get_option_at_index(0).prompt)


async def test_tool_blocks_expand_to_a_coloured_diff_and_the_result(script, make_app):
    model = script(
        [tool("Write", file_path="a.txt", content="one\ntwo\n")],
        [tool("Bash", command="cat missing.txt")],
    )
    app = make_app(model)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "go")
        write, bash = app.view.query(ToolBlock)
        assert not write.expanded and not write.query(".detail")
        await pilot.click(write)
        await pilot.pause()
        assert write.expanded
        detail = write.query_one(".detail").content
        assert "+one" in str(detail) and any(span.style == "green" for span in detail.spans)
        assert bash.has_class("failed") and bash.title.startswith("▶ ✗ Bash cat missing.txt (exit 1)")
        bash.focus()
        await pilot.press("enter")
        assert "No such file" in str(bash.query_one(".result").content)


async def test_history_is_drawn_from_git_when_the_chat_opens(repo, cli, script, make_app):
    cli("run", "-c", "old", "--model", script([text("first answer")]), "first question")
    cli("run", "-c", "old", "--model", script([tool("Write", file_path="x", content="x\n")], [text("ok")]), "second")
    app = make_app(name="old")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        prompts = [str(p.content) for p in app.view.query(PromptBlock)]
        assert prompts == ["first question", "second"]
        assert [a.source for a in app.view.query(AnswerBlock)] == ["first answer", "ok"]
        assert [b.title for b in app.view.query(ToolBlock)] == ["▶ ✓ Write x"]


async def test_long_histories_open_with_the_latest_turns_and_load_earlier_ones_on_scroll(repo, script, make_app):
    app = make_app(script([text("ok")]), name="long")
    for n in range(1, 46):
        app.session.run(f"question {n}", lambda event: None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        prompts = [str(p.content) for p in app.view.query(PromptBlock)]
        assert prompts[-1] == "question 45" and len(prompts) < 30
        assert f"{45 - len(prompts)} earlier turns: scroll up to load" in screen_text(app)
        for _ in range(10):
            app.view.scroll_home(animate=False)
            for _ in range(200):  # the earlier turns come in, and the view is moved back to where the reader was
                await pilot.pause(0.05)
                if app.view.scroll_y > 0 or app.view.older is None:
                    break
            assert app.view.scroll_y > 0 or app.view.older is None
            if app.view.older is None:
                break
        prompts = [str(p.content) for p in app.view.query(PromptBlock)]
        assert prompts == [f"question {n}" for n in range(1, 46)]
        assert "earlier turns" not in screen_text(app)


async def test_esc_interrupts_a_running_turn_which_is_saved_and_resumed(repo, script, make_app):
    app = make_app(script([tool("Bash", command="sleep 30")], [text("slept")]), name="nap")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "take a nap", wait=False)
        for _ in range(100):
            await pilot.pause(0.05)
            if app.view.query(ToolBlock):
                break
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        assert "Interrupted; what the turn did is kept" in screen_text(app)
        assert app.session.interrupted
        assert git(repo, "for-each-ref", "--format=%(refname)", "refs/gitagent/inflight/")
        (block,) = app.view.query(ToolBlock)
        assert block.title.startswith("▶ ✗ Bash sleep 30")

        await send(pilot, "/resume")
        head = conversation_head(repo, "nap")
        assert turns.read_turn(head)["status"] == "complete" and head.message.startswith("take a nap")
        assert not app.session.interrupted


async def test_after_esc_the_next_prompt_carries_on_from_what_the_interrupted_turn_did(repo, script, make_app):
    model = script(
        [tool("Write", file_path="half.txt", content="written before Esc\n"), tool("Bash", command="sleep 30")],
        [text("carried on")],
    )
    app = make_app(model, name="redirect")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "write then nap", wait=False)
        for _ in range(200):
            await pilot.pause(0.05)
            if any("Bash" in b.title for b in app.view.query(ToolBlock)):
                break
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        await send(pilot, "no nap, just say so")
        assert not app.session.interrupted and "carried on" in screen_text(app)
    head = conversation_head(repo, "redirect")
    assert head.message.startswith("no nap, just say so") and turns.turn_number(head) == 2
    interrupted = head.parents[0]
    record = turns.read_turn(interrupted)
    assert interrupted.message.startswith("write then nap") and record["status"] == "interrupted"
    assert interrupted.tree["workspace"]["half.txt"].data == b"written before Esc\n", "its work is kept"
    bash = [e for e in record["events"] if e["type"] == "tool_result" and e["name"] == "Bash"]
    assert len(bash) == 1 and "interrupted before it finished" in bash[0]["content"]
    assert not git(repo, "for-each-ref", "refs/gitagent/inflight/")


async def test_esc_interrupts_a_turn_while_the_model_has_not_answered_yet(repo, anthropic, make_app, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    thinking = threading.Event()
    anthropic.push(Reply([{"type": "text", "text": "too late"}], hold=thinking))
    app = make_app("anthropic:claude-sonnet-5-5", name="slow", base_url=anthropic.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "think it over", wait=False)
        for _ in range(600):  # a loaded machine can take many seconds to import the SDK
            await pilot.pause(0.05)
            if anthropic.bodies:
                break
        assert anthropic.bodies, "the model was never asked"
        await pilot.press("escape")
        for _ in range(100):  # the server still holds its answer: the SDK is blocked reading the socket
            await pilot.pause(0.05)
            if not app.running:
                break
        interrupted_while_thinking = not app.running and app.session.interrupted
        thinking.set()
        await settle(pilot)
        assert interrupted_while_thinking
        assert "Interrupted; what the turn did is kept" in screen_text(app)
        for _ in range(100):  # the SDK's reader closes the stream once the late answer arrives
            await pilot.pause(0.05)
            if not any(t.name == "gitagent-model" for t in threading.enumerate()):
                break
        assert not any(t.name == "gitagent-model" for t in threading.enumerate())
        assert "too late" not in screen_text(app)

        await send(pilot, "/resume")
        head = conversation_head(repo, "slow")
        assert turns.read_turn(head)["status"] == "complete" and head.message.startswith("think it over")


@pytest.mark.parametrize("size", [(80, 24)])
async def test_it_fits_an_80_by_24_terminal(script, make_app, size):
    app = make_app(script([text("fine")]))
    async with app.run_test(size=size) as pilot:
        await send(pilot, "hello")
        assert not app.query_one(SidePanel).display, "the side panel starts hidden on a narrow terminal"
        status = str(app.query_one(StatusBar).content)
        assert len(status) <= 80
        await pilot.press("ctrl+b")
        assert app.query_one(SidePanel).display


async def test_errors_are_notices_with_the_fix_never_a_traceback(make_app):
    app = make_app()  # no --model and no API key
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        notices = [str(n.content) for n in app.view.query(NoticeBlock)]
        assert any("no model chosen and no API key found" in n and "ANTHROPIC_API_KEY" in n for n in notices)
        assert not any("Traceback" in n for n in notices)
        await send(pilot, "/nosuch")
        assert "unknown command /nosuch" in screen_text(app)


async def test_prompt_history_walks_with_up_and_down(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first")
        await send(pilot, "second")
        prompt = app.query_one("#prompt")
        prompt.load_text("draft")
        await pilot.press("up")
        assert prompt.text == "second"
        await pilot.press("up")
        assert prompt.text == "first"
        await pilot.press("down", "down")
        assert prompt.text == "draft"
        await pilot.press("ctrl+j")
        assert prompt.text.count("\n") == 1, "Ctrl+J starts a new line instead of sending"


async def test_ctrl_c_twice_quits(script, make_app):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
    assert app.return_code == 0


async def test_light_theme_and_no_color(monkeypatch, script, make_app):
    app = make_app(script([text("ok")]), theme="textual-light")
    async with app.run_test(size=(100, 30)):
        assert app.theme == "textual-light"
    monkeypatch.setenv("NO_COLOR", "1")
    assert make_app(script([text("ok")])).no_color


async def test_the_answer_streams_into_the_pane_before_the_response_ends(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.view.draw(TextDelta("Hello "))
        await app.view.draw(TextDelta("**wor"))
        await pilot.pause(0.3)
        (answer,) = app.view.query(AnswerBlock)
        assert answer.source == "Hello **wor", "text is drawn as it arrives, not when the response ends"
        await app.view.draw(TextDelta("ld**"))
        response = ModelResponse([{"type": "text", "text": "Hello **world**"}], "end_turn", Usage())
        await app.view.draw(AssistantMessage(1, response))
        await pilot.pause(0.3)
        assert answer.source == "Hello **world**" and len(app.view.query(AnswerBlock)) == 1


async def test_prompts_typed_while_a_turn_runs_are_queued_and_sent_in_order(repo, script, make_app):
    app = make_app(script([tool("Bash", command="sleep 1")], [text("ok")]), name="q")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first", wait=False)
        await pilot.pause(0.2)
        await send(pilot, "second", wait=False)
        assert "Queued" in screen_text(app)
        for _ in range(100):
            await settle(pilot)
            if turns.turn_number(conversation_head(repo, "q")) == 2:
                break
        head = conversation_head(repo, "q")
        assert head.message.startswith("second") and head.parents[0].message.startswith("first")


async def test_quitting_during_a_turn_saves_it_for_resume(repo, script, make_app):
    app = make_app(script([tool("Bash", command="sleep 30")]), name="bye")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "nap", wait=False)
        for _ in range(100):
            await pilot.pause(0.05)
            if app.view.tools:
                break
        await pilot.pause(0.5)  # the command is running
        deadline = time.monotonic() + 5  # it used to wait out a 10 s timeout on the worker's (pooled) thread
        await pilot.press("ctrl+q")
        while app.return_code is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert app.return_code is not None and time.monotonic() < deadline, "quitting waits for the turn to save"
    assert app.return_code == 0
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/gitagent/inflight/").strip() == (
        "refs/gitagent/inflight/bye"
    )
