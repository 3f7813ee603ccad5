"""Claude Code as an executor: `claude -p --output-format stream-json --verbose`, prompt on standard input.

Its stream (one JSON object a line): `system`/`init` (session id, model, version), `assistant` messages (one
line per content block; a message's blocks share its id and its usage), `user` messages carrying tool
results, and a closing `result` (totals, cost, errors). Subagents' own messages (`parent_tool_use_id` set)
are left out: their work reaches the record as the result of the call that started them. The session lives
in `~/.claude/projects/<dir>/<session id>.jsonl`; `--resume ID` finds it in any project directory.
"""

from pathlib import Path
from typing import Any

from gitagent.agent.executors.recorder import Recorder
from gitagent.models.base import Block, Usage

PERMISSION_FLAGS = ("--permission-mode", "--dangerously-skip-permissions", "--allow-dangerously-skip-permissions")
PASSED_ON = ("DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")
"""Settings of Claude Code's own (no secrets) that reach it from gitagent's environment."""


class ClaudeCode:
    """What is particular to Claude Code: its command line, environment, session file and stream."""

    name = "claude-code"
    provider = "anthropic"
    key_variables = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN")
    base_url_variable = "ANTHROPIC_BASE_URL"
    passed_on = PASSED_ON

    def argv(self, program: Path, session_id: str | None, model: str | None, args: list[str]) -> list[str]:
        """The command line; the prompt goes to standard input. Claude Code's own permission checks are off
        unless `args` choose a mode (gitagent's sandbox confines what it runs)."""
        argv = [str(program), "-p", "--output-format", "stream-json", "--verbose"]
        if not any(arg.split("=")[0] in PERMISSION_FLAGS for arg in args):
            argv += ["--permission-mode", "bypassPermissions"]
        if model:
            argv += ["--model", model]
        if session_id:
            argv += ["--resume", session_id]
        return argv + args

    def fixed_env(self, base_url: str | None) -> dict[str, str]:
        """Variables Claude Code needs besides its key: the server, and that it runs in a sandbox (as root it
        refuses to skip its permission checks otherwise)."""
        env = {"IS_SANDBOX": "1", "DISABLE_AUTOUPDATER": "1"}
        if base_url:
            env[self.base_url_variable] = base_url
        return env

    def find_session(self, home: Path, session_id: str) -> Path | None:
        """The session file after a run."""
        found = sorted((home / ".claude" / "projects").glob(f"*/{session_id}.jsonl"))
        return found[0] if found else None

    def stream(self, recorder: Recorder, home: Path) -> "ClaudeStream":
        """A reader for one run's stream."""
        return ClaudeStream(recorder)


class ClaudeStream:
    """Feeds Claude Code's stream-json events into a `Recorder`."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.session_id: str | None = None
        self.version = ""
        self.finished = False
        self.failure: str | None = None
        self.seen: set[str] = set()

    def feed(self, event: dict[str, Any]) -> None:
        """Take one line of the stream."""
        kind = event.get("type")
        if event.get("parent_tool_use_id"):
            return
        if kind == "system" and event.get("subtype") == "init":
            self.session_id = event.get("session_id")
            self.version = str(event.get("claude_code_version") or "")
            if event.get("model"):
                self.recorder.set_model(f"anthropic:{event['model']}")
        elif kind == "assistant":
            self._assistant(event["message"])
        elif kind == "user":
            for block in _blocks(event["message"]):
                if block.get("type") == "tool_result":
                    output = result_text(block.get("content"))
                    self.recorder.tool_result(block["tool_use_id"], output, bool(block.get("is_error")))
        elif kind == "result":
            self._result(event)

    def _assistant(self, message: dict[str, Any]) -> None:
        content = [_clean(b) for b in _blocks(message) if b.get("type") in ("text", "tool_use")]
        if not content:
            return
        usage = None
        if message.get("id") not in self.seen:  # each line of one message repeats its usage: count it once
            self.seen.add(message.get("id", ""))
            usage = claude_usage(message.get("usage"))
        self.recorder.assistant(content, usage)

    def _result(self, event: dict[str, Any]) -> None:
        self.finished = True
        self.session_id = event.get("session_id") or self.session_id
        is_error = bool(event.get("is_error"))
        subtype = str(event.get("subtype") or "")
        cost = event.get("total_cost_usd")
        self.recorder.finish(
            self.session_id or "", is_error=is_error, subtype=subtype, usage=claude_usage(event.get("usage")),
            cost_usd=float(cost) if isinstance(cost, int | float) else None,
        )  # fmt: skip
        if is_error:
            errors = event.get("errors") or [event.get("result") or subtype]
            self.failure = "; ".join(str(e) for e in errors if e) or "it reported an error"


def claude_usage(data: dict[str, Any] | None) -> Usage:
    """Claude Code's (the Messages API's) usage in gitagent's terms."""
    data = data or {}
    return Usage(
        int(data.get("input_tokens") or 0),
        int(data.get("output_tokens") or 0),
        int(data.get("cache_read_input_tokens") or 0),
        int(data.get("cache_creation_input_tokens") or 0),
    )


def result_text(content: Any) -> str:
    """A tool result's content as text (images as a note)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        parts.append(block.get("text", "") if block.get("type") == "text" else f"[{block.get('type', 'content')}]")
    return "\n".join(parts)


def _blocks(message: dict[str, Any]) -> list[Block]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def _clean(block: Block) -> Block:
    if block["type"] == "text":
        return {"type": "text", "text": block["text"]}
    return {"type": "tool_use", "id": block["id"], "name": block["name"], "input": block.get("input") or {}}
