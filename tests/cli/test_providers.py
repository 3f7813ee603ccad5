"""Real providers end to end: the installed CLI, the real SDKs, wire-compatible servers on 127.0.0.1."""

import json
import subprocess
from pathlib import Path

from tests.conftest import conversation_head, git, run_cli, worktree
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import API_KEY as OPENAI_KEY
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Fail, Reply

WRITE = {"type": "tool_use", "name": "Write", "input": {"file_path": "notes.txt", "content": "hi\n"}}


def _env(anthropic: FakeAnthropic, openai: FakeOpenAI | None = None) -> dict[str, str]:
    env = {"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    if openai is not None:
        env |= {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": openai.base_url}
    return env


def test_a_tool_using_turn_on_anthropic_with_cache_breakpoints_usage_and_cost(repo: Path, anthropic) -> None:
    anthropic.push(
        Reply([{"type": "text", "text": "Writing."}, WRITE], usage={"cache_write_tokens": 900}),
        Reply([{"type": "text", "text": "Wrote notes.txt."}], usage={"cache_read_tokens": 900}),
    )
    result = run_cli(repo, "run", "-c", "a", "--model", "anthropic:claude-sonnet-4-5", "note it", env=_env(anthropic))
    assert result.code == 0, result.err
    assert "Wrote notes.txt." in result.out
    assert (worktree(repo, "a") / "notes.txt").read_text() == "hi\n"
    second = anthropic.bodies[1]
    assert second["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert second["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert second["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert second["messages"][-1]["content"][0]["type"] == "tool_result"
    message = conversation_head(repo, "a").message
    assert "Gitagent-Tokens: input=200 output=40 cache-read=900 cache-write=900" in message
    assert "Gitagent-Cost: 0.004845 USD" in message  # priced from models/catalog.json
    assert "$0.0048" in run_cli(repo, "log", "a").out


def test_the_default_claude_thinks_and_gets_its_thinking_back_within_the_turn(repo: Path, anthropic) -> None:
    thinking = {"type": "thinking", "thinking": "A note file will do.", "signature": "c2lnbmVk"}
    anthropic.push(
        Reply([thinking, WRITE]),
        Reply([{"type": "text", "text": "Wrote it."}]),
        Reply([{"type": "text", "text": "Still there."}]),
    )
    env = _env(anthropic)
    assert run_cli(repo, "run", "-c", "t", "note it", env=env).code == 0
    result = run_cli(repo, "run", "-c", "t", "--output-format", "json", "is it there?", env=env)
    assert result.code == 0, result.err
    first, second, third = anthropic.bodies
    assert first["model"] == "claude-sonnet-5-5" and first["max_tokens"] == 32000
    assert second["messages"][1]["content"][0] == thinking  # the tool result's cycle: sent back as received
    assert "thinking" not in json.dumps(third["messages"])  # an earlier prompt's: left out
    assert json.loads(result.out)["model"] == "anthropic:claude-sonnet-5-5"
    first_turn = conversation_head(repo, "t").parents[0]
    assert "A note file will do." in first_turn.tree["turn.json"].data.decode()  # the audit trail keeps it


def test_a_retiring_model_is_used_with_a_warning_naming_its_successor(repo: Path, anthropic) -> None:
    result = run_cli(repo, "run", "-c", "old", "--model", "anthropic:claude-sonnet-4-5", "hi", env=_env(anthropic))
    assert result.code == 0, result.err
    assert "anthropic:claude-sonnet-4-5 " in result.err and "turned off by its provider on 2026-11-30" in result.err
    assert "--model anthropic:claude-sonnet-5-5" in result.err


def test_a_conversation_switches_provider_between_turns(repo: Path, anthropic, openai) -> None:
    anthropic.push(Reply([WRITE]), Reply([{"type": "text", "text": "done on claude"}]))
    openai.push(Reply([{"type": "text", "text": "done on gpt"}]))
    env = _env(anthropic, openai)
    assert run_cli(repo, "run", "-c", "s", "--model", "anthropic:claude-sonnet-4-5", "one", env=env).code == 0
    result = run_cli(repo, "run", "-c", "s", "--model", "openai:gpt-5", "two", env=env)
    assert result.code == 0 and "done on gpt" in result.out
    sent = openai.bodies[0]["messages"]
    roles = [m["role"] for m in sent]
    assert roles[:2] == ["system", "user"] and "tool" in roles and roles[-1] == "user"
    assert any(m.get("tool_calls") for m in sent if m["role"] == "assistant")
    assert "Gitagent-Model: openai:gpt-5" in conversation_head(repo, "s").message


def test_keys_never_reach_git_logs_or_output(repo: Path, anthropic) -> None:
    anthropic.push(Reply([{"type": "tool_use", "name": "Bash", "input": {"command": "env; echo ok"}}]),
                   Reply([{"type": "text", "text": "ok"}]))  # fmt: skip
    hook = repo / ".gitagent" / "hooks" / "PreToolUse" / "dump"
    hook.parent.mkdir(parents=True)
    hook.write_text(
        '#!/bin/sh\nenv > "$GITAGENT_PROJECT_DIR/../hook-env.txt"; cat > "$GITAGENT_PROJECT_DIR/../hook-in.txt"\n'
    )
    hook.chmod(0o755)
    result = run_cli(repo, "run", "-c", "k", "--trust-repo", "--model", "anthropic:claude-sonnet-4-5", "go",
                     env=_env(anthropic))  # fmt: skip
    assert result.code == 0, result.err
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True)
    for text in (objects.stdout, result.out.encode(), result.err.encode()):
        assert ANTHROPIC_KEY.encode() not in text
    for path in [*(repo / ".git").rglob("*"), repo.parent / "hook-env.txt", repo.parent / "hook-in.txt"]:
        if path.is_file():
            assert ANTHROPIC_KEY.encode() not in path.read_bytes(), path
    tool_output = json.loads(conversation_head(repo, "k").tree["turn.json"].data)["events"]
    assert "ANTHROPIC" not in json.dumps(tool_output)


def test_a_rejected_key_gets_a_clear_message_and_no_retry(repo: Path, anthropic) -> None:
    env = {**_env(anthropic), "ANTHROPIC_API_KEY": "sk-ant-wrong-key-123"}
    result = run_cli(repo, "run", "-c", "r", "--model", "anthropic:claude-sonnet-4-5", "hi", env=env)
    assert result.code == 1
    assert "ANTHROPIC_API_KEY" in result.err and "sk-ant-wrong-key-123" not in result.err
    assert len(anthropic.requests) == 1
    assert "Traceback" not in result.err


def test_overload_is_retried_with_progress_shown(repo: Path, anthropic) -> None:
    anthropic.push(Fail(529, "Overloaded", "overloaded_error", headers={"retry-after": "0"}),
                   Reply([{"type": "text", "text": "made it"}]))  # fmt: skip
    result = run_cli(repo, "run", "-c", "o", "--model", "anthropic:claude-sonnet-4-5", "hi", env=_env(anthropic))
    assert result.code == 0 and "made it" in result.out
    assert "retrying" in result.err and "overloaded" in result.err.lower()


def test_compaction_summarises_older_turns_into_context_json(repo: Path, anthropic) -> None:
    env = _env(anthropic)
    anthropic.push(Reply([{"type": "text", "text": "first answer"}]))
    assert run_cli(repo, "run", "-c", "c", "--model", "anthropic:claude-sonnet-4-5", "first", env=env).code == 0
    git(repo, "config", "gitagent.compactAt", "0.000001")
    anthropic.push(Reply([{"type": "text", "text": "SUMMARY: the user asked for the first thing"}]),
                   Reply([{"type": "text", "text": "second answer"}]))  # fmt: skip
    assert run_cli(repo, "run", "-c", "c", "--model", "anthropic:claude-sonnet-4-5", "second", env=env).code == 0
    head = conversation_head(repo, "c")
    context = json.loads(head.tree["context.json"].data)["messages"]
    assert "SUMMARY: the user asked for the first thing" in context[0]["content"][0]["text"]
    last_request = anthropic.bodies[-1]["messages"]
    assert "SUMMARY" in json.dumps(last_request[0]) and "first answer" not in json.dumps(last_request)
    assert json.loads(head.parents[0].tree["turn.json"].data)["result"] == "first answer"  # history untouched


def test_doctor_reports_keys_without_printing_them(repo: Path, anthropic) -> None:
    result = run_cli(repo, "doctor", env=_env(anthropic))
    assert "key from environment (ANTHROPIC_API_KEY)" in result.out
    assert f"reachable at {anthropic.base_url} (HTTP 200" in result.out
    assert ANTHROPIC_KEY not in result.out + result.err
    assert "model      anthropic:claude-sonnet-5-5" in result.out


def test_doctor_checks_the_server_run_would_use(repo: Path, anthropic) -> None:
    env = {"ANTHROPIC_API_KEY": ANTHROPIC_KEY}  # no ANTHROPIC_BASE_URL: the server comes from gitagent's config
    git(repo, "config", "gitagent.baseUrl", anthropic.base_url)
    configured = run_cli(repo, "doctor", env=env)
    assert f"anthropic  key from environment (ANTHROPIC_API_KEY); reachable at {anthropic.base_url}" in configured.out
    assert f"model      anthropic:claude-sonnet-5-5 at {anthropic.base_url}" in configured.out
    git(repo, "config", "--unset", "gitagent.baseUrl")
    flagged = run_cli(repo, "doctor", "--base-url", anthropic.base_url, "-m", "anthropic:claude-opus-4-1", env=env)
    assert f"reachable at {anthropic.base_url} (HTTP 200" in flagged.out
    assert f"model      anthropic:claude-opus-4-1 at {anthropic.base_url}" in flagged.out
    anthropic.push(Reply([{"type": "text", "text": "same server"}]))
    ran = run_cli(repo, "run", "--base-url", anthropic.base_url, "-m", "anthropic:claude-opus-4-1", "hi", env=env)
    assert ran.code == 0 and "same server" in ran.out and anthropic.bodies[-1]["model"] == "claude-opus-4-1"


def test_doctor_lists_the_instruction_files_and_rules_a_run_reads(repo: Path) -> None:
    (repo / "AGENTS.md").write_text("Shared rules.\n")
    (repo / "CLAUDE.md").write_text("@AGENTS.md\n@/etc/passwd\n")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"deny": ["Read(.env)", "Bsah"]}}))
    out = run_cli(repo, "doctor", "--model", "scripted:nothing.json").out
    assert "instructions 2 files, 38 bytes (cut at 32 KiB)\n           CLAUDE.md  24 bytes\n" in out
    assert "           AGENTS.md  14 bytes  (imported by CLAUDE.md:1)\n" in out
    assert "           refused: CLAUDE.md:2: @/etc/passwd not imported" in out
    assert "rules      auto mode; 2 deny, 0 ask, 0 allow rules\n" in out
    assert "warning: " in out and "permission rule Bsah: no tool is called 'Bsah'" in out


def test_a_new_conversation_starts_with_a_code_map_in_its_prompt(repo: Path, anthropic) -> None:
    (repo / "shop.py").write_text(
        "class Cart:\n    def total(self, prices: list[int]) -> int:\n        return sum(prices)\n"
    )
    git(repo, "add", "shop.py")
    git(repo, "commit", "-q", "-m", "add shop")
    env = _env(anthropic)
    # a warm cache, so the map is ready within the turn's short wait however loaded the machine is
    assert run_cli(repo, "map", env=env).code == 0
    anthropic.push(Reply([{"type": "text", "text": "one"}]), Reply([{"type": "text", "text": "two"}]))
    assert run_cli(repo, "run", "-c", "m", "--model", "anthropic:claude-sonnet-4-5", "hi", env=env).code == 0
    assert run_cli(repo, "run", "-c", "m", "--model", "anthropic:claude-sonnet-4-5", "again", env=env).code == 0
    first, second = (json.dumps(body["system"]) for body in anthropic.bodies)
    assert "shop.py" in first and "def total(self, prices: list[int]) -> int" in first
    assert "shop.py" not in second
    anthropic.push(Reply([{"type": "text", "text": "three"}]))
    run_cli(repo, "run", "-c", "n", "--no-repo-map", "--model", "anthropic:claude-sonnet-4-5", "hi", env=env)
    assert "shop.py" not in json.dumps(anthropic.bodies[-1]["system"])


def test_a_context_length_error_compacts_and_retries_once(repo: Path, anthropic) -> None:
    from tests.fakes.anthropic_server import prompt_too_long

    env = _env(anthropic)
    anthropic.push(Reply([{"type": "text", "text": "first answer"}]))
    assert run_cli(repo, "run", "-c", "l", "--model", "anthropic:claude-sonnet-4-5", "first", env=env).code == 0
    anthropic.push(prompt_too_long(), Reply([{"type": "text", "text": "SUMMARY of turn one"}]),
                   Reply([{"type": "text", "text": "second answer"}]))  # fmt: skip
    result = run_cli(repo, "run", "-c", "l", "--output-format", "json", "--model", "anthropic:claude-sonnet-4-5",
                     "second", env=env)  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["result"] == "second answer" and data["cost_usd"] > 0
    assert "SUMMARY of turn one" in conversation_head(repo, "l").tree["context.json"].data.decode()
