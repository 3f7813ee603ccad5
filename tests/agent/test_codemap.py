"""The first turn of a new conversation never waits long for a cold code map: it starts without it, the user is
told, the RepoMap tool still gives the model the map, and what was parsed is cached for the next conversation."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from gitagent.agent import codemap
from gitagent.agent.events import Event, Notice, ToolFinished
from gitagent.agent.session import run_turn
from gitagent.agent.turn import TurnSettings
from gitagent.models import ModelRequest, ModelResponse
from gitagent.sandbox import UnconfinedSandbox
from tests.conftest import git

FILES = 200  # enough to be parsed by worker processes, which take longer to start than the wait below


class MapAsker:
    """Asks for the RepoMap once, then answers; remembers each request's system prompt."""

    spec = "test:map-asker"

    def __init__(self) -> None:
        self.systems: list[str] = []

    def stream(self, request: ModelRequest) -> Iterator[ModelResponse]:
        self.systems.append(request.system)
        if len(self.systems) % 2:
            yield ModelResponse([{"type": "tool_use", "id": "m1", "name": "RepoMap", "input": {}}], "tool_use")
        else:
            yield ModelResponse([{"type": "text", "text": "mapped"}], "end_turn")


class Answerer:
    """Answers at once; remembers each request's system prompt."""

    spec = "test:answerer"

    def __init__(self) -> None:
        self.systems: list[str] = []

    def stream(self, request: ModelRequest) -> Iterator[ModelResponse]:
        self.systems.append(request.system)
        yield ModelResponse([{"type": "text", "text": "hello"}], "end_turn")


@pytest.fixture
def big_repo(repo: Path) -> pygit2.Repository:
    for n in range(FILES):
        path = repo / f"pkg/sub{n % 10}/module_{n}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"class Widget{n}:\n    def render_{n}(self) -> str:\n        return 'w{n}'\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "many modules")
    return pygit2.Repository(str(repo))


def test_a_cold_map_does_not_hold_up_the_first_request(big_repo, monkeypatch) -> None:
    monkeypatch.setattr(codemap, "WAIT_S", 0.01)
    events: list[Event] = []
    model = MapAsker()
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox(), emit=events.append)

    outcome = run_turn(big_repo, "cold", "map the code", settings)

    assert outcome.result == "mapped"
    assert codemap.PENDING in model.systems[0] and "Repository map" not in model.systems[0]
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert any(n.startswith("building the code map in the background") for n in notices), notices
    [result] = [e.result.output for e in events if isinstance(e, ToolFinished)]
    assert "pkg/sub" in result and "class Widget" in result  # the tool waited for the build and gave the map


def test_the_next_conversation_gets_the_cached_map_in_its_prompt(big_repo, monkeypatch) -> None:
    model = MapAsker()
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox())
    monkeypatch.setattr(codemap, "WAIT_S", 0.01)
    run_turn(big_repo, "first", "map the code", settings)  # parses everything (the tool waits for it)
    monkeypatch.setattr(codemap, "WAIT_S", 60.0)

    run_turn(big_repo, "second", "map the code", settings)

    assert "Repository map" in model.systems[2] and "class Widget" in model.systems[2]


def test_the_turn_does_not_wait_for_a_map_still_listing_files(big_repo, monkeypatch) -> None:
    from gitagent.repomap import files

    listing, release, listed = threading.Event(), threading.Event(), threading.Event()
    real_list_tree = files.list_tree

    def slow_list_tree(*args, **kwargs):
        listing.set()
        release.wait(60)  # listing a huge tree on a loaded machine
        listed.set()
        return real_list_tree(*args, **kwargs)

    monkeypatch.setattr(files, "list_tree", slow_list_tree)
    monkeypatch.setattr(codemap, "WAIT_S", 0.01)
    model = Answerer()
    settings = TurnSettings(model=model, make_sandbox=lambda worktree: UnconfinedSandbox())
    try:
        outcome = run_turn(big_repo, "listing", "hello", settings)
        assert listing.is_set() and not listed.is_set()  # the turn ended while the map was still listing files
    finally:
        release.set()
    assert outcome.status == "complete" and codemap.PENDING in model.systems[0]
