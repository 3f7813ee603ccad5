"""`/init`, `/cost`, `/clear`, the `/model` picker, and custom slash commands (trusted like hooks), through
the pilot."""

import json
from pathlib import Path

from textual.command import CommandList

from gitagent.agent.trust import trust
from gitagent.commands import discover_commands
from gitagent.store import turns
from gitagent.tui.screens.models import ModelScreen
from gitagent.tui.widgets.blocks import NoticeBlock
from gitagent.tui.widgets.prompt import PromptInput
from tests.commands.test_commands import FIXTURE
from tests.conftest import conversation_head, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Reply
from tests.tui.conftest import screen_text, send, settle

REVIEW = next(c for c in FIXTURE["cases"] if c["command"] == "review")


def last_notice(app) -> str:
    return str(list(app.view.query(NoticeBlock))[-1].content)


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


async def test_init_has_the_agent_write_agents_md(repo, script, make_app):
    app = make_app(script([tool("Write", file_path="AGENTS.md", content="# Agents\nRun `make test`.\n")], [text("ok")]))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "/init")
        name = app.session.name
    user = turns.read_turn(conversation_head(repo, name))["events"][0]
    assert user["text"] == "/init"
    (command,) = user["attachments"]
    assert command["type"] == "command" and command["name"] == "init" and "AGENTS.md" in command["text"]
    assert (worktree(repo, name) / "AGENTS.md").read_text().startswith("# Agents")


async def test_cost_totals_the_session_and_the_conversation_and_clear_starts_anew(repo, cli, script, make_app):
    cli("run", "-c", "c", "--model", script([text("earlier")]), "an earlier turn")
    app = make_app(script([text("ok")]), name="c")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "another")
        await send(pilot, "/cost")
        listing = screen_text(app)
        session_tokens = app.session.totals.usage.total
        assert "This session: 1 turn," in listing
        assert "c: 2 turns," in listing and "no price known for its models" in listing
        whole = sum(
            turns.read_turn(commit).get("usage", {}).get("input_tokens", 0)
            for commit in [conversation_head(repo, "c"), conversation_head(repo, "c").parents[0]]
        )
        assert whole > session_tokens > 0
        await send(pilot, "/clear")
        assert app.session.name is None and "New conversation" in last_notice(app)


async def test_the_model_picker_marks_providers_without_a_key_and_sets_the_chosen_model(script, make_app, monkeypatch):
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/model")
        picker = app.screen
        assert isinstance(picker, ModelScreen)
        options = picker.query_one("OptionList")
        rows = [options.get_option_at_index(i) for i in range(options.option_count)]
        assert rows and all(row.disabled for row in rows)
        assert "no key: set ANTHROPIC_API_KEY" in str(rows[0].prompt)
        await pilot.press("escape")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    app = make_app(script([text("ok")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/model")
        options = app.screen.query_one("OptionList")
        anthropic = [options.get_option_at_index(i) for i in range(options.option_count)]
        usable = [row.id for row in anthropic if not row.disabled]
        assert usable and all(spec.startswith("anthropic:") for spec in usable)
        options.highlighted = next(i for i, row in enumerate(anthropic) if row.id == usable[1])
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.options.model == usable[1]
        assert f"The next turns use {usable[1]}" in last_notice(app)


async def test_a_repository_command_runs_once_trusted_with_its_model_and_expansion(
    repo, anthropic, make_app, monkeypatch
):
    write(repo / REVIEW["file"], REVIEW["content"])
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    app = make_app("anthropic:claude-sonnet-5-5", name="rev", base_url=anthropic.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "/help")
        assert "/review FILE [FOCUS]" in screen_text(app) and "Review a file (repo, untrusted" in screen_text(app)
        await send(pilot, f"/review {REVIEW['arguments']}")
        assert "is not trusted" in last_notice(app) and "gitagent trust" in last_notice(app)
        assert not anthropic.bodies
        command = discover_commands(repo).commands["review"]
        trust(app.session.repo, [command.content_id])
        prompt = app.query_one(PromptInput)
        prompt.load_text("/rev")
        await pilot.press("tab")
        assert prompt.text == "/review "
        anthropic.push(Reply([{"type": "text", "text": "reviewed"}]))
        await send(pilot, f"/review {REVIEW['arguments']}")
        body = anthropic.bodies[-1]
    assert body["model"] == REVIEW["model"]  # the command's `model`, as Claude Code sends it
    texts = [b["text"] for b in body["messages"][-1]["content"] if b["type"] == "text"]
    assert texts[-1] == REVIEW["expanded"]
    user = turns.read_turn(conversation_head(repo, "rev"))["events"][0]
    assert user["text"] == f"/review {REVIEW['arguments']}"
    assert user["attachments"][-1] == {
        "type": "command", "name": "review", "arguments": REVIEW["arguments"], "text": REVIEW["expanded"]
    }  # fmt: skip


async def test_a_users_command_needs_no_trust_and_its_allowed_tools_skip_the_approval(repo, script, make_app):
    home = Path(__import__("os").environ["GITAGENT_HOME"])
    write(home / "commands" / "git" / "status.md", "---\nallowed-tools: Bash(git status*)\n---\nRun git status $0.\n")
    model = script([tool("Bash", command="git status --short")], [text("clean")])
    app = make_app(model, name="st", approval="ask")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p", *"git:st")
        listed = ""
        for _ in range(100):
            await pilot.pause(0.05)
            commands = app.screen.query(CommandList)
            listed = " ".join(str(o.prompt) for c in commands for o in c.options)
            if "/git:status" in listed:
                break
        assert "/git:status" in listed and "(user)" in listed
        await pilot.press("escape")
        await send(pilot, "/git:status --short")
    events = turns.read_turn(conversation_head(repo, "st"))["events"]
    assert events[0]["attachments"][-1]["text"] == "Run git status --short.\n"
    (permission,) = [e for e in events if e["type"] == "permission"]
    assert permission["allowed"] and "Bash(git status*)" in permission["reason"]
    assert "/git:status" in permission["reason"]


def test_gitagent_trust_lists_and_trusts_repository_commands(repo, cli):
    write(repo / ".claude" / "commands" / "frontend" / "component.md", "Build $ARGUMENTS\n")
    assert (
        "UNTRUSTED  command  /frontend:component (.claude/commands/frontend/component.md)" in cli("trust", "--list").out
    )
    cli("trust")
    listed = json.loads(cli("trust", "--list", "--json").out)
    assert [(i["kind"], i["trusted"]) for i in listed] == [("command", True)]
