"""The approval dialog: typing a reason can never allow by accident, everything stays on screen at any size,
and an edit's hunks are numbered from the top of the file."""

import time
from pathlib import Path

import pytest
from textual.app import App

from gitagent.agent.permissions import Decision
from gitagent.store import turns
from gitagent.tui.screens.approval import ApprovalScreen
from tests.conftest import conversation_head, git, text, tool, worktree
from tests.tui.conftest import approval_dialog, rendered, send, settle

FORTY_LINES = "".join(f"line {n}\n" for n in range(1, 41))


async def answered(pilot, screen: ApprovalScreen) -> None:
    for _ in range(100):
        await pilot.pause(0.02)
        if pilot.app.screen is not screen:
            return
    raise AssertionError("the dialog is still waiting for an answer")


def permission_events(repo, name):
    return [e for e in turns.read_turn(conversation_head(repo, name))["events"] if e["type"] == "permission"]


async def test_typing_a_reason_before_tabbing_to_the_box_denies_and_never_allows(repo, script, make_app):
    app = make_app(script([tool("Bash", command="rm -rf build")], [text("ok")]), approval="ask", name="deny")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "clean", wait=False)
        screen = await approval_dialog(pilot)
        await pilot.press(*"please keep it, 1 day", "enter")
        await answered(pilot, screen)
        await settle(pilot)
    (event,) = permission_events(repo, "deny")
    assert not event["allowed"] and event["reason"] == "please keep it, 1 day"


async def test_digits_allow_once_and_for_the_session(repo, script, make_app):
    calls = [[tool("Bash", command="echo hi")]] * 3
    app = make_app(script(*calls, [text("ok")]), approval="ask", name="digits")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "go", wait=False)
        screen = await approval_dialog(pilot)
        await pilot.press("1")
        await answered(pilot, screen)
        screen = await approval_dialog(pilot)
        await pilot.press("2")
        await answered(pilot, screen)
        await settle(pilot)
    assert [(e["allowed"], e["reason"]) for e in permission_events(repo, "digits")] == [
        (True, "allowed once"),
        (True, "allowed this command this session"),
        (True, "allowed for this session"),
    ]


async def test_a_long_diff_scrolls_and_the_reason_box_and_buttons_stay_on_screen(script, make_app):
    for size in ((80, 24), (60, 20)):
        app = make_app(script([tool("Write", file_path="forty.txt", content=FORTY_LINES)]), approval="ask")
        async with app.run_test(size=size) as pilot:
            await send(pilot, "write forty lines", wait=False)
            screen = await approval_dialog(pilot)
            await pilot.pause(0.2)
            visible = screen.region
            for widget in (screen.query_one("#reason"), *screen.query("Button")):
                assert visible.contains_region(widget.region), f"{widget} is off screen at {size}"
            detail = screen.query_one(".detail")
            assert detail.max_scroll_y > 0, "the diff scrolls"
            assert "Deny (3, Esc)" in rendered(app)
            await pilot.press("escape")
            await settle(pilot)


async def test_hunks_of_an_edit_count_from_the_top_of_the_file(repo, script, make_app):
    (repo / "long.txt").write_text("".join(f"row {n}\n" for n in range(1, 101)))
    git(repo, "add", "long.txt")
    git(repo, "commit", "-q", "-m", "a long file")
    model = script(
        [tool("Edit", file_path="long.txt", old_string="row 70\n", new_string="row seventy\n")], [text("ok")]
    )
    app = make_app(model, approval="ask", name="hunk")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "edit row 70", wait=False)
        screen = await approval_dialog(pilot)
        shown = str(screen.query_one(".detail Static").content)
        assert "@@ -70 +70 @@" in shown and "-row 70" in shown and "+row seventy" in shown
        await pilot.press("1")
        await answered(pilot, screen)
        await settle(pilot)
    assert "row seventy" in (worktree(repo, "hunk") / "long.txt").read_text()


async def test_closing_the_chat_with_the_dialog_open_denies_the_call(repo, script, make_app):
    app = make_app(script([tool("Bash", command="touch never")], [text("ok")]), approval="ask", name="close")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "go", wait=False)
        await approval_dialog(pilot)
    for _ in range(200):  # the turn's thread is not left waiting for an answer that can never come
        if app.session.worker is None:
            break
        time.sleep(0.05)
    assert app.session.worker is None
    assert not (worktree(repo, "close") / "never").exists()


class OneDialog(App[None]):
    """Just the dialog, so a test can answer it in the same tick it opens, before it is drawn."""

    answers: list[Decision]

    def open_dialog(self) -> ApprovalScreen:
        self.answers = []
        self.push_screen(
            ApprovalScreen({"name": "Bash", "input": {"command": "ls"}}, "x", Path(".")), self.answers.append
        )
        return self.screen  # type: ignore[return-value]


@pytest.mark.parametrize("answer, allowed", [("once", True), ("deny", False)])
async def test_a_dialog_answered_the_moment_it_opens_is_answered_not_a_crash(answer, allowed):
    app = OneDialog()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.open_dialog()
        getattr(screen, f"action_{answer}")()  # a digit typed ahead, or the chat closing, before the first frame
        await pilot.pause(0.2)
        assert [decision.allowed for decision in app.answers] == [allowed]
        assert not isinstance(app.screen, ApprovalScreen)
    assert app.return_code in (0, None), "the app ended with an error"
