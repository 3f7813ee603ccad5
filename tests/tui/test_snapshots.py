"""Snapshots of the chat's main screens at 80×24 (pytest-textual-snapshot; `--snapshot-update` redraws them).

Each test's repository lives in a directory of this run's own (two suites running at once, from two worktrees or
in CI, must not share one), whose path is as long on every run: the scripted model's token estimates, which
count the worktree path in the prompt, come out the same on every machine."""

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pygit2
import pytest

from gitagent.agent.setup import RunOptions
from gitagent.tui.app import ChatApp
from gitagent.tui.session import ChatSession
from gitagent.tui.widgets.agents import AgentsView
from gitagent.tui.widgets.blocks import ToolBlock
from gitagent.tui.widgets.completions import MentionList
from gitagent.tui.widgets.working import WorkingLine
from tests.conftest import git, text, tool
from tests.tui.conftest import approval_dialog, send, settle, until

SIZE = (80, 24)
SCRIPT = [
    [text("I'll add a greeting."), tool("Write", file_path="hello.py", content="print('hello')\n")],
    [tool("Bash", command="python3 hello.py")],
    [text("Done: `hello.py` prints **hello**.")],
]


@pytest.fixture(scope="session")
def run_dir() -> Iterator[Path]:
    """`$TMPDIR/gitagent-snap-XXXX`: this run's own, and always 18 characters long after `$TMPDIR/`."""
    while True:
        path = Path(tempfile.gettempdir()) / f"gitagent-snap-{secrets.token_hex(2)}"
        try:
            path.mkdir()
            break
        except FileExistsError:
            continue
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fixed_repo(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, run_dir: Path) -> Iterator[Path]:
    path = run_dir / request.node.name[:40].ljust(40, "_")
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# demo\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "initial commit")
    monkeypatch.chdir(path)
    yield path
    subprocess.run(["git", "worktree", "prune"], cwd=path, check=False)
    shutil.rmtree(path, ignore_errors=True)


def chat_app(repo: Path, script_path: Path, **options) -> ChatApp:
    script_path.write_text(json.dumps({"responses": SCRIPT}))
    session = ChatSession(pygit2.Repository(str(repo)), RunOptions(model=f"scripted:{script_path}", **options))
    session.open("hello", must_exist=False)
    return ChatApp(session, theme=options.pop("theme", None))


async def still(pilot) -> None:
    pilot.app.query_one("#prompt").cursor_blink = False
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


def test_after_a_turn(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "add a hello script")
        await still(pilot)

    assert snap_compare(chat_app(fixed_repo, fixed_repo / "script.json"), terminal_size=SIZE, run_before=run_before)


def test_tool_block_expanded_shows_the_diff(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "add a hello script")
        pilot.app.view.query("ToolBlock").first().action_toggle()
        await still(pilot)

    assert snap_compare(chat_app(fixed_repo, fixed_repo / "script.json"), terminal_size=SIZE, run_before=run_before)


def test_rewind_picker(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "add a hello script")
        await send(pilot, "now make it louder")
        await send(pilot, "/rewind")
        await still(pilot)

    assert snap_compare(chat_app(fixed_repo, fixed_repo / "script.json"), terminal_size=SIZE, run_before=run_before)


def test_approval_dialog(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "add a hello script", wait=False)
        await approval_dialog(pilot)
        await pilot.pause()

    app = chat_app(fixed_repo, fixed_repo / "script.json", approval="ask")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_approval_dialog_with_a_long_diff(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "write forty lines", wait=False)
        await approval_dialog(pilot)
        await pilot.pause(0.3)

    forty = "".join(f"line {n}: the approval dialog scrolls this diff\n" for n in range(1, 41))
    script = fixed_repo / "forty.json"
    script.write_text(json.dumps({"responses": [[tool("Write", file_path="forty.txt", content=forty)]]}))
    session = ChatSession(pygit2.Repository(str(fixed_repo)), RunOptions(model=f"scripted:{script}", approval="ask"))
    session.open("forty", must_exist=False)
    assert snap_compare(ChatApp(session), terminal_size=SIZE, run_before=run_before)


def test_light_theme_with_help(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "/help")
        await still(pilot)

    app = chat_app(fixed_repo, fixed_repo / "script.json")
    app.start_theme = "textual-light"
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def scripted_app(repo: Path, responses: list, **options) -> ChatApp:
    (repo / "script.json").write_text(json.dumps({"responses": responses}))
    # relative (the test runs in `repo`): the welcome shows the model's name, which must not name the run's directory
    session = ChatSession(pygit2.Repository(str(repo)), RunOptions(model="scripted:script.json", **options))
    session.open("hello", must_exist=False)
    return ChatApp(session)


def test_working_line_while_a_tool_runs(fixed_repo, snap_compare):
    async def run_before(pilot):
        app = pilot.app
        app.query_one("#prompt").cursor_blink = False
        await send(pilot, "run the slow tests", wait=False)
        working = app.query_one(WorkingLine)
        await until(pilot, lambda: "Running Bash" in working.text().plain)
        assert "Running Bash" in working.text().plain
        app.closing = True  # freeze the screen: the rest of the turn is not drawn
        working.timer.pause()
        working.frame, working.started = 0, time.monotonic() - 3.4
        working.update(working.text())
        block = app.view.query_one(ToolBlock)
        block.spinner.pause()
        block.frame = 0
        block.heading.update(block.title)
        await pilot.pause(0.1)

    app = scripted_app(fixed_repo, [[text("Running them."), tool("Bash", command="sleep 5")], [text("ok")]])
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_full_output_view(fixed_repo, snap_compare):
    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await send(pilot, "count to 300")
        await pilot.press("ctrl+o")
        await still(pilot)

    app = scripted_app(fixed_repo, [[tool("Bash", command="seq 1 300")], [text("Counted.")]])
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_mention_completion(fixed_repo, snap_compare):
    for path in ("src/app.py", "src/api.py", "src/cli/main.py", "docs/api.md"):
        (fixed_repo / path).parent.mkdir(parents=True, exist_ok=True)
        (fixed_repo / path).write_text("x = 1\n")
    git(fixed_repo, "add", ".")
    git(fixed_repo, "commit", "-q", "-m", "source")

    async def run_before(pilot):
        pilot.app.query_one("#prompt").cursor_blink = False
        await pilot.press(*"explain @api")
        await until(pilot, lambda: pilot.app.query_one(MentionList).open, tries=200)
        await still(pilot)

    assert snap_compare(scripted_app(fixed_repo, [[text("ok")]]), terminal_size=SIZE, run_before=run_before)


def test_running_subagents_above_the_prompt(fixed_repo, snap_compare):
    async def run_before(pilot):
        app = pilot.app
        app.query_one("#prompt").cursor_blink = False
        await send(pilot, "sleep with a helper", wait=False)
        view = app.query_one(AgentsView)
        # until the child's first answer (its Bash call) is saved: its tokens are counted
        await until(pilot, lambda: view.display and view.children_shown[0].tokens and app.view.query(ToolBlock))
        assert view.display
        app.closing = True  # freeze the screen: the rest of the turn is not drawn
        app.agents_timer.pause()
        view.show_children([replace(child, state="running 3s") for child in view.children_shown])
        working = app.working
        working.timer.pause()
        working.frame, working.started = 0, time.monotonic() - 3.4
        working.update(working.text())
        for block in app.view.query(ToolBlock):
            block.spinner.pause()
            block.frame = 0
            block.heading.update(block.title)
        await pilot.pause(0.1)

    path = fixed_repo / "script.json"
    (fixed_repo / "child.json").write_text(json.dumps({"responses": [[tool("Bash", command="sleep 5")], [text("ok")]]}))
    path.write_text(json.dumps({"responses": [
        [tool("Agent", description="Sleep a while", prompt="Sleep in the background", run_in_background=True)],
        [text("Waiting.")], [text("Done.")],
    ], "agents": {"background": "child.json"}}))  # fmt: skip
    session = ChatSession(pygit2.Repository(str(fixed_repo)), RunOptions(model=f"scripted:{path}"))
    session.open("hello", must_exist=False)
    assert snap_compare(ChatApp(session), terminal_size=SIZE, run_before=run_before)
