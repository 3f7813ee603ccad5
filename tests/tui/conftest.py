"""Driving the real chat app with Textual's pilot, on real repositories and the scripted model."""

from collections.abc import Callable
from pathlib import Path

import pygit2
import pytest
from textual.pilot import Pilot

from gitagent.agent.setup import RunOptions
from gitagent.tui.app import ChatApp
from gitagent.tui.screens.approval import ApprovalScreen
from gitagent.tui.session import ChatSession
from gitagent.tui.widgets.prompt import PromptInput

MakeApp = Callable[..., ChatApp]


@pytest.fixture
def make_app(repo: Path, monkeypatch: pytest.MonkeyPatch) -> MakeApp:
    """Build the chat app as `gitagent chat` does, in `repo`: `make_app(model, name=None, **options)`."""
    monkeypatch.chdir(repo)

    def make(model: str | None = None, name: str | None = None, theme: str | None = None, **options) -> ChatApp:
        session = ChatSession(pygit2.Repository(str(repo)), RunOptions(model=model, **options))
        session.open(name, must_exist=False)
        return ChatApp(session, theme=theme)

    return make


async def settle(pilot: Pilot) -> None:
    """Wait until no turn or command is running and every message they posted is drawn."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.running and not app.workers:  # type: ignore[attr-defined]
            return
    raise AssertionError("the app did not settle")


async def until(pilot: Pilot, condition: Callable[[], object], tries: int = 1500) -> None:
    """Pause, 20 ms at a time and at most `tries` times (a loaded machine can take seconds), until `condition()`
    holds; the caller asserts what it needs afterwards."""
    for _ in range(tries):
        await pilot.pause(0.02)
        if condition():
            return


async def send(pilot: Pilot, text: str, wait: bool = True) -> None:
    """Type `text` into the prompt and press Enter (then wait for what it started to finish)."""
    prompt = pilot.app.query_one(PromptInput)
    prompt.load_text(text)
    await pilot.press("enter")
    if wait:
        await settle(pilot)


async def approval_dialog(pilot: Pilot, after: ApprovalScreen | None = None) -> ApprovalScreen:
    """Wait for the approval dialog (a new one, not `after`) to be drawn, and return it. The dialog is the
    app's screen from the moment it is pushed, before its buttons and diff exist."""
    for _ in range(400):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, ApprovalScreen) and screen is not after and screen.query("#once"):
            return screen
    raise AssertionError("no approval dialog")


def screen_text(app: ChatApp) -> str:
    """Everything the conversation pane and the notices hold, as plain text."""
    parts = []
    for widget in app.view.query("*"):
        content = getattr(widget, "content", None) or getattr(widget, "source", None)
        if isinstance(content, str):
            parts.append(content)
        elif content is not None:
            parts.append(str(content))
        title = getattr(widget, "title", None)
        if isinstance(title, str):
            parts.append(title)
    return "\n".join(parts)


def rendered(app: ChatApp) -> str:
    """The screen as the terminal would show it: every line the compositor draws, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
