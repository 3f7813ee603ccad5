"""One turn that exercises every tool event, set up the same way for Claude Code (recorded) and gitagent.

The repository: a README, a `secret.txt` that a deny rule covers, and `.claude/settings.json` with a
PreToolUse hook that blocks `rm -rf` (exit 2). The model writes, edits and reads `notes.txt`, runs a Bash
command that succeeds and one that fails, one the hook blocks, and reads `secret.txt`, which the rule
refuses. `record_hooks.py` records what Claude Code's hooks receive (`fixtures/hooks_turn.json`);
`test_hooks.py` runs gitagent on the same repository and compares.
"""

import json
from pathlib import Path
from typing import Any

PROMPT = "Make notes"

BLOCK_RM = """#!/bin/sh
# Blocks any Bash command that contains "rm -rf".
if grep -q 'rm -rf'; then echo "rm -rf is not allowed here" >&2; exit 2; fi
exit 0
"""

RECORDER = """#!/usr/bin/env python3
import json, os, sys
payload = json.load(sys.stdin)
env = sorted(k for k in os.environ if k.startswith(("CLAUDE", "GITAGENT")))
with open(os.environ["ORACLE_HOOK_LOG"], "a") as f:
    f.write(json.dumps({"cwd": os.getcwd(), "argv": sys.argv[1:], "env": env, "stdin": payload}) + "\\n")
"""
"""The oracle's own recording hook (`claude-code run --capture-hooks`), for gitagent's side."""

RECORDED_EVENTS = (
    "SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest",
    "Notification", "Stop", "SubagentStart", "SubagentStop", "PreCompact", "SessionEnd",
)  # fmt: skip
"""The events the oracle records (its HOOK_EVENTS)."""

FILE_KEYS = ("file_path", "filePath")


def make_repo(root: Path) -> None:
    """The scenario's files in `root` (an initialised, empty git repository), committed."""
    (root / "README.md").write_text("# demo\n")
    (root / "secret.txt").write_text("top secret\n")
    hook = root / ".claude" / "hooks" / "block-rm.sh"
    hook.parent.mkdir(parents=True)
    hook.write_text(BLOCK_RM)
    hook.chmod(0o755)
    command = "$CLAUDE_PROJECT_DIR/.claude/hooks/block-rm.sh"
    settings = {
        "permissions": {"deny": ["Read(./secret.txt)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": command}]}]},
    }
    (root / ".claude" / "settings.json").write_text(json.dumps(settings, indent=2) + "\n")


def responses(files: str) -> list[list[dict[str, Any]]]:
    """The model's responses; `files` prefixes file paths (Claude Code's models send absolute ones)."""

    def call(name: str, **tool_input: Any) -> list[dict[str, Any]]:
        return [{"type": "tool_use", "name": name, "input": tool_input}]

    return [
        call("Write", file_path=f"{files}notes.txt", content="hello\nworld\n"),
        call("Edit", file_path=f"{files}notes.txt", old_string="hello", new_string="goodbye"),
        call("Read", file_path=f"{files}notes.txt"),
        call("Bash", command="echo ok", description="Say ok"),
        call("Bash", command="echo failing >&2; exit 3", description="Fail on purpose"),
        call("Bash", command="rm -rf build", description="Remove the build folder"),
        call("Read", file_path=f"{files}secret.txt"),
        [{"type": "text", "text": "All done."}],
    ]


def normalize(calls: list[dict[str, Any]], project: Path, files: Path) -> list[dict[str, Any]]:
    """Hook calls with what differs from run to run replaced by markers, checked for consistency.

    Paths of the agent's files (`files`: the project for Claude Code, the worktree for gitagent) become
    `<files>`, other mentions of the project `<project>`; ids become `<session_id>`, `<prompt_id>`,
    `<tool_use_id:N>` (the same N for the same call), times `<ms>`.
    """
    ids: dict[str, str] = {}
    tool_ids: dict[str, str] = {}
    out = []
    for call in calls:
        stdin = json.loads(json.dumps(call["stdin"]))
        _paths(stdin, str(files))
        for key, marker in (("session_id", "<session_id>"), ("transcript_path", "<transcript>"),
                            ("prompt_id", "<prompt_id>")):  # fmt: skip
            if key in stdin:
                assert isinstance(stdin[key], str) and stdin[key], f"{key} must be a non-empty string"
                ids.setdefault(key, stdin[key])
                assert stdin[key] == ids[key], f"{key} changed within one session"
                stdin[key] = marker
        if "tool_use_id" in stdin:
            stdin["tool_use_id"] = tool_ids.setdefault(stdin["tool_use_id"], f"<tool_use_id:{len(tool_ids) + 1}>")
        if "duration_ms" in stdin:
            assert isinstance(stdin["duration_ms"], int)
            stdin["duration_ms"] = "<ms>"
        text = json.dumps(stdin).replace(str(project), "<project>")
        out.append({
            "event": stdin["hook_event_name"],
            "cwd": call["cwd"].replace(str(project), "<project>"),
            "project_dir_variable": "CLAUDE_PROJECT_DIR" in call["env"],
            "stdin": json.loads(text),
        })  # fmt: skip
    return out


def _paths(value: Any, files: str) -> None:
    """Replace `files` in the file-path fields of `value`, in place."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FILE_KEYS and isinstance(item, str):
                value[key] = item.replace(files, "<files>", 1)
            else:
                _paths(item, files)
    elif isinstance(value, list):
        for item in value:
            _paths(item, files)
