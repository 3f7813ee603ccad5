"""CLAUDE_ENV_FILE, set up the same way for Claude Code (recorded) and gitagent.

Two SessionStart hooks append shell lines to the file each is given; the model's Bash commands show what they
see. Three sessions: a new one, the same one resumed (its hooks append again), and a new one whose first hook
leaves a line that is not valid shell. `record_envfile.py` records what Claude Code does
(`fixtures/envfile.json`); `test_envfile.py` runs gitagent on the same repository and compares.
"""

import json
from pathlib import Path
from typing import Any

FIRST_HOOK = """#!/bin/sh
cat >/dev/null
echo 'export GREETING=hi' >> "$CLAUDE_ENV_FILE"
echo 'export PATH=/opt/envfile-test/bin:$PATH' >> "$CLAUDE_ENV_FILE"
if [ -n "$ENVFILE_BROKEN" ]; then echo 'this is ( not shell' >> "$CLAUDE_ENV_FILE"; fi
"""

SECOND_HOOK = """#!/bin/sh
cat >/dev/null
echo 'export SECOND=b' >> "$CLAUDE_ENV_FILE"
"""

SHOW = 'echo "G=$GREETING S=$SECOND P=${PATH%%:*} F=${CLAUDE_ENV_FILE:-unset}"'

SESSIONS: dict[str, dict[str, Any]] = {
    "new": {
        "commands": [SHOW, 'export GREETING=bye; echo "G=$GREETING"', 'echo "G=$GREETING"'],
    },
    "resumed": {
        "commands": [SHOW, "echo \"$PATH\" | tr : '\\n' | grep -c envfile-test"],
    },
    "broken": {"commands": ["echo ran"], "env": {"ENVFILE_BROKEN": "1"}},
}
"""Each session's Bash commands, in order, and the environment it runs with; `resumed` continues `new`."""


def make_repo(root: Path) -> None:
    """The scenario's files in `root` (an initialised, empty git repository), before its first commit."""
    hooks = root / ".claude" / "hooks"
    hooks.mkdir(parents=True)
    entries = []
    for name, body in (("first.sh", FIRST_HOOK), ("second.sh", SECOND_HOOK)):
        (hooks / name).write_text(body)
        (hooks / name).chmod(0o755)
        entries.append({"hooks": [{"type": "command", "command": f"$CLAUDE_PROJECT_DIR/.claude/hooks/{name}"}]})
    (root / ".claude" / "settings.json").write_text(json.dumps({"hooks": {"SessionStart": entries}}, indent=1))


def responses(session: str) -> list[list[dict[str, Any]]]:
    """The scripted model's responses for `session`: one Bash call each, then an answer."""
    calls = [[{"type": "tool_use", "name": "Bash", "input": {"command": c, "description": "show the environment"}}]
             for c in SESSIONS[session]["commands"]]  # fmt: skip
    return [*calls, [{"type": "text", "text": "done"}]]


def outcome(content: str, is_error: bool) -> dict[str, Any]:
    """What the comparison keeps of a Bash result: its output when it succeeded; that the environment's syntax
    error stopped it otherwise (the two tools word a failure differently)."""
    if not is_error:
        return {"ok": True, "output": content}
    return {"ok": False, "syntax_error": "syntax error" in content, "ran": "ran" in content.split()}
