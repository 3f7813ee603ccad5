"""Record `fixtures/claude_code_agent_response.json` from the real Claude Code (needs node; run by hand, not by the
suite):

    python -m tests.subagents.record_agent_response

Two runs of `../shared/oracle/claude-code run --capture-hooks`, each with one Agent call (in the foreground, then
in the background), whose child answers at once. Keeps only what `test_hooks.py` compares: the type of each field
of the PostToolUse hook's `tool_response` (and of `usage` and `content`'s items) and its `status`, never Claude
Code's texts.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conformance.record_hooks import ORACLE

FIXTURE = Path(__file__).parent / "fixtures" / "claude_code_agent_response.json"
CALL = {"description": "Count files", "prompt": "Count the files and report.", "subagent_type": "general-purpose"}


def type_name(value: Any) -> str:
    """The JSON type of `value`: string, number, boolean, null, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape(response: dict[str, Any]) -> dict[str, Any]:
    """The types of `response`'s fields, with `usage`'s and the first `content` item's spelled out, and its
    `status` (a value hooks compare)."""
    found: dict[str, Any] = {key: type_name(value) for key, value in response.items()}
    found["status"] = response["status"]
    if isinstance(response.get("usage"), dict):
        found["usage"] = {key: type_name(value) for key, value in response["usage"].items()}
    if response.get("content"):
        found["content"] = [{key: type_name(value) for key, value in response["content"][0].items()}]
    return found


def record(background: bool) -> dict[str, Any]:
    """The PostToolUse `tool_response` of one Agent call."""
    with tempfile.TemporaryDirectory(prefix="agent-oracle-") as tmp:
        repo, out = Path(tmp, "repo"), Path(tmp, "out")
        repo.mkdir()
        (repo / "README.md").write_text("hi\n")
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        identity = ["-c", "user.name=oracle", "-c", "user.email=oracle@example.com"]
        subprocess.run(["git", *identity, "commit", "-qm", "init"], cwd=repo, check=True)
        call = {"type": "tool_use", "name": "Agent", "input": {**CALL, "run_in_background": background}}
        responses = [[call], [{"type": "text", "text": "There is 1 file."}], [{"type": "text", "text": "Done."}]]
        script = Path(tmp, "script.json")
        script.write_text(json.dumps({"responses": responses}))
        command = [str(ORACLE), "run", "--repo", str(repo), "--script", str(script), "--prompt", "Delegate counting",
                   "--out", str(out), "--capture-hooks", "--permission-mode", "bypassPermissions"]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, text=True)
        calls = [json.loads(line)["stdin"] for line in (out / "hooks.jsonl").read_text().splitlines()]
    return next(c["tool_response"] for c in calls if c["hook_event_name"] == "PostToolUse")


def main() -> None:
    binary = subprocess.run([str(ORACLE), "install"], check=True, capture_output=True, text=True).stdout.strip()
    version = next(part for part in Path(binary).parts if part.startswith("claude-code-"))
    fixture = {
        "made_by": f"python -m tests.subagents.record_agent_response ({version})",
        "foreground": shape(record(background=False)),
        "background": shape(record(background=True)),
    }
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
