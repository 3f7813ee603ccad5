"""What stands between a new user and a first answer is said up front, with the fix: no commit, a model that
cannot be, a missing key; and a reopened conversation shows what it has used."""

import subprocess
import sys
import threading

from gitagent.store import inflight
from gitagent.tui.widgets.statusbar import StatusBar
from tests.cli.firstturn import first_turn_in_flight
from tests.conftest import git, text
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply
from tests.tui.conftest import screen_text, send, settle


def chat_cli(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    """`gitagent chat` with no terminal: a check that fails must stop it before the screen starts."""
    return subprocess.run(
        [sys.executable, "-m", "gitagent", "chat", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_what_would_stop_the_first_prompt_is_reported_at_start(repo, tmp_path):
    for args, expected in (
        (["--model", "nope"], "invalid model 'nope'"),
        (["--model", "ollama:llama3"], "unknown model provider 'ollama'"),
        (["--model", "scripted:missing.json"], "cannot read script"),
    ):
        done = chat_cli(repo, *args)
        assert done.returncode == 1 and expected in done.stderr, (args, done.stderr)
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    done = chat_cli(empty, "--model", "scripted:x.json")
    assert done.returncode == 1 and "no commits yet" in done.stderr and "git commit --allow-empty" in done.stderr


async def test_a_missing_key_names_the_fix_and_saves_nothing(repo, anthropic, make_app, monkeypatch):
    app = make_app("anthropic:claude-sonnet-4-5", name="nokey", base_url=anthropic.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello there")
        shown = screen_text(app)
        assert "no Anthropic API key found" in shown and "ANTHROPIC_API_KEY" in shown, shown
        assert "gitagent auth set anthropic" in shown and "Nothing was saved" in shown
        assert inflight.load(app.session.repo, "nokey") is None and not app.session.interrupted
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        anthropic.push(Reply([{"type": "text", "text": "hello back"}]))
        await pilot.press("up")
        assert app.query_one("#prompt").text == "hello there"
        await pilot.press("enter")
        await settle(pilot)
        assert "hello back" in screen_text(app)


async def test_model_is_checked_without_loading_an_sdk_on_the_screens_thread(repo, script, make_app, monkeypatch):
    loaded_on: list[str] = []
    import gitagent.models.registry as registry

    real = registry.load_model

    def spy(spec, **kwargs):
        loaded_on.append(threading.current_thread().name)
        return real(spec, **kwargs)

    monkeypatch.setattr(registry, "load_model", spy)
    monkeypatch.setattr("gitagent.tui.session.load_model", spy, raising=False)
    monkeypatch.setattr("gitagent.agent.modelchoice.load_model", spy)
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "/model anthropic:claude-sonnet-4-5")
        assert "no anthropic API key found" in screen_text(app) and "ANTHROPIC_API_KEY" in screen_text(app)
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        await send(pilot, "/model anthropic:claude-sonnet-4-5")
        assert "The next turns use anthropic:claude-sonnet-4-5" in screen_text(app)
        assert "MainThread" not in loaded_on, "an SDK was loaded while the screen waited"


async def test_a_reopened_conversation_shows_its_tokens_and_context(repo, cli, script, make_app):
    cli("run", "-c", "old", "--model", script([text("first answer")]), "first question")
    cli("run", "-c", "old", "--model", script([text("second answer")]), "second question")
    app = make_app(name="old")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        status = str(app.query_one(StatusBar).content)
        assert " 0 tok" not in status and "ctx 0%" not in status, status
        assert app.session.recorded.tokens > 0 and app.session.recorded.context_tokens > 0


async def test_a_conversation_whose_turn_runs_in_another_process_says_so_not_interrupted(repo, script, make_app):
    with first_turn_in_flight(repo, script) as proc:
        app = make_app(script([text("never sent")]), name="first")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            running = f"being written by another process (pid {proc.pid}): its first turn is still running"
            assert running in screen_text(app) and "interrupted" not in screen_text(app)
            assert not app.session.interrupted
            labels = [str(node.label) for node in app.query_one("#conversations").root.children]
            assert "▶ first (running)" in labels
            await send(pilot, "me too")
            assert screen_text(app).count(running) == 2 and "Nothing was saved" in screen_text(app)
            await send(pilot, "/resume")
            assert screen_text(app).count(running) == 3
    app = make_app(script([text("never sent")]), name="first")  # its process was killed
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "The last turn was interrupted" in screen_text(app) and app.session.interrupted
        labels = [str(node.label) for node in app.query_one("#conversations").root.children]
        assert "▶ first (interrupted)" in labels
