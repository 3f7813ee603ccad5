"""`@` mentions (completion, and what reaches the model, checked against Claude Code's) and `!command` in the
conversation's sandbox, through the pilot."""

import json
import re
from pathlib import Path

from gitagent.agent.record import turn_messages
from gitagent.store import turns
from gitagent.tui.mentions import attachments_for, matches, mentioned, partial_at
from gitagent.tui.widgets.blocks import PromptBlock, ToolBlock
from gitagent.tui.widgets.completions import MentionList
from gitagent.tui.widgets.prompt import PromptInput
from tests.conftest import conversation_head, git, text, worktree
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply
from tests.tui.conftest import screen_text, send, settle

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "claude_code_mentions.json").read_text())


def add_source(repo: Path, api: bool = True) -> None:
    """The files the Claude Code fixture was recorded with (and, unless `api` is false, src/api.py too)."""
    for path, content in FIXTURE["files"].items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(content)
    if api:
        (repo / "src" / "api.py").write_text("API = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "source")


def numbered(text: str) -> list[tuple[int, str]]:
    """(line number, line) pairs of a `cat -n`-like listing, whatever the padding."""
    return [(int(m[1]), m[2]) for m in re.finditer(r"^\s*(\d+)\t(.*)$", text, re.M) if m[2]]


def test_completion_ranks_names_then_paths_then_letters_in_order() -> None:
    paths = ["README.md", "src/app.py", "src/api.py", "tests/test_app.py", "src/"]
    assert matches(paths, "app") == ["src/app.py", "tests/test_app.py", "src/api.py"]
    assert matches(paths, "src/a") == ["src/api.py", "src/app.py"]
    assert matches(paths, "tap") == ["tests/test_app.py"]
    assert matches(paths, "SRC") == ["src/", "src/api.py", "src/app.py"]
    assert partial_at("look at @src/ap", 15) == "src/ap" and partial_at("mail a@b", 8) is None
    assert mentioned('see @a.py, @"my file.txt" and @a.py; mail x@y.z') == ["a.py,", "my file.txt", "a.py;"]


def test_mentions_attach_files_and_directories_inside_the_root_only(repo: Path, tmp_path: Path) -> None:
    add_source(repo)
    (tmp_path / "secret.txt").write_text("top secret\n")
    attached = attachments_for("see @src/app.py, @src and @../secret.txt and @nothing.txt", repo)
    assert [(a["type"], a["path"]) for a in attached] == [("file", "src/app.py"), ("directory", "src")]
    assert attached[1]["entries"] == ["api.py", "app.py"]
    assert not attachments_for(f"@{tmp_path / 'secret.txt'} @.git/config", repo)


async def test_typing_at_offers_the_worktree_paths_and_tab_takes_one(repo, script, make_app):
    add_source(repo)
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"look at @ap")
        mentions = app.query_one(MentionList)
        for _ in range(100):
            await pilot.pause(0.02)
            if mentions.open:
                break
        assert [mentions.get_option_at_index(i).id for i in range(mentions.option_count)] == [
            "src/api.py",
            "src/app.py",
        ]
        await pilot.press("down", "tab")
        prompt = app.query_one(PromptInput)
        assert prompt.text == "look at @src/app.py " and not mentions.open
        await pilot.press(*"and @ap")
        for _ in range(100):
            await pilot.pause(0.02)
            if mentions.open:
                break
        await pilot.click(MentionList, offset=(3, 0))  # a click takes a path too
        assert prompt.text == "look at @src/app.py and @src/api.py " and prompt.has_focus
        prompt.load_text("look at @src/app.py ")
        prompt.move_cursor(prompt.document.end)
        await pilot.press(*"@READ", "escape")
        assert not mentions.open and prompt.text.endswith("@READ") and not app.running
        await pilot.press(*"ME.md")
        for _ in range(100):
            await pilot.pause(0.02)
            if mentions.open:
                break
        await pilot.press("enter")  # the path is typed out: Enter sends the prompt
        await settle(pilot)
        assert str(app.view.query(PromptBlock).first().content).endswith("+ @README.md (1 line)")


async def test_a_mentioned_file_reaches_the_model_before_the_prompt_as_claude_code_sends_it(
    repo, anthropic, make_app, monkeypatch
):
    add_source(repo, api=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    app = make_app("anthropic:claude-sonnet-5-5", name="m", base_url=anthropic.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        for case in FIXTURE["cases"]:
            anthropic.push(Reply([{"type": "text", "text": "seen"}]))
            await send(pilot, case["prompt"])
            blocks = [b["text"] for b in anthropic.bodies[-1]["messages"][-1]["content"] if b["type"] == "text"]
            position = blocks.index(case["prompt"])  # the prompt itself goes as typed
            before = blocks[:position]
            assert len(before) == len(case["attached_before_prompt"])
            for ours, theirs in zip(before, case["attached_before_prompt"], strict=True):
                if theirs["tool"] == "Read":
                    assert theirs["input"]["file_path"] in ours
                    assert numbered(ours) == numbered(theirs["result"])
                else:  # Claude Code lists a directory with `ls`
                    assert ours.split("\n")[1:] == theirs["result"].split("\n")
        assert "+ @src/app.py (2 lines)" in str(app.view.query(PromptBlock).first().content)
    recorded = turns.read_turn(conversation_head(repo, "m"))["events"][0]
    assert recorded["text"] == "see @src and @missing.txt"
    assert recorded["attachments"] == [{"type": "directory", "path": "src", "entries": ["app.py"]}]


async def test_a_shell_command_runs_in_the_sandbox_and_goes_with_the_next_prompt(repo, cli, script, make_app):
    app = make_app(script([text("noted")]), name="sh")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "!touch made-before-any-turn.txt")  # no worktree yet: the checkout, read-only
        assert "Read-only file system" in screen_text(app)
        assert not (repo / "made-before-any-turn.txt").exists()
        await send(pilot, "start")
        await send(pilot, "!echo from-the-shell > made.txt && cat made.txt && ls ~ | wc -l")
        block = list(app.view.query(ToolBlock))[-1]
        assert block.title.startswith("▼ ✓ ! echo from-the-shell") and block.expanded
        assert "from-the-shell\n0" in block.outcome.output  # the home directory is hidden, as for Bash
        assert (worktree(repo, "sh") / "made.txt").read_text() == "from-the-shell\n"
        assert "goes with your next prompt" in screen_text(app)
        await send(pilot, "what did it print?")
    user = turns.read_turn(conversation_head(repo, "sh"))["events"][0]
    assert user["text"] == "what did it print?"
    (attachment,) = user["attachments"]
    assert attachment["type"] == "shell" and attachment["exit_code"] == 0
    assert attachment["command"].startswith("echo from-the-shell")
    message = turn_messages([user])[0]["content"]
    assert "from-the-shell" in message[0]["text"] and message[1]["text"] == "what did it print?"
    assert "> what did it print?\n  + !echo from-the-shell > made.txt" in cli("show", "sh").out


async def test_esc_stops_a_shell_command_and_its_output_is_not_kept(repo, script, make_app):
    app = make_app(script([text("ok")]), name="stop")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "start")
        await send(pilot, "!sleep 30", wait=False)
        for _ in range(100):
            await pilot.pause(0.05)
            if app.session.worker is not None:
                break
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        assert "Interrupted: the command was stopped" in screen_text(app)
        assert app.shell_output == []
