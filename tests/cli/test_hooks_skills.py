"""Repository hooks and skills in real turns: trust first, then they run, and the turn records what they did."""

import json
from pathlib import Path

from tests.conftest import conversation_head, git, text, tool, worktree

GUARD = """#!/usr/bin/env python3
# A Claude Code PreToolUse hook, unchanged: block destructive commands.
import json, sys
event = json.load(sys.stdin)
if event["tool_name"] == "Bash" and "rm -rf" in event["tool_input"].get("command", ""):
    print("rm -rf is not allowed here", file=sys.stderr)
    sys.exit(2)
"""


def _hook(repo: Path, event: str, name: str, body: str) -> None:
    path = repo / ".gitagent" / "hooks" / event / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)


def _events(repo: Path, name: str) -> list[dict]:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]


DANGER = ([tool("Bash", command="rm -rf build && echo gone")], [text("tried")])


def test_untrusted_hooks_are_reported_and_skipped_until_trusted(repo: Path, cli, script) -> None:
    _hook(repo, "PreToolUse", "guard", GUARD)
    result = cli("run", "-c", "u", "--model", script(*DANGER), "clean")
    assert "skipped untrusted repository hooks for PreToolUse" in result.err
    assert next(e for e in _events(repo, "u") if e["type"] == "hook")["verdict"] == "skipped-untrusted"

    listing = cli("trust", "--list").out
    assert "UNTRUSTED  hook" in listing and "guard" in listing
    assert "trusted now: hook" in cli("trust").out
    cli("run", "-c", "t", "--model", script(*DANGER), "clean")
    results = [e for e in _events(repo, "t") if e["type"] == "tool_result"]
    assert results[0]["is_error"] and "rm -rf is not allowed here" in results[0]["content"]
    hook = next(e for e in _events(repo, "t") if e["type"] == "hook")
    assert hook["exit"] == 2 and hook["source"] == "repo"
    assert "guard" in cli("show", "t").out

    (repo / ".gitagent" / "hooks" / "PreToolUse" / "guard").write_text(GUARD + "\n# changed\n")
    assert "UNTRUSTED  hook" in cli("trust", "--list").out  # a changed hook needs trusting again


def test_trust_repo_flag_runs_them_for_one_run(repo: Path, cli, script) -> None:
    _hook(repo, "PreToolUse", "guard", GUARD)
    cli("run", "-c", "f", "--trust-repo", "--model", script(*DANGER), "clean")
    assert "rm -rf is not allowed here" in json.dumps(_events(repo, "f"))


def test_claude_settings_hooks_run_with_the_project_dir(repo: Path, cli, script) -> None:
    (repo / ".claude").mkdir()
    output = {"hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": "project at DIR"}}
    command = "echo '" + json.dumps(output).replace("DIR", "'\"$CLAUDE_PROJECT_DIR\"'") + "'"
    settings = {
        "hooks": {"PostToolUse": [{"matcher": "Write|Edit", "hooks": [{"type": "command", "command": command}]}]}
    }
    (repo / ".claude" / "settings.json").write_text(json.dumps(settings))
    cli("trust")
    cli("run", "-c", "c", "--model", script([tool("Write", file_path="a.txt", content="a")], [text("ok")]), "w")
    result = next(e for e in _events(repo, "c") if e["type"] == "tool_result")
    assert f"project at {repo}" in result["content"]


def test_stop_prompt_and_commit_hooks(repo: Path, cli, script) -> None:
    _hook(
        repo,
        "Stop",
        "keep-going",
        """#!/bin/sh
if grep -q '"stop_hook_active": false' ; then echo "also write DONE" >&2; exit 2; fi
""",
    )
    _hook(repo, "UserPromptSubmit", "context", "#!/bin/sh\necho 'The release is on Friday.'\n")
    _hook(
        repo,
        "PreTurnCommit",
        "ticket",
        """#!/bin/sh
echo '{"hookSpecificOutput": {"hookEventName": "PreTurnCommit", "trailers": {"Ticket": "GA-7"}}}'
""",
    )
    cli("trust")
    responses = ([text("first answer")], [tool("Write", file_path="DONE", content="")], [text("now done")])
    cli("run", "-c", "s", "--model", script(*responses), "do it")
    events = _events(repo, "s")
    assert next(e for e in events if e["type"] == "user")["context"] == ["The release is on Friday."]
    assert next(e for e in events if e["type"] == "stop_feedback")["text"].strip() == "also write DONE"
    assert (worktree(repo, "s") / "DONE").exists()
    head = conversation_head(repo, "s")
    assert "Ticket: GA-7" in head.message
    assert json.loads(head.tree["turn.json"].data)["result"] == "now done"


def test_a_prompt_refused_by_a_hook_writes_nothing(repo: Path, cli, script) -> None:
    _hook(repo, "UserPromptSubmit", "no-secrets", "#!/bin/sh\necho 'prompts may not mention passwords' >&2\nexit 2\n")
    cli("trust")
    result = cli("run", "-c", "p", "--model", script([text("x")]), "what is the password", expect=1)
    assert "refused by a UserPromptSubmit hook: prompts may not mention passwords" in result.err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""


def _skill(repo: Path) -> Path:
    folder = repo / ".gitagent" / "skills" / "release-notes"
    (folder / "scripts").mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: release-notes\ndescription: Write release notes from the git log. Use before a release.\n---\n"
        "Run scripts/notes.sh and put its output in NOTES.md.\n"
    )
    (folder / "scripts" / "notes.sh").write_text("#!/bin/sh\necho '- first release'\n")
    (folder / "scripts" / "notes.sh").chmod(0o755)
    return folder


def test_the_skill_tool_loads_a_trusted_skill_whose_script_runs_in_the_sandbox(repo: Path, cli, script) -> None:
    folder = _skill(repo)
    responses = (
        [tool("Skill", name="release-notes")],
        [tool("Bash", command=f"{folder.resolve()}/scripts/notes.sh > NOTES.md")],
        [text("notes written")],
    )
    untrusted = cli("run", "-c", "n0", "--model", script(*responses), "notes")
    assert "skipped untrusted repository skills: release-notes" in untrusted.err
    cli("trust")
    cli("run", "-c", "n", "--model", script(*responses), "notes")
    results = [e for e in _events(repo, "n") if e["type"] == "tool_result"]
    assert "Run scripts/notes.sh" in results[0]["content"] and "scripts/notes.sh" in results[0]["content"]
    assert not results[1]["is_error"], results[1]["content"]
    assert (worktree(repo, "n") / "NOTES.md").read_text() == "- first release\n"
    assert "release-notes" in cli("skills", "list").out


def test_claude_codes_skill_input_and_a_long_description_work_in_a_run(repo: Path, cli, script) -> None:
    _skill(repo)
    long = repo / ".claude" / "skills" / "long-winded"
    long.mkdir(parents=True)
    (long / "SKILL.md").write_text(
        f"---\nname: long-winded\ndescription: {'Explain at length. ' * 60}\n---\nBe long.\n"
    )
    responses = ([tool("Skill", skill="release-notes", args="v1.0"), tool("Skill", skill="long-winded")], [text("ok")])
    result = cli("run", "-c", "cc", "--trust-repo", "--model", script(*responses), "notes")
    assert "gitagent: skill long-winded loaded although" in result.err and "at most 1024 characters" in result.err
    results = [e for e in _events(repo, "cc") if e["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [False, False]
    assert results[0]["content"].endswith("ARGUMENTS: v1.0") and "Be long." in results[1]["content"]


def test_a_precompact_hook_can_veto_compaction(repo: Path, cli, script) -> None:
    from tests.conftest import git as run_git

    _hook(repo, "PreCompact", "keep-all", "#!/bin/sh\necho 'keep the full history' >&2\nexit 2\n")
    cli("trust")
    cli("run", "-c", "v", "--model", script([text("one")]), "first")
    run_git(repo, "config", "gitagent.compactAt", "0.000001")
    cli("run", "-c", "v", "--model", script([text("two")]), "second")
    head = conversation_head(repo, "v")
    assert "context.json" not in head.tree
    hook = next(e for e in _events(repo, "v") if e["type"] == "hook" and e["event"] == "PreCompact")
    assert hook["exit"] == 2


def test_gitagent_compact_runs_precompact_hooks_which_may_veto(repo: Path, cli, script) -> None:
    cli("run", "-c", "m", "--model", script([text("one")]), "first")
    _hook(repo, "PreCompact", "log-trigger", '#!/bin/sh\ngrep -q \'"trigger": "manual"\' && echo no >&2 && exit 2\n')
    cli("trust")
    head = conversation_head(repo, "m").id
    result = cli("compact", "m", "--model", script(), expect=1)
    assert "'m' was not compacted: no" in result.err
    assert conversation_head(repo, "m").id == head
