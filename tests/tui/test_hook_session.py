"""A chat window is one hook session per conversation: SessionStart once, SessionEnd when it closes."""

from tests.conftest import text
from tests.hooks.conftest import record_events, recorded
from tests.tui.conftest import send


async def test_a_chat_window_starts_one_session_and_ends_it_on_new_and_on_close(repo, tmp_path, script, make_app):
    log = tmp_path / "hooks.jsonl"
    record_events(repo, log, ("SessionStart", "UserPromptSubmit", "SessionEnd"))
    app = make_app(script([text("ok")]), trust_repo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "first question")
        await send(pilot, "second question")
        first = app.session.name
        await send(pilot, "/new")
        await send(pilot, "another topic")
        second = app.session.name
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+c")
        await pilot.pause(0.2)
    seen = [(e["hook_event_name"], e.get("source") or e.get("reason"), e["session_id"]) for e in recorded(log)]
    assert seen == [
        ("SessionStart", "startup", first),
        ("UserPromptSubmit", None, first),
        ("UserPromptSubmit", None, first),
        ("SessionEnd", "clear", first),
        ("SessionStart", "clear", second),
        ("UserPromptSubmit", None, second),
        ("SessionEnd", "prompt_input_exit", second),
    ]
